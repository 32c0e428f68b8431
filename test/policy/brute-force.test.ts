/**
 * Golden: slow brute force through detection and policy, on simulated time. Issue 4:
 * "brute force … must be answered conservatively (flag, throttle) before any block".
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ManualClock } from '../../controller/clock.js';
import { DetectionEngine } from '../../controller/detect/engine.js';
import { PolicyEngine } from '../../controller/policy/engine.js';
import type { FlowDelta } from '../../controller/stats/snapshot.js';
import { T0, flow, snap } from '../detect/helpers.js';

/** One second of `perMinute` attempts to dst:port, `perAttempt` packets each way, answered by the service. */
function guessing(src: string, sec: number, perMinute: number, port = 22, perAttempt = 12, dst = '10.0.0.5'): FlowDelta[] {
  const attempts = Math.floor(((sec + 1) * perMinute) / 60) - Math.floor((sec * perMinute) / 60);
  const packets = Math.max(1, attempts * perAttempt);
  const out = [flow({ src, dst, dstPort: port, packets, inPort: 4 }), flow({ src: dst, dst: src, srcPort: port, packets })];
  if (attempts > 0) out.push(flow({ src, dst, dstPort: port, packets: attempts, kind: 'syn' }));
  return out;
}

/** Runs `seconds` of traffic; returns "t action" for every new decision (in place or new). */
function timeline(seconds: number, traffic: (sec: number) => FlowDelta[]): string[] {
  const clock = new ManualClock(T0);
  const detect = new DetectionEngine({ maxSources: 256 });
  const policy = new PolicyEngine({}, clock);
  const out: string[] = [];
  for (let sec = 0; sec <= seconds; sec++) {
    clock.set(T0 + sec * 1000);
    const s = snap(sec, traffic(sec), undefined, sec === 0 ? 0 : 1000);
    const r = policy.evaluate(detect.ingest(s), undefined, s.now);
    for (const d of r.decisions) out.push(`${sec} ${d.action}`);
    const ticked = policy.tick(s.now);
    for (const d of ticked.decisions) out.push(`${sec} ${d.action} (tick)`);
  }
  return out;
}

test('30 SSH logins a minute: flagged at the 20th, throttled a minute later, dropped only after two minutes of it', () => {
  assert.equal(timeline(240, (sec) => guessing('198.51.100.40', sec, 30)), [
    '39 monitor', // 20 attempts in the window: flagged (score 15)
    '69 monitor', // second report, score 30: still only watched
    '99 rate-limit', // HIGH_THREAT (55): throttled with a meter, not blocked
    '129 rate-limit', // AUTO_BLOCK score, but single→single: throttled until sustained
    '159 drop', // five reports over two minutes: sustained, blocked
  ]);
});

test('the decisions explain themselves: attempts against the port threshold', () => {
  const clock = new ManualClock(T0);
  const detect = new DetectionEngine({ maxSources: 256 });
  const policy = new PolicyEngine({}, clock);
  let first;
  for (let sec = 0; sec <= 40 && !first; sec++) {
    const s = snap(sec, guessing('198.51.100.41', sec, 30), undefined, sec === 0 ? 0 : 1000);
    first = policy.evaluate(detect.ingest(s), undefined, s.now).decisions[0];
  }
  assert.ok(first);
  assert.is(first!.action, 'monitor');
  const base = first!.signals.find((s) => s.name === 'base.attempts');
  assert.is(base?.points, 15);
  assert.match(base!.detail!, /attempts\/min to port 22 \(threshold 20\)/);
  assert.ok(first!.signals.some((s) => s.name === 'rate.brute-force'));
  assert.match(first!.reason, /brute force: flagged/);
});

test('a short burst of logins is flagged and left at that; sessions and web clients are never mitigated', () => {
  assert.equal(timeline(300, (sec) => (sec < 50 ? guessing('198.51.100.42', sec, 30) : [])), ['39 monitor']);
  assert.equal(timeline(300, (sec) => guessing('198.51.100.43', sec, 30, 22, 400)), [], 'long SSH sessions');
  assert.equal(timeline(300, (sec) => guessing('198.51.100.44', sec, 30, 443)), [], 'a web client at the same rate');
  assert.equal(timeline(300, (sec) => guessing('198.51.100.45', sec, 10)), [], 'an admin logging in now and then');
});

test('faster guessing scores a higher base and escalates no faster than the staging allows', () => {
  const t = timeline(200, (sec) => guessing('198.51.100.46', sec, 120));
  // 24 packets/s pass the per-interval gate: the model names the guessing at once.
  assert.equal(t[0], '1 monitor');
  assert.ok(t.findIndex((x) => x.endsWith('rate-limit')) >= 1, 'never straight to a block');
  const drop = t.find((x) => x.endsWith(' drop'));
  assert.ok(drop && Number(drop.split(' ')[0]) >= 60, `blocked only when it persists: ${t}`);
});

test.run();
