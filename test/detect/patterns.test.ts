import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseDetectConfig } from '../../controller/detect/config.js';
import type { DestinationSummary } from '../../controller/detect/destinations.js';
import type { AttackType } from '../../controller/detect/detection.js';
import { SEVERITIES, assess, baseSeverity, promote, severityRank, trafficPattern, type PatternInput } from '../../controller/detect/patterns.js';
import { seededRng } from '../../controller/detect/rng.js';

const config = parseDetectConfig();
const victim = (underAttack: boolean): DestinationSummary => ({ dst: '10.0.0.1', packetRate: 5000, zScore: 8, uniqueIps: 120, sourceEntropy: 6, underAttack, lastSeen: 0 });
const input = (p: Partial<PatternInput>): PatternInput => ({ attackType: 'syn-flood', connections: 10, packetRate: 10, distinctDsts: 1, zScore: 0, ...p });

test('single→single: one source, one server; conservative (no promotion)', () => {
  const a = assess(input({ attackType: 'brute-force', connections: 8 }), config);
  assert.is(a.pattern, 'single-to-single');
  assert.is(a.severity, 'low');
  assert.equal(a.signals, []);
});

test('many→single: the target is under a distributed attack → at least high', () => {
  const a = assess(input({ target: victim(true) }), config);
  assert.is(a.pattern, 'many-to-single');
  assert.is(a.severity, 'high');
  assert.is(a.signals[0]!.name, 'pattern.many-to-single');
  assert.is(trafficPattern(input({ target: victim(false) }), config), 'single-to-single');
});

test('single→many: high server diversity → at least high', () => {
  const a = assess(input({ attackType: 'scan', distinctDsts: 40 }), config);
  assert.is(a.pattern, 'single-to-many');
  assert.is(a.severity, 'high');
  assert.is(a.signals[0]!.name, 'pattern.single-to-many');
});

test('base severity follows the SYN-flood seed connection bands and packet rate', () => {
  assert.is(baseSeverity('syn-flood', 19, 0, config), 'low');
  assert.is(baseSeverity('syn-flood', 20, 0, config), 'medium');
  assert.is(baseSeverity('syn-flood', 50, 0, config), 'high');
  assert.is(baseSeverity('syn-flood', 100, 0, config), 'critical');
  assert.is(baseSeverity('udp-flood', 0, 60_000, config), 'critical');
  assert.is(baseSeverity('benign', 500, 60_000, config), 'low');
});

test('z-score anomaly promotes one level and says so', () => {
  const a = assess(input({ connections: 25, zScore: 9 }), config);
  assert.is(a.severity, 'high');
  assert.ok(a.signals.some((s) => s.name === 'anomaly.zscore'));
});

test('property: patterns and anomalies promote severity, never demote', () => {
  const rng = seededRng(9);
  const types: AttackType[] = ['syn-flood', 'udp-flood', 'icmp-flood', 'scan', 'brute-force', 'benign'];
  for (let i = 0; i < 5000; i++) {
    const p = input({
      attackType: types[Math.floor(rng() * types.length)]!,
      connections: rng() * 300,
      packetRate: rng() * 100_000,
      distinctDsts: rng() * 20,
      zScore: rng() * 12 - 2,
      ...(rng() < 0.5 ? { target: victim(rng() < 0.5) } : {}),
    });
    const base = baseSeverity(p.attackType, p.connections, p.packetRate, config);
    const a = assess(p, config);
    assert.ok(severityRank(a.severity) >= severityRank(base), `demoted ${base} → ${a.severity}`);
    if (a.pattern !== 'single-to-single') assert.ok(severityRank(a.severity) >= severityRank('high'));
  }
  for (const x of SEVERITIES) for (const y of SEVERITIES) assert.ok(severityRank(promote(x, y)) === Math.max(severityRank(x), severityRank(y)));
});

test.run();
