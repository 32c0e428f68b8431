import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parsePolicyConfig } from '../../controller/policy/config.js';
import { blockDuration, seededUnit, type DurationInput } from '../../controller/policy/durations.js';

const cfg = parsePolicyConfig({ durations: { jitterShare: 0 } }).durations;
const jittered = parsePolicyConfig().durations;
const MIN = 60_000;
const HOUR = 60 * MIN;
const at = (over: Partial<DurationInput>, c = cfg) => blockDuration({ level: 'high', score: 50, offence: 1, trust: 0.5, jitterKey: 'k', ...over }, c).durationMs;

test('duration table: low 60 s, medium 5 min, high 15 min, critical 1–24 h by score', () => {
  assert.equal(
    (['low', 'medium', 'high'] as const).map((level) => at({ level })),
    [60_000, 5 * MIN, 15 * MIN],
  );
  assert.is(at({ level: 'critical', score: 80 }), HOUR);
  assert.is(at({ level: 'critical', score: 100 }), 4 * HOUR, 'a first offence, however sure, is not a day');
  assert.is(at({ level: 'critical', score: 90 }), 2 * HOUR);
  assert.is(at({ level: 'critical', score: 100, offence: 3 }), 16 * HOUR);
  assert.is(at({ level: 'critical', score: 100, offence: 4 }), 24 * HOUR, 'repeat offenders reach the top of the range');
});

test('trust scales: high ×0.5, good ×0.75, neutral ×1, poor ×1.5, very poor maximum', () => {
  assert.equal(([0.9, 0.7, 0.5, 0.3] as const).map((trust) => at({ trust }) / (15 * MIN)), [0.5, 0.75, 1, 1.5]);
  assert.is(at({ trust: 0.1 }), 15 * MIN * cfg.repeatMaxFactor);
  assert.is(at({ trust: 0.1, level: 'critical', score: 80 }), 24 * HOUR);
});

test('repeat offences: each block longer, up to the configured maximum', () => {
  const ds = [1, 2, 3, 4, 5, 6, 7].map((offence) => at({ offence }));
  assert.equal(ds.slice(0, 5), [15, 30, 60, 120, 240].map((m) => m * MIN));
  assert.is(ds[6], 15 * MIN * cfg.repeatMaxFactor, 'capped by repeatMaxFactor');
  assert.is(at({ level: 'critical', score: 100, offence: 9 }), cfg.maxMs, 'never past maxMs');
});

test('jitter: deterministic per key and seed, a bounded share taken off', () => {
  const base = at({});
  const a = at({ jitterKey: 'src#1' }, jittered);
  assert.is(at({ jitterKey: 'src#1' }, jittered), a, 'same key, same duration');
  const spread = new Set(Array.from({ length: 50 }, (_, i) => at({ jitterKey: `s${i}` }, jittered)));
  assert.ok(spread.size > 40, 'different keys spread');
  for (const d of spread) assert.ok(d <= base && d >= base * (1 - jittered.jitterShare));
  const other = parsePolicyConfig({ durations: { jitterSeed: 1 } }).durations;
  assert.not.equal(at({ jitterKey: 'src#1' }, other), a, 'the seed matters');
  for (let i = 0; i < 1000; i++) {
    const u = seededUnit(7, String(i));
    assert.ok(u >= 0 && u < 1);
  }
});

test.run();
