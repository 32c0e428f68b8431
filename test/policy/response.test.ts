import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parsePolicyConfig } from '../../controller/policy/config.js';
import { bandAction, planResponse, type ResponseInput } from '../../controller/policy/response.js';

const cfg = parsePolicyConfig().response;
const plan = (over: Partial<ResponseInput>) =>
  planResponse({ composite: 0, outcome: 'MONITOR', pattern: 'many-to-single', reputationTier: 'none', sustained: false, thresholdFactor: 1, ...over }, cfg);

test('graduated bands at their boundaries (score 0–1)', () => {
  const cases: Array<[number, string | null]> = [
    [0.29, null], [0.3, 'monitor'], [0.39, 'monitor'], [0.4, 'rate-limit'], [0.59, 'rate-limit'],
    [0.6, 'selective-drop'], [0.8, 'selective-drop'], [0.81, 'drop'], [1, 'drop'],
  ];
  for (const [score, action] of cases) assert.is(bandAction(score, 1, cfg), action, `score ${score}`);
});

test('adaptive factor moves the band edges', () => {
  assert.is(bandAction(0.35, 0.8, cfg), 'rate-limit');
  assert.is(bandAction(0.45, 1.2, cfg), 'monitor');
});

test('staging flag → throttle → block: one stage per event', () => {
  assert.is(plan({ composite: 0.95 }).action, 'rate-limit', 'first event: flag counts as current');
  assert.is(plan({ composite: 0.95, current: 'rate-limit' }).action, 'selective-drop');
  assert.is(plan({ composite: 0.95, current: 'selective-drop' }).action, 'drop');
});

test('AUTO_BLOCK / INSTANT_BLOCK go straight to a full block', () => {
  assert.is(plan({ composite: 0.1, outcome: 'AUTO_BLOCK' }).action, 'drop');
  assert.is(plan({ composite: 0.1, outcome: 'INSTANT_BLOCK' }).action, 'drop');
});

test('HIGH_THREAT is throttled ("blocked if persists")', () => {
  const p = plan({ composite: 0.1, outcome: 'HIGH_THREAT' });
  assert.is(p.action, 'rate-limit');
  assert.equal(p.rate, { unit: 'pktps', rate: cfg.rateLimitPps });
});

test('never demotes the current action', () => {
  assert.is(plan({ composite: 0.31, current: 'drop' }).action, 'drop');
});

test('single→single is capped at a throttle until sustained', () => {
  assert.is(plan({ pattern: 'single-to-single', outcome: 'INSTANT_BLOCK' }).action, 'rate-limit');
  assert.is(plan({ pattern: 'single-to-single', outcome: 'INSTANT_BLOCK', sustained: true }).action, 'drop');
});

test('single→many is flagged at once; many→single throttles the victim once the source is throttled', () => {
  assert.is(plan({ pattern: 'single-to-many' }).action, 'monitor');
  assert.is(plan({ composite: 0.35 }).throttleVictim, false);
  assert.is(plan({ composite: 0.45 }).throttleVictim, true);
  assert.is(plan({ composite: 0.45, pattern: 'single-to-many' }).throttleVictim, false);
});

test('reputation tiers: alert → monitor, shape → gentle meter, critical → strict meter', () => {
  assert.is(plan({ reputationTier: 'alert' }).action, 'monitor');
  assert.equal(plan({ reputationTier: 'shape' }).rate, { unit: 'pktps', rate: cfg.shapingPps });
  assert.equal(plan({ reputationTier: 'critical' }).rate, { unit: 'pktps', rate: cfg.rateLimitPps });
  assert.equal(plan({ reputationTier: 'shape', composite: 0.45 }).rate, { unit: 'pktps', rate: cfg.rateLimitPps }, 'the band wants strict');
});

test('brute force is flagged at once; a listed source that looks benign is flagged and never more', () => {
  assert.is(plan({ composite: 0.1, pattern: 'single-to-single' }).action, null);
  const bf = plan({ composite: 0.1, pattern: 'single-to-single', bruteForce: true });
  assert.is(bf.action, 'monitor');
  assert.ok(bf.reasons.includes('brute force: flagged'));
  assert.is(plan({ composite: 0.95, outcome: 'INSTANT_BLOCK', listedOnly: true }).action, 'monitor', 'a listing alone never drops');
  assert.is(plan({ composite: 0.95, listedOnly: true, current: 'rate-limit' }).action, 'rate-limit', 'and never demotes');
});

test.run();
