import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BruteForceTracker } from '../../controller/detect/brute-force.js';
import type { Classifier } from '../../controller/detect/classifier.js';
import { parseDetectConfig, type DetectConfigInput } from '../../controller/detect/config.js';
import type { Detection } from '../../controller/detect/detection.js';
import { DetectionEngine } from '../../controller/detect/engine.js';
import { PrefixMatcher } from '../../controller/detect/rules.js';
import type { FlowDelta } from '../../controller/stats/snapshot.js';
import { flow, snap } from './helpers.js';

const tracker = (c: DetectConfigInput = {}) => new BruteForceTracker(parseDetectConfig({ maxSources: 64, ...c }));

/** One second of `perMinute` attempts (SYN counter) to dst:port, `perAttempt` forward packets each. */
function guessing(src: string, sec: number, perMinute: number, port = 22, perAttempt = 12, dst = '10.0.0.5'): FlowDelta[] {
  const attempts = Math.floor(((sec + 1) * perMinute) / 60) - Math.floor((sec * perMinute) / 60);
  const out = [
    flow({ src, dst, dstPort: port, packets: Math.max(1, attempts * perAttempt), inPort: 4 }),
    // The service answers (keyed by its own port, as the accounting table does).
    flow({ src: dst, dst: src, srcPort: port, packets: Math.max(1, attempts * perAttempt) }),
  ];
  if (attempts > 0) out.push(flow({ src, dst, dstPort: port, packets: attempts, kind: 'syn' }));
  return out;
}

test('tracker: 30 SSH attempts a minute cross the auth threshold once 20 are in the window', () => {
  const t = tracker();
  let first = -1;
  let last;
  for (let sec = 0; sec < 70; sec++) {
    const s = t.ingest(snap(sec, guessing('198.51.100.20', sec, 30)));
    if (s.length && first < 0) first = sec;
    if (s.length) last = s[0];
  }
  assert.is(first, 39, '20th attempt at t=39 s');
  assert.ok(last);
  assert.is(last!.src, '198.51.100.20');
  assert.is(last!.dst, '10.0.0.5');
  assert.is(last!.dstPort, 22);
  assert.is(last!.threshold, 20);
  assert.ok(Math.abs(last!.attemptsPerMinute - 30) <= 5, `per minute ${last!.attemptsPerMinute}`);
  assert.ok(Math.abs(last!.packetsPerAttempt - 12) < 1, `packets ${last!.packetsPerAttempt}`);
  assert.is(last!.inPort, 4);
});

test('tracker: told where the SYN counters are, it finds the same suspects without its own pass', () => {
  const whole = tracker();
  const told = tracker();
  for (let sec = 0; sec < 60; sec++) {
    const s = snap(sec, [...guessing('198.51.100.20', sec, 30), ...guessing('198.51.100.21', sec, 90, 3389)]);
    const syn = s.flows.flatMap((f, i) => (f.kind === 'syn' ? [i] : []));
    const guessers = new Set(syn.map((i) => s.flows[i]!.src));
    const conversations = s.flows.flatMap((f, i) => (guessers.has(f.src) ? [i] : []));
    assert.equal(told.ingest(s, { syn, conversations }), whole.ingest(s), `second ${sec}`);
  }
});

test('tracker: the same rate to a web port, long sessions and stopped guessing are not brute force', () => {
  const t = tracker();
  for (let sec = 0; sec < 120; sec++) {
    const flows = [
      ...guessing('198.51.100.21', sec, 30, 443),
      ...guessing('198.51.100.22', sec, 30, 22, 400),
      ...(sec < 30 ? guessing('198.51.100.23', sec, 30) : []),
    ];
    assert.equal(t.ingest(snap(sec, flows)), [], `t=${sec}`);
  }
  const fast = tracker();
  let hit = false;
  for (let sec = 0; sec < 60 && !hit; sec++) hit = fast.ingest(snap(sec, guessing('198.51.100.21', sec, 1500, 443))).length > 0;
  assert.ok(hit, 'web ports need more: 1 500 a minute is over 1 200');
});

test('tracker: the window slides, reports are rate-limited, memory is bounded', () => {
  const t = tracker({ bruteForce: { maxTracked: 8 } });
  for (let sec = 0; sec < 45; sec++) t.ingest(snap(sec, guessing('198.51.100.30', sec, 30)));
  assert.ok(t.ingest(snap(45, guessing('198.51.100.30', 45, 30))).length === 1);
  // Silence for a window: the old attempts leave it.
  assert.equal(t.ingest(snap(110, guessing('198.51.100.30', 110, 30))), []);
  assert.ok(t.mayReport('a', 0));
  assert.not.ok(t.mayReport('a', 29_999));
  assert.ok(t.mayReport('a', 30_000));
  for (let i = 0; i < 50; i++) t.ingest(snap(200, guessing(`203.0.113.${i}`, 200, 60)));
  assert.ok(t.size <= 8, `tracked ${t.size}`);
});

test('engine: a slow SSH brute force is detected as brute-force, single→single, every 30 s', () => {
  const e = new DetectionEngine({ maxSources: 256 });
  const hits: Detection[] = [];
  for (let sec = 0; sec <= 130; sec++) {
    const flows = [...guessing('198.51.100.40', sec, 30), ...guessing('198.51.100.41', sec, 30, 8080)];
    for (const d of e.ingest(snap(sec, flows, undefined, sec === 0 ? 0 : 1000))) hits.push(d);
  }
  assert.equal(hits.map((d) => d.src), ['198.51.100.40', '198.51.100.40', '198.51.100.40', '198.51.100.40'], 'the web client at the same rate is never reported');
  assert.equal(hits.map((d) => (d.at - hits[0]!.at) / 1000), [0, 30, 60, 90]);
  const d = hits[0]!;
  assert.is(d.attackType, 'brute-force');
  assert.is(d.pattern, 'single-to-single');
  assert.is(d.dst, '10.0.0.5');
  assert.is(d.dstPort, 22);
  assert.is(d.severity, 'low', 'conservative: no volume');
  assert.ok(d.confidence >= 0.5);
  assert.is(d.features.attemptThreshold, 20);
  assert.ok(d.features.attemptsPerMinute! >= 20);
  assert.ok(d.signals.some((s) => s.name === 'rate.brute-force'));
});

test('engine: the model calling a client brute force is not enough below the port\'s attempt rate', () => {
  // A model that says brute force about everything, as it sometimes does of busy web clients.
  const model = { predict: () => ({ type: 'brute-force' as const, confidence: 0.9 }) } as unknown as Classifier;
  const e = new DetectionEngine({ maxSources: 256 }, { classifier: model });
  const seen = new Set<string>();
  for (let sec = 0; sec <= 40; sec++) {
    // 5 requests a second to a web port (300/min < 1 200), and 2 logins a second to SSH (120/min ≥ 20).
    const flows = [
      flow({ src: '10.0.0.3', dst: '10.0.0.1', dstPort: 8080, packets: 300, durationSec: 0 }),
      flow({ src: '10.0.0.3', dst: '10.0.0.1', dstPort: 8080, packets: 5, kind: 'syn' }),
      flow({ src: '198.51.100.50', dst: '10.0.0.5', dstPort: 22, packets: 300, durationSec: 0 }),
      flow({ src: '198.51.100.50', dst: '10.0.0.5', dstPort: 22, packets: 2, kind: 'syn' }),
    ];
    for (const d of e.ingest(snap(sec, flows, undefined, sec === 0 ? 0 : 1000))) seen.add(`${d.src} ${d.attackType}`);
  }
  assert.equal([...seen], ['198.51.100.50 brute-force']);
});

test('engine: a blocklisted source is evaluated even when it sends almost nothing', () => {
  const e = new DetectionEngine({ maxSources: 256 });
  const quiet = (sec: number) => snap(sec, [flow({ src: '192.0.2.9', dst: '10.0.0.5', dstPort: 443, packets: 2 })]);
  e.ingest(quiet(0));
  assert.equal(e.ingest(quiet(1)), [], 'too quiet to be a candidate');
  e.setBlocklist('firehol_level1', new PrefixMatcher(['192.0.2.0/24']));
  const ds = e.ingest(quiet(2));
  assert.is(ds.length, 1);
  assert.is(ds[0]!.attackType, 'benign');
  assert.is(ds[0]!.signals[0]!.name, 'netset.firehol_level1');
  e.setBlocklist('firehol_level1', undefined);
  assert.equal(e.ingest(quiet(3)), []);
});

test.run();
