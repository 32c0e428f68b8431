import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parsePolicyConfig } from '../../controller/policy/config.js';
import type { Decision } from '../../controller/policy/decision.js';
import { earlyStepDownDue, escalateAction, recoveryLifts, reviewAtExpiry, stepDownAction, type ExpiryInput } from '../../controller/policy/unblock.js';

const cfg = parsePolicyConfig().unblock;
const review = (over: Partial<ExpiryInput>) => reviewAtExpiry({ action: 'drop', level: 'high', trust: 0.5, blockedPps: 0, ...over }, cfg);

test('step-down ladder drop → rate limit → monitor → allow; escalation ladder up to drop', () => {
  assert.equal([stepDownAction('drop'), stepDownAction('selective-drop'), stepDownAction('rate-limit'), stepDownAction('monitor')], ['rate-limit', 'rate-limit', 'monitor', null]);
  assert.equal([escalateAction('monitor'), escalateAction('rate-limit'), escalateAction('selective-drop'), escalateAction('drop'), escalateAction('throttle-victim')], ['rate-limit', 'selective-drop', 'drop', 'drop', 'throttle-victim']);
});

test('at expiry: attack rate → extend and escalate', () => {
  assert.equal(review({ action: 'rate-limit', blockedPps: cfg.attackPps }), { kind: 'extend', action: 'selective-drop', reason: `still attacking at expiry (${cfg.attackPps} pkt/s)` });
  assert.is(review({ blockedPps: 10_000 }).kind, 'extend');
});

test('at expiry: traffic above the attack rate but a small share of the peak is a faded attack (backscatter), not an attack', () => {
  assert.equal(review({ blockedPps: 250, peakPps: 20_000 }), {
    kind: 'step-down',
    action: 'rate-limit',
    reason: 'behaviour improved at expiry (250 pkt/s, 20000 pkt/s at its height): stepping down',
  });
  assert.is(review({ blockedPps: 2_500, peakPps: 20_000 }).kind, 'extend', 'an eighth of the peak still attacks');
  assert.is(review({ blockedPps: 300, peakPps: 300 }).kind, 'extend', 'a steady slow attacker is still attacking');
  assert.is(review({ action: 'throttle-victim', blockedPps: 400, peakPps: 40_000 }).kind, 'lift');
  const off = reviewAtExpiry({ action: 'drop', level: 'high', trust: 0.5, blockedPps: 250, peakPps: 20_000 }, { ...cfg, attackShareOfPeak: 0 });
  assert.is(off.kind, 'extend', 'share 0: absolute rate only');
});

test('at expiry: quiet → lift for low/medium or high trust, step down otherwise', () => {
  assert.is(review({ level: 'medium' }).kind, 'lift');
  assert.is(review({ trust: 0.9 }).kind, 'lift');
  assert.equal(review({ level: 'critical', trust: 0.3 }), { kind: 'step-down', action: 'rate-limit', reason: 'quiet at expiry (0 pkt/s): stepping down' });
});

test('at expiry: still sending below attack rate → behaviour improved, step down', () => {
  const v = review({ level: 'medium', blockedPps: cfg.attackPps - 1 });
  assert.is(v.kind, 'step-down');
});

test('flags decay; victim throttles lift once the attack subsides', () => {
  assert.is(review({ action: 'monitor', blockedPps: 1e6 }).kind, 'lift');
  assert.is(review({ action: 'throttle-victim', blockedPps: 5 }).kind, 'lift');
  assert.is(review({ action: 'throttle-victim', blockedPps: 5_000 }).kind, 'extend');
});

test('early step-down: trusted and quiet long enough only', () => {
  const q = cfg.earlyUnblockQuietMs;
  assert.ok(earlyStepDownDue(0.7, 0, q, 'drop', cfg));
  assert.not.ok(earlyStepDownDue(0.7, 0, q - 1, 'drop', cfg));
  assert.not.ok(earlyStepDownDue(0.3, 0, 10 * q, 'drop', cfg), 'poor trust: no early unblock');
  assert.not.ok(earlyStepDownDue(0.9, undefined, 10 * q, 'drop', cfg), 'never quiet');
  assert.not.ok(earlyStepDownDue(0.9, 0, 10 * q, 'monitor', cfg));
});

test('network recovery: medium/low automatic decisions, soonest first, a batch at a time', () => {
  const d = (id: number, threatLevel: Decision['threatLevel'], origin: Decision['origin'], expiresAt: number): Decision => ({
    id, target: { src: `192.0.2.${id}` }, action: 'rate-limit', threatLevel, score: 50, trust: 0.5, signals: [], reason: '', origin, offence: 1, createdAt: 0, expiresAt,
  });
  const active = Array.from({ length: 12 }, (_, i) => d(i + 1, 'medium', 'auto', 1000 - i));
  active.push(d(50, 'high', 'auto', 1), d(51, 'low', 'admin', 1));
  assert.equal(recoveryLifts(active, 0, cfg.recoveryQuietMs - 1, cfg), []);
  const lifted = recoveryLifts(active, 0, cfg.recoveryQuietMs, cfg);
  assert.is(lifted.length, cfg.recoveryBatch);
  assert.is(lifted[0]!.id, 12);
  assert.ok(lifted.every((x) => x.threatLevel === 'medium' && x.origin === 'auto'));
});

test.run();
