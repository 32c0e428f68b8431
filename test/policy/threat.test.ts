import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parsePolicyConfig } from '../../controller/policy/config.js';
import { SEVERITY_ORDER, severityRank, threatScore, type ThreatInput } from '../../controller/policy/threat.js';

const cfg = parsePolicyConfig().threat;
const base: ThreatInput = { multiSignalScore: 0, outcome: 'NONE', reputation: 0, pattern: 'single-to-single', attackType: 'syn-flood', confidence: 0, severity: 'low' };

test('components and composite', () => {
  const t = threatScore({ ...base, multiSignalScore: 100, reputation: 100, confidence: 1 }, cfg);
  assert.equal([t.base, t.reputation, t.behaviour, t.pattern], [1, 1, 0.4, 1]);
  assert.ok(Math.abs(t.composite - (0.45 + 0.2 + 0.15 * 0.4 + 0.2)) < 1e-12);
  assert.is(t.level, 'critical');
  assert.is(threatScore({ ...base, attackType: 'benign', confidence: 1 }, cfg).pattern, 0);
});

test('composite → low / medium / high / critical', () => {
  const level = (multiSignalScore: number) => threatScore({ ...base, multiSignalScore, confidence: 1, reputation: 100 }, cfg).level;
  // composite = 0.45 s + 0.2 + 0.06 + 0.2
  assert.equal([0, 20, 40, 90].map(level), ['medium', 'medium', 'high', 'critical']);
  assert.is(threatScore(base, cfg).level, 'low');
});

test('promotions: INSTANT → critical, AUTO → high, scan → high, many→single one up', () => {
  assert.is(threatScore({ ...base, outcome: 'INSTANT_BLOCK' }, cfg).level, 'critical');
  assert.is(threatScore({ ...base, outcome: 'AUTO_BLOCK' }, cfg).level, 'high');
  assert.is(threatScore({ ...base, pattern: 'single-to-many' }, cfg).level, 'high');
  assert.is(threatScore({ ...base, pattern: 'many-to-single' }, cfg).level, 'medium');
});

test('property: patterns and outcomes never demote the detection severity', () => {
  for (const severity of SEVERITY_ORDER) for (const pattern of ['single-to-single', 'many-to-single', 'single-to-many'] as const) {
    for (const outcome of ['NONE', 'MONITOR', 'HIGH_THREAT', 'AUTO_BLOCK', 'INSTANT_BLOCK'] as const) {
      const t = threatScore({ ...base, severity, pattern, outcome }, cfg);
      assert.ok(severityRank(t.level) >= severityRank(severity), `${severity} ${pattern} ${outcome} → ${t.level}`);
    }
  }
});

test.run();
