import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { parsePolicyConfig, bucketPoints } from '../../controller/policy/config.js';
import { POLICY_ERROR_CODES } from '../../controller/policy/errors.js';

test('defaults are the seed numbers; the parsed config is frozen', () => {
  const c = parsePolicyConfig();
  assert.is(c.multiSignal.abuseHighPoints, 30);
  assert.is(c.durations.highMs, 15 * 60_000);
  assert.is(c.response.fullBlockAbove, 0.8);
  assert.ok(Object.isFrozen(c) && Object.isFrozen(c.durations) && Object.isFrozen(c.multiSignal.connectionBuckets[0]));
});

test('a partial override keeps the other defaults', () => {
  const c = parsePolicyConfig({ durations: { lowMs: 1000 } });
  assert.is(c.durations.lowMs, 1000);
  assert.is(c.durations.mediumMs, 5 * 60_000);
});

test('a bad value is rejected with its path', () => {
  try {
    parsePolicyConfig({ reputation: { baselineAlpha: 2 } });
    assert.unreachable();
  } catch (err) {
    assert.match(String(err), 'baselineAlpha');
  }
});

test('bucketPoints', () => {
  const b = [{ min: 20, points: 15 }, { min: 50, points: 25 }];
  assert.equal([0, 20, 49.9, 50, 1e9].map((v) => bucketPoints(b, v)), [0, 15, 15, 25, 25]);
});

test('every policy error code is documented in errors.ts', () => {
  const text = readFileSync(new URL('../../controller/policy/errors.ts', import.meta.url), 'utf8');
  for (const code of POLICY_ERROR_CODES) assert.ok(text.includes(`- ${code}`), code);
});

test.run();
