import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { alphaForHalfLife, ewmaMean, ewmaSeed, ewmaUpdate, zScore } from '../../controller/detect/ewma.js';

test('mean converges to a constant input and variance to zero', () => {
  const s = new Float64Array(2);
  ewmaSeed(s, 0, 0);
  for (let i = 0; i < 200; i++) ewmaUpdate(s, 0, 10, 0.1);
  assert.ok(Math.abs(ewmaMean(s, 0) - 10) < 1e-6);
  assert.ok(s[1]! < 1e-6);
});

test('variance tracks an alternating series (±5 around 100 → variance ≈ 25)', () => {
  const s = new Float64Array(4);
  ewmaSeed(s, 1, 100);
  for (let i = 0; i < 2000; i++) ewmaUpdate(s, 1, i % 2 ? 105 : 95, 0.01);
  assert.ok(Math.abs(ewmaMean(s, 1) - 100) < 0.2);
  assert.ok(Math.abs(s[3]! - 25) < 1.5, `variance ${s[3]}`);
  assert.ok(Math.abs(zScore(s, 1, 115, 0.1) - 3) < 0.1);
  assert.ok(zScore(s, 1, 85, 0.1) < -2.9);
});

test('minStd floors the deviation of a perfectly steady series', () => {
  const s = new Float32Array(2);
  ewmaSeed(s, 0, 50);
  assert.is(zScore(s, 0, 60, 5), 2);
});

test('half-life: weight of a sample halves after that many updates', () => {
  const a = alphaForHalfLife(10);
  assert.ok(Math.abs(Math.pow(1 - a, 10) - 0.5) < 1e-12);
});

test.run();
