import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../../controller/clock.js';
import type { Detection } from '../../controller/detect/detection.js';
import { PolicyEngine, type EngineResult } from '../../controller/policy/engine.js';
import { PolicyError } from '../../controller/policy/errors.js';
import { decayedScore } from '../../controller/policy/reputation.js';
import { TRUST_LEVELS } from '../../controller/policy/trust.js';
import { openStore } from '../../controller/store/store.js';
import { detection } from './detection-fixture.js';

const T0 = 1_700_000_000_000;
const SEC = 1000;
const MIN = 60 * SEC;
const HOUR = 60 * MIN;
const ATTACKER = '203.0.113.7';

function engine(config = {}) {
  const clock = new ManualClock(T0);
  return { clock, policy: new PolicyEngine(config, clock) };
}
const flood = (connections: number, over: Partial<Detection> = {}) => detection({ src: ATTACKER, connections, packetRate: connections, ...over });

/** Ex3 through the engine: 30 → 60 → 120 conn/s a minute apart. */
function escalate(policy: PolicyEngine, clock: ManualClock): EngineResult[] {
  const out: EngineResult[] = [];
  for (const c of [30, 60, 120]) {
    out.push(policy.evaluate([flood(c)], new Map(), clock.now()));
    clock.advance(MIN);
  }
  return out;
}

test('Ex1 through the engine: monitored, not blocked', () => {
  const { policy, clock } = engine();
  const r = policy.evaluate([flood(25)], new Map(), clock.now());
  assert.equal(r.decisions.map((d) => d.action), ['monitor']);
  assert.is(r.decisions[0]!.score, 15);
  assert.equal(r.decisions[0]!.signals.filter((s) => s.name === 'base.connections').map((s) => s.points), [15]);
});

test('Ex3 through the engine: flag → throttle (+ victim throttle) → INSTANT_BLOCK drop, one decision per source', () => {
  const { policy, clock } = engine();
  const [h1, h2, h3] = escalate(policy, clock);
  assert.equal(h1!.decisions.map((d) => d.action), ['monitor']);
  assert.equal(h2!.decisions.map((d) => d.action).sort(), ['rate-limit', 'throttle-victim']);
  assert.equal(h2!.ended.map((d) => d.action), ['monitor']);
  const drop = h3!.decisions.find((d) => d.action === 'drop')!;
  assert.ok(drop, 'third hit drops');
  assert.is(drop.score, 100);
  assert.is(drop.threatLevel, 'critical');
  assert.ok(drop.reason.startsWith('INSTANT_BLOCK'));
  assert.is(drop.offence, 1, 'the escalation of one incident is one offence');
  assert.ok(drop.expiresAt - drop.createdAt >= HOUR && drop.expiresAt - drop.createdAt <= 24 * HOUR);
  assert.equal(h3!.ended.map((d) => d.action), ['rate-limit']);
  const active = policy.activeDecisions();
  assert.equal(active.filter((d) => d.target.src === ATTACKER).map((d) => d.action), ['drop']);
  assert.ok(drop.signals.some((s) => s.name === 'escalation' && s.points === 25));
});

test('idempotent: the same situation twice yields no second decision', () => {
  const { policy, clock } = engine();
  const d = flood(60, { intel: { abuseConfidence: 90 } });
  const first = policy.evaluate([d], new Map(), clock.now());
  assert.is(first.decisions.length > 0, true);
  const again = policy.evaluate([], new Map(), clock.now());
  assert.equal(again, { decisions: [], ended: [] });
  // A detection of the same strength a moment later refreshes nothing: more than half the duration is left.
  const ids = policy.activeDecisions().map((x) => x.id);
  const third = policy.evaluate([flood(10, { pattern: 'single-to-many', severity: 'low', confidence: 0.1 })], new Map(), clock.now() + SEC);
  assert.equal(third.decisions.filter((x) => ids.includes(x.id)), []);
});

test('whitelisted sources (IPv4 and IPv6 CIDRs) are never blocked', () => {
  const { policy, clock } = engine({ whitelist: ['198.51.100.0/24', '2001:db8::/32'] });
  for (let i = 0; i < 10; i++) {
    const r = policy.evaluate(
      [
        flood(500, { src: '198.51.100.9', intel: { abuseConfidence: 100 } }),
        flood(500, { src: '2001:db8::bad', intel: { abuseConfidence: 100 } }),
        flood(500, { src: '::ffff:198.51.100.10' }),
        flood(500, { src: '198.51.0.0', srcPrefix: 16 }),
      ],
      new Map(),
      clock.advance(MIN),
    );
    assert.equal(r.decisions.filter((d) => d.action !== 'throttle-victim'), []);
  }
  assert.throws(() => policy.block({ src: '198.51.100.1', actor: 'alice', reason: 'test' }), (e: unknown) => e instanceof PolicyError && e.code === 'POLICY_WHITELISTED');
});

test('staging: a first event is never a full block unless AUTO/INSTANT_BLOCK', () => {
  const { policy, clock } = engine();
  // Composite in the selective band (bad reputation: rate far off baseline, SYN/ACK 20) but multi-signal only 40: MONITOR.
  const r = policy.evaluate([flood(150, { packetRate: 100_000, features: { synAckRatio: 20 }, confidence: 1 })], new Map(), clock.now());
  const own = r.decisions.filter((d) => d.target.src === ATTACKER);
  assert.equal(own.map((d) => d.action), ['rate-limit']);
  assert.ok(own[0]!.reason.includes('staged'));
});

test('single→single (brute force) is throttled, blocked only after sustained behaviour', () => {
  const { policy, clock } = engine();
  const bf = (c: number) => flood(c, { pattern: 'single-to-single', attackType: 'brute-force', dstPort: 22, severity: 'high', intel: { abuseConfidence: 90 } });
  const actions: string[] = [];
  for (let i = 0; i < 6; i++) {
    const r = policy.evaluate([bf(120)], new Map(), clock.advance(30 * SEC));
    actions.push(...r.decisions.map((d) => d.action));
  }
  const firstDrop = actions.findIndex((a) => a === 'drop' || a === 'selective-drop');
  assert.ok(firstDrop >= 0, `eventually blocked: ${actions}`);
  const active = policy.activeDecisions()[0]!;
  assert.ok(policy.source(ATTACKER)!.hits!.hitTimes.length >= 5, 'only after ≥ 5 detections');
  assert.ok(active.action === 'drop' || active.action === 'selective-drop');
  assert.not.ok(actions.includes('throttle-victim'), 'no victim throttle for single→single');
});

test('single→many (scan) is flagged at once with HIGH severity and a selective drop names the protocol only', () => {
  const { policy, clock } = engine();
  const scan = flood(30, { pattern: 'single-to-many', attackType: 'scan', severity: 'low', dst: undefined, dstPort: undefined });
  const r = policy.evaluate([scan], new Map(), clock.now());
  assert.equal(r.decisions.map((d) => [d.action, d.threatLevel]), [['monitor', 'high']]);
});

test('evidence: still attacking at expiry → extended as a new offence and escalated; quiet → stepped down, then lifted', () => {
  const { policy, clock } = engine();
  policy.evaluate([flood(60, { intel: { abuseConfidence: 90 } })], new Map(), clock.now());
  const rl = policy.activeDecisions().find((d) => d.action === 'rate-limit')!;
  assert.ok(rl, 'HIGH_THREAT → rate limit');
  // The meter keeps seeing 500 pkt/s from the source.
  clock.set(rl.expiresAt);
  policy.evaluate([], new Map([[rl.id, 500]]), clock.now());
  const t = policy.tick(clock.now());
  const up = t.decisions.find((d) => d.target.src === ATTACKER)!;
  assert.is(up.action, 'selective-drop');
  assert.is(up.offence, rl.offence + 1);
  assert.equal(up.target.proto, 6);
  assert.ok(up.expiresAt - clock.now() > rl.expiresAt - rl.createdAt, 'the repeat block is longer');
  // Now quiet: at expiry it steps down (not trusted enough to be lifted at once), then is lifted.
  clock.set(up.expiresAt);
  policy.evaluate([], new Map(), clock.now());
  const down = policy.tick(clock.now());
  const stepped = down.decisions.find((d) => d.target.src === ATTACKER);
  assert.ok(stepped === undefined || stepped.action === 'rate-limit' || stepped.action === 'monitor', `stepped ${stepped?.action}`);
  for (let i = 0; i < 5; i++) {
    clock.advance(policy.config.unblock.stepDownMs);
    policy.evaluate([], new Map(), clock.now());
    policy.tick(clock.now());
  }
  assert.equal(policy.activeDecisions().filter((d) => d.target.src === ATTACKER), []);
});

test('evidence: backscatter after a flood stopped steps the block down instead of extending it', () => {
  const { policy, clock } = engine();
  policy.evaluate([flood(60, { intel: { abuseConfidence: 90 } })], new Map(), clock.now());
  const rl = policy.activeDecisions().find((d) => d.target.src === ATTACKER)!;
  // The flood goes on for a while through its mitigation, then only RSTs answer the victim's retransmissions.
  for (let t = clock.now() + SEC; t < rl.expiresAt - 30 * SEC; t += 10 * SEC) {
    clock.set(t);
    policy.evaluate([], new Map([[rl.id, 20_000]]), t);
  }
  clock.set(rl.expiresAt);
  policy.evaluate([], new Map([[rl.id, 250]]), clock.now());
  const r = policy.tick(clock.now());
  const ended = r.ended.find((d) => d.id === rl.id);
  assert.ok(ended, 'the first block ended at expiry');
  assert.match(ended!.endReason!, /behaviour improved at expiry \(250 pkt\/s, 20000 pkt\/s at its height\)/);
  const next = policy.activeDecisions().find((d) => d.target.src === ATTACKER)!;
  assert.is(next.action, 'monitor', 'a rate limit steps down to a flag');
  assert.is(next.offence, rl.offence, 'no new offence');
});

test('victim throttle follows the attack: renewed while many→single lasts, lifted soon after it stops', () => {
  const { policy, clock } = engine();
  const [, h2] = escalate(policy, clock);
  const v = h2!.decisions.find((d) => d.action === 'throttle-victim')!;
  const span = policy.config.response.victimThrottleMs;
  assert.is(v.expiresAt - v.createdAt, span, 'not the critical level\'s hours');
  // Still under attack with less than half of it left: renewed in place.
  clock.set(v.createdAt + span * 0.6);
  const again = policy.evaluate([flood(120)], new Map(), clock.now());
  const renewed = again.decisions.find((d) => d.action === 'throttle-victim')!;
  assert.is(renewed.id, v.id);
  assert.is(renewed.expiresAt, clock.now() + span);
  // The attack stops: at expiry the throttle is lifted.
  clock.set(renewed.expiresAt);
  policy.evaluate([], new Map(), clock.now());
  const t = policy.tick(clock.now());
  assert.ok(t.ended.some((d) => d.id === v.id && /quiet at expiry/.test(d.endReason ?? '')), t.ended.map((d) => `${d.action} ${d.endReason}`).join('; '));
  assert.not.ok(policy.activeDecisions().some((d) => d.action === 'throttle-victim'));
});

test('false positive: immediate unblock, reputation boost, trust up, weights lowered', () => {
  const { policy, clock } = engine();
  escalate(policy, clock);
  const weightsBefore = policy.currentWeights();
  const repBefore = decayedScore(policy.source(ATTACKER)!.reputation!, clock.now(), policy.config.reputation);
  const trustBefore = policy.trustOf(ATTACKER);
  const r = policy.markFalsePositive({ src: ATTACKER }, 'alice');
  assert.equal(r.ended.map((d) => [d.action, d.endReason]), [['drop', 'false positive (alice)']]);
  assert.equal(policy.activeDecisions().filter((d) => d.target.src === ATTACKER), []);
  const s = policy.source(ATTACKER)!;
  assert.is(s.falsePositives, 1);
  assert.ok(s.reputation!.score < repBefore || repBefore === 0);
  assert.ok(policy.trustOf(ATTACKER) >= trustBefore);
  assert.not.equal(policy.currentWeights(), weightsBefore);
  // The next hit starts from zero instead of the carried 100.
  const next = policy.evaluate([flood(25)], new Map(), clock.advance(SEC));
  assert.ok(next.decisions.every((d) => d.action !== 'drop'));
});

test('admin: block (bounded), extend (bounded), unblock raises trust', () => {
  const { policy, clock } = engine();
  const b = policy.block({ src: '192.0.2.1', actor: 'alice', reason: 'known bad', durationMs: 48 * HOUR });
  const d = b.decisions[0]!;
  assert.is(d.origin, 'admin');
  assert.is(d.offence, 1);
  assert.is(d.expiresAt - d.createdAt, policy.config.durations.maxMs, 'never longer than the maximum');
  const e = policy.extend(d.id, 10 * HOUR, 'alice');
  assert.is(e.decisions[0]!.id, d.id);
  assert.ok(e.decisions[0]!.expiresAt <= clock.now() + policy.config.durations.maxMs);
  const trustBefore = policy.trustOf('192.0.2.1');
  const u = policy.unblock({ id: d.id }, 'alice', 'customer called');
  assert.equal(u.ended.map((x) => x.id), [d.id]);
  assert.is(policy.source('192.0.2.1')!.adminOverrides, 1);
  assert.ok(policy.trustOf('192.0.2.1') >= trustBefore);
  assert.throws(() => policy.extend(999, MIN, 'alice'), (err: unknown) => err instanceof PolicyError && err.code === 'POLICY_UNKNOWN_DECISION');
  assert.throws(() => policy.block({ src: 'not-an-ip', actor: 'a', reason: 'r' }), (err: unknown) => err instanceof PolicyError && err.code === 'POLICY_BAD_ADDRESS');
  // Admin overrides count as the policy having been wrong: thresholds become more conservative.
  assert.ok(policy.networkAdjustment().applied.some((a) => a.condition === 'high-false-positive-rate'));
});

test('admin: a block wider than /8 (/16) must be forced; a forced /0 is a decision marked forced; bad prefixes are refused', () => {
  const { policy } = engine();
  for (const [src, srcPrefix] of [['0.0.0.0', 0], ['10.0.0.0', 7], ['::', 0], ['2001::', 15]] as const) {
    assert.throws(() => policy.block({ src, srcPrefix, actor: 'a', reason: 'r' }), (err: unknown) => err instanceof PolicyError && err.code === 'POLICY_WIDE_PREFIX' && err.field === 'src', `${src}/${srcPrefix}`);
  }
  for (const [src, srcPrefix] of [['10.0.0.1', 33], ['::ffff:1.2.3.4', 8], ['fe80::1%eth0', undefined]] as const) {
    assert.throws(() => policy.block({ src, ...(srcPrefix !== undefined ? { srcPrefix } : {}), actor: 'a', reason: 'r' }), (err: unknown) => err instanceof PolicyError && err.code === 'POLICY_BAD_ADDRESS', `${src}/${srcPrefix}`);
  }
  assert.equal(policy.activeDecisions(), [], 'nothing issued');
  assert.is(policy.source('0.0.0.0', 0), undefined, 'no record for a refused block');
  assert.is(policy.block({ src: '10.0.0.0', srcPrefix: 8, actor: 'a', reason: 'a /8 needs no force' }).decisions[0]!.forced, undefined);
  const forced = policy.block({ src: '0.0.0.0', srcPrefix: 0, force: true, actor: 'a', reason: 'everything' }).decisions[0]!;
  assert.equal([forced.target, forced.forced], [{ src: '0.0.0.0', srcPrefix: 0 }, true]);
  const mapped = policy.block({ src: '::ffff:1.2.3.0', srcPrefix: 120, actor: 'a', reason: 'mapped' }).decisions[0]!;
  assert.equal(mapped.target, { src: '1.2.3.0', srcPrefix: 24 }, 'an IPv4-mapped network is its IPv4 network');
});

test('early step-down for a trusted source that went quiet', () => {
  const { policy, clock } = engine();
  policy.evaluate([flood(60, { intel: { abuseConfidence: 90 } })], new Map(), clock.now());
  const rl = policy.activeDecisions().find((d) => d.action === 'rate-limit')!;
  assert.ok(policy.trustOf(ATTACKER) >= 0.7);
  policy.evaluate([], new Map(), clock.advance(SEC)); // quiet starts
  const cfg = policy.config.unblock;
  clock.advance(cfg.earlyUnblockQuietMs);
  assert.ok(clock.now() < rl.expiresAt);
  const t = policy.tick(clock.now());
  assert.ok(t.ended.some((d) => d.id === rl.id));
  assert.ok(t.decisions.some((d) => d.target.src === ATTACKER && d.action === 'monitor'));
});

test('network recovery lifts medium/low decisions progressively', () => {
  const { policy, clock } = engine({ unblock: { recoveryBatch: 2, recoveryQuietMs: 30 * SEC } });
  const r = policy.evaluate(
    Array.from({ length: 5 }, (_, i) => flood(25, { src: `192.0.2.${i + 1}`, pattern: 'single-to-single', severity: 'medium', confidence: 0.9 })),
    new Map(),
    clock.now(),
  );
  assert.equal(r.decisions.map((d) => [d.action, d.threatLevel]), Array(5).fill(['monitor', 'medium']));
  assert.equal(policy.tick(clock.advance(29 * SEC)).ended, [], 'not recovered yet');
  const lifted: number[] = [];
  for (let i = 0; i < 3; i++) lifted.push(policy.tick(clock.advance(SEC)).ended.length);
  assert.equal(lifted, [2, 2, 1], 'progressively, a batch per tick');
});

test('24 hours on a ManualClock: repeat offences get longer blocks, decay brings reputation back', () => {
  const { policy, clock } = engine();
  const durations: number[] = [];
  const scan = (c: number) => flood(c, { pattern: 'single-to-many', attackType: 'scan', dst: undefined, dstPort: 443, severity: 'medium' });
  for (let episode = 0; episode < 4; episode++) {
    clock.advance(HOUR);
    for (let hit = 0; hit < 2; hit++) {
      const r = policy.evaluate([scan(120)], new Map(), clock.now());
      for (const d of r.decisions) if (d.action === 'drop') durations.push(d.expiresAt - d.createdAt);
      clock.advance(MIN);
    }
    // Quiet (the drop flow counts nothing) until the source is fully unblocked, ticking every minute.
    while (policy.activeDecisions().length > 0) {
      policy.evaluate([], new Map(), clock.now());
      policy.tick(clock.now());
      clock.advance(MIN);
    }
    assert.ok(clock.now() < T0 + 48 * HOUR);
  }
  assert.is(durations.length, 4);
  for (let i = 1; i < durations.length; i++) assert.ok(durations[i]! > durations[i - 1]!, `longer each time: ${durations.map((d) => d / MIN)}`);
  const s = policy.source(ATTACKER)!;
  assert.is(s.offences, 4);
  assert.ok(decayedScore(s.reputation!, clock.now(), policy.config.reputation) < 1, 'reputation decayed back');
});

test('a decision engine restarted from the store continues (offence count, active decisions, ids)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ofguard-engine-'));
  try {
    const path = join(dir, 'ofguard.db');
    const clock = new ManualClock(T0);
    let store = openStore(path);
    let policy = PolicyEngine.fromStore({}, clock, store);
    escalate(policy, clock);
    const before = policy.activeDecisions();
    const maxId = Math.max(...before.map((d) => d.id));
    store.close();

    store = openStore(path);
    policy = PolicyEngine.fromStore({}, clock, store);
    assert.equal(policy.activeDecisions(), before);
    assert.is(policy.source(ATTACKER)!.offences, 1);
    // Quiet long enough for the block to end and a new episode to start; then attack again.
    for (const d of policy.activeDecisions()) {
      clock.set(Math.max(clock.now(), d.expiresAt));
    }
    clock.advance(SEC);
    policy.evaluate([], new Map(), clock.now());
    for (let i = 0; i < 10; i++) {
      policy.tick(clock.now());
      clock.advance(policy.config.unblock.stepDownMs);
    }
    assert.equal(policy.activeDecisions(), []);
    const again = escalate(policy, clock).flatMap((r) => r.decisions);
    const drop = again.find((d) => d.action === 'drop' || d.action === 'selective-drop')!;
    assert.ok(drop, `re-blocked: ${again.map((d) => d.action)}`);
    assert.ok(drop.offence >= 2, `offence kept across restart: ${drop.offence}`);
    assert.ok(again.every((d) => d.id > maxId), 'ids never reused');
    store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('property: random traffic for 24 h — every decision ends, bounded, trust valid, scores 0–100, whitelist respected', () => {
  const { policy, clock } = engine({ whitelist: ['10.9.0.0/16'] });
  let seed = 42;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const maxMs = policy.config.durations.maxMs;
  const all: EngineResult[] = [];
  for (let step = 0; step < 24 * 12; step++) {
    clock.advance(5 * MIN);
    const dets: Detection[] = [];
    for (let i = 0; i < 3; i++) {
      dets.push(
        flood(rnd() * 200, {
          src: rnd() < 0.2 ? `10.9.0.${Math.floor(rnd() * 5)}` : `192.0.2.${Math.floor(rnd() * 8)}`,
          pattern: pick(['single-to-single', 'many-to-single', 'single-to-many'] as const),
          attackType: pick(['syn-flood', 'udp-flood', 'scan', 'brute-force'] as const),
          severity: pick(['low', 'medium', 'high', 'critical'] as const),
          confidence: rnd(),
          packetRate: rnd() * 60_000,
          subnetAttack: rnd() < 0.2,
          intel: rnd() < 0.3 ? { abuseConfidence: Math.floor(rnd() * 100) } : undefined,
        }),
      );
    }
    const evidence = new Map(policy.activeDecisions().map((d) => [d.id, rnd() < 0.5 ? 0 : rnd() * 1000]));
    all.push(policy.evaluate(dets, evidence, clock.now()), policy.tick(clock.now()));
  }
  // The attack stops and no fresh evidence arrives: stale evidence must not keep anything alive.
  clock.advance(maxMs + HOUR);
  for (let i = 0; i < 10; i++) all.push(policy.tick(clock.advance(policy.config.unblock.stepDownMs)));
  assert.equal(policy.activeDecisions(), [], 'every block ends');
  let count = 0;
  for (const r of all) {
    for (const d of r.decisions) {
      count++;
      const issued = d.updatedAt ?? d.createdAt;
      assert.ok(Number.isFinite(d.expiresAt) && d.expiresAt - issued <= maxMs && d.expiresAt > issued, `${d.action} ${issued} → ${d.expiresAt}`);
      assert.ok((TRUST_LEVELS as readonly number[]).includes(d.trust));
      assert.ok(d.score >= 0 && d.score <= 100);
      if (d.action !== 'throttle-victim') assert.not.ok(d.target.src.startsWith('10.9.'), 'whitelisted');
    }
  }
  assert.ok(count > 20, `exercised: ${count} decisions`);
});

test.run();
