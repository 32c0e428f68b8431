import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parsePolicyConfig } from '../../controller/policy/config.js';
import { TRUST_LEVELS, trustLevel } from '../../controller/policy/trust.js';

const cfg = parsePolicyConfig().trust;
const clean = { offences: 0, falsePositives: 0, adminOverrides: 0 };

test('reputation → 0.9 / 0.7 / 0.5 / 0.3 / 0.1', () => {
  assert.equal([0, 19, 20, 39, 40, 59, 60, 79, 80, 100].map((r) => trustLevel(r, clean, cfg)), [0.9, 0.9, 0.7, 0.7, 0.5, 0.5, 0.3, 0.3, 0.1, 0.1]);
});

test('offences lower trust, false positives and overrides raise it (bounded)', () => {
  assert.is(trustLevel(0, { ...clean, offences: 1 }, cfg), 0.7);
  assert.is(trustLevel(0, { ...clean, offences: 3 }, cfg), 0.5);
  assert.is(trustLevel(90, { ...clean, falsePositives: 1 }, cfg), 0.3);
  assert.is(trustLevel(90, { ...clean, falsePositives: 5, adminOverrides: 5 }, cfg), 0.5, 'at most two levels');
});

test('property: always one of the five levels', () => {
  for (let r = -10; r <= 110; r += 3) {
    for (let o = 0; o < 6; o++) for (let f = 0; f < 4; f++) {
      assert.ok((TRUST_LEVELS as readonly number[]).includes(trustLevel(r, { offences: o, falsePositives: f, adminOverrides: f }, cfg)));
    }
  }
});

test.run();
