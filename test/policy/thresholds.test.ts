import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parsePolicyConfig } from '../../controller/policy/config.js';
import { adaptThreshold, thresholdAdjustment, type NetworkConditions } from '../../controller/policy/thresholds.js';

const cfg = parsePolicyConfig().thresholds;
const calm: NetworkConditions = { attacksPerHour: 0, falsePositiveRate: 0, load: 0, quietForMs: 0 };
const f = (over: Partial<NetworkConditions>, c = cfg) => thresholdAdjustment({ ...calm, ...over }, c).factor;

test('each condition: attacks −20 %, false positives +10 %, congestion −15 %, quiet +20 %', () => {
  assert.is(f({}), 1);
  assert.is(f({ attacksPerHour: 20 }), 0.8);
  assert.is(f({ falsePositiveRate: 0.2 }), 1.1);
  assert.is(f({ load: 0.8 }), 0.85);
  assert.is(f({ quietForMs: 3_600_000 }), 1.2);
  assert.is(adaptThreshold(100, thresholdAdjustment({ ...calm, attacksPerHour: 50 }, cfg)), 80);
});

test('conditions combine multiplicatively; quiet excludes high attack frequency', () => {
  assert.ok(Math.abs(f({ attacksPerHour: 50, load: 0.9 }) - 0.8 * 0.85) < 1e-12);
  assert.is(f({ attacksPerHour: 50, quietForMs: 1e9 }), 0.8);
});

test('bounded to [minFactor, maxFactor]', () => {
  const wild = parsePolicyConfig({ thresholds: { highAttackFrequencyFactor: 0.1, congestionFactor: 0.1, quietFactor: 10, highFalsePositiveFactor: 10 } }).thresholds;
  assert.is(f({ attacksPerHour: 99, load: 1 }, wild), wild.minFactor);
  assert.is(f({ quietForMs: 1e9, falsePositiveRate: 1 }, wild), wild.maxFactor);
  for (const a of [0, 30]) for (const fp of [0, 1]) for (const l of [0, 1]) for (const q of [0, 1e9]) {
    const x = f({ attacksPerHour: a, falsePositiveRate: fp, load: l, quietForMs: q });
    assert.ok(x >= cfg.minFactor && x <= cfg.maxFactor);
  }
});

test.run();
