import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ManualClock } from '../../controller/clock.js';
import type { FloodEntry, UntrustedFlood } from '../../controller/detect/destination-view.js';
import { PolicyEngine } from '../../controller/policy/engine.js';
import { floodKey } from '../../controller/policy/keys.js';

const T0 = 1_700_000_000_000;
const SEC = 1000;
const MIN = 60 * SEC;
const S1 = '0000000000000001';
const VICTIM = '10.0.0.100';

function engine(config = {}) {
  const clock = new ManualClock(T0);
  return { clock, policy: new PolicyEngine(config, clock) };
}

function entry(o: Partial<FloodEntry> = {}): FloodEntry {
  return { dpid: S1, inPort: 5, ethSrc: '02:00:00:00:00:09', count: 300, share: 1, sharedWithLegitimate: false, portShared: false, ...o };
}

function spoofed(o: Partial<UntrustedFlood> = {}, entries = [entry()]): UntrustedFlood {
  return {
    kind: 'spoofed', dst: VICTIM, proto: 6, dstPort: 80, newSourcesPerSec: 300, oneShotShare: 1, usualNewSourcesPerSec: 5,
    pps: 2_000, entries, severity: 'high', score: 60, signals: [{ name: 'flood.new-sources', points: 0, detail: '300 new sources/s' }], at: T0, ...o,
  };
}

const observe = (floods: UntrustedFlood[]) => ({ floods });

test('a low forged-source flood: a meter at its entry point first, a drop when it goes on through the meter', () => {
  const { policy, clock } = engine();
  const first = policy.evaluate([], new Map(), clock.now(), observe([spoofed({ severity: 'low' })]));
  assert.is(first.decisions.length, 1);
  const meter = first.decisions[0];
  assert.is(meter.action, 'rate-limit');
  assert.equal(meter.rate, { unit: 'pktps', rate: 100 });
  assert.equal(meter.target, { src: '0.0.0.0', srcPrefix: 0, dst: VICTIM, proto: 6, dpid: S1, inPort: 5, flood: 'spoofed', synOnly: true });
  assert.ok(meter.signals.some((s) => s.name === 'flood.new-sources'), 'the verdict\'s signals explain the decision');

  // The meter's flow keeps seeing attack-rate traffic for longer than floods.sustainedMs.
  clock.advance(3 * SEC);
  const evidence = new Map([[meter.id, 5_000]]);
  const next = policy.evaluate([], evidence, clock.now(), observe([spoofed({ severity: 'low' })]));
  const drop = next.decisions.find((d) => d.action === 'drop');
  assert.ok(drop, `escalated: ${JSON.stringify(next.decisions.map((d) => d.action))}`);
  assert.equal(drop.target, meter.target, 'dropped where it enters, nowhere else');
  assert.ok(next.ended.some((d) => d.id === meter.id), 'the meter gives way to the drop');
});

test('a medium, high or critical flood is dropped at once: many→single is "rarely legitimate"', () => {
  for (const severity of ['medium', 'high', 'critical'] as const) {
    const { policy, clock } = engine();
    const r = policy.evaluate([], new Map(), clock.now(), observe([spoofed({ severity, pps: 100_000 })]));
    assert.equal(r.decisions.map((d) => d.action), ['drop'], severity);
  }
});

test('four entry points: one decision each, nothing for a port that carries a sliver', () => {
  const { policy, clock } = engine();
  const entries = [10, 11, 12, 13].map((p) => entry({ inPort: p, ethSrc: `02:00:00:00:01:${p}`, share: 0.25 }));
  const r = policy.evaluate([], new Map(), clock.now(), observe([spoofed({}, entries)]));
  assert.equal(r.decisions.map((d) => d.target.inPort).sort(), [10, 11, 12, 13]);
  assert.ok(r.decisions.every((d) => d.target.ethSrc === undefined), 'each port is the attacker\'s alone: the whole port is matched');
});

test('a port legitimate hosts share behind other MACs: only the flood\'s MAC is matched', () => {
  const { policy, clock } = engine();
  const r = policy.evaluate([], new Map(), clock.now(), observe([spoofed({}, [entry({ portShared: true })])]));
  assert.is(r.decisions[0].target.ethSrc, '02:00:00:00:00:09');
});

test('an entry shared with legitimate clients (same port and MAC, an uplink): a SYN meter sized from the usual newcomers, never a drop', () => {
  const { policy, clock } = engine();
  const shared = spoofed({ severity: 'critical', pps: 100_000, usualNewSourcesPerSec: 30 }, [entry({ sharedWithLegitimate: true })]);
  const r = policy.evaluate([], new Map(), clock.now(), observe([shared]));
  assert.is(r.decisions.length, 1);
  const d = r.decisions[0];
  assert.is(d.action, 'rate-limit');
  assert.is(d.target.shared, true);
  assert.is(d.target.synOnly, true);
  assert.equal(d.rate, { unit: 'pktps', rate: 600 }, '20 × the usual 30 newcomers/s');
  assert.match(d.reason, /legitimate clients enter here too/);
  clock.advance(10 * SEC);
  const later = policy.evaluate([], new Map([[d.id, 50_000]]), clock.now(), observe([shared]));
  assert.not.ok(later.decisions.some((x) => x.action === 'drop'), 'still a meter, however long it floods');
});

test('reflection: the reflector port is dropped toward the victim, whatever the sources', () => {
  const { policy, clock } = engine();
  const reflection: UntrustedFlood = { ...spoofed({ severity: 'critical' }), kind: 'reflection', proto: 17, srcPort: 53, dstPort: undefined };
  delete reflection.dstPort;
  const r = policy.evaluate([], new Map(), clock.now(), observe([reflection]));
  const [d] = r.decisions;
  assert.equal(d.target, { src: '0.0.0.0', srcPrefix: 0, dst: VICTIM, proto: 17, dpid: S1, inPort: 5, flood: 'reflection', srcPort: 53 });
  assert.is(d.action, 'drop');
});

test('the same flood round after round is one decision, extended when it runs low', () => {
  const { policy, clock } = engine();
  const first = policy.evaluate([], new Map(), clock.now(), observe([spoofed({ severity: 'critical' })]));
  const id = first.decisions[0].id;
  for (let i = 0; i < 20; i++) {
    clock.advance(SEC);
    const r = policy.evaluate([], new Map([[id, 90_000]]), clock.now(), observe([spoofed({ severity: 'critical' })]));
    assert.equal(r.decisions.filter((d) => d.id !== id), [], `round ${i}: no second decision`);
  }
  assert.is(policy.activeDecisions().length, 1);
});

test('the flood stops: at expiry, quiet evidence steps the drop down and then lifts it; no record names a forged address', () => {
  const { policy, clock } = engine({ durations: { baseMs: { low: 60_000, medium: 60_000, high: 60_000, critical: 60_000 }, maxMs: 60_000 } });
  const r = policy.evaluate([], new Map(), clock.now(), observe([spoofed({ severity: 'critical' })]));
  const d = r.decisions[0];
  const key = floodKey(d.target);
  clock.advance(2 * MIN);
  const expiry = policy.tick(clock.now());
  assert.ok(expiry.ended.some((x) => x.id === d.id), 'the drop ended');
  assert.equal(expiry.decisions.map((x) => [x.action, x.reason]), [['rate-limit', 'quiet at expiry (0 pkt/s): stepping down']]);
  assert.equal(expiry.decisions[0].target, d.target, 'a step-down stays at the entry point');
  for (let i = 0; i < 3; i++) {
    clock.advance(2 * MIN);
    policy.tick(clock.now());
  }
  assert.equal(policy.activeDecisions(), []);
  assert.ok(key.startsWith('flood:'));
});

test.run();
