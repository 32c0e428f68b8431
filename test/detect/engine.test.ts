import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { IntelInfo } from '../../controller/detect/detection.js';
import { DetectionEngine, type IntelSource } from '../../controller/detect/engine.js';
import { seededRng } from '../../controller/detect/rng.js';
import { PrefixMatcher } from '../../controller/detect/rules.js';
import type { FlowDelta } from '../../controller/stats/snapshot.js';
import { T0, flow, snap } from './helpers.js';

const engine = (c = {}) => new DetectionEngine({ maxSources: 4096, ...c });

function synFlood(src: string, pps: number, dst = '10.0.0.1'): FlowDelta[] {
  return [
    flow({ src, dst, dstPort: 80, packets: pps, bytes: pps * 60, inPort: 3 }),
    // The SYN counter sits beside its accounting flow, with the same match (the same entry port).
    flow({ src, dst, dstPort: 80, packets: pps, kind: 'syn', bytes: pps * 60, inPort: 3 }),
  ];
}

function webClient(src: string, pps: number, dst = '10.0.0.2'): FlowDelta[] {
  return [
    flow({ src, dst, dstPort: 443, packets: pps, bytes: pps * 150 }),
    flow({ src, dst, dstPort: 443, packets: Math.max(1, Math.round(pps / 50)), kind: 'syn' }),
    flow({ src: dst, dst: src, dstPort: 51000, packets: pps, bytes: pps * 1200 }),
  ];
}

test('a SYN flood is detected with the evidence the policy needs', () => {
  const e = engine();
  let ds = e.ingest(snap(0, synFlood('198.51.100.7', 3000), undefined, 0));
  for (let s = 1; s <= 3; s++) ds = e.ingest(snap(s, synFlood('198.51.100.7', 3000)));
  assert.is(ds.length, 1);
  const d = ds[0]!;
  assert.is(d.src, '198.51.100.7');
  assert.is(d.attackType, 'syn-flood');
  assert.ok(d.confidence > 0.9);
  assert.is(d.pattern, 'single-to-single');
  assert.is(d.severity, 'critical', '3000 conn/s ≥ 100');
  assert.ok(Math.abs(d.connections - 3000) < 1e-6);
  assert.is(d.packetRate, 3000);
  assert.is(d.dst, '10.0.0.1');
  assert.is(d.dstPort, 80);
  assert.is(d.proto, 6);
  assert.is(d.dpid, '0000000000000001');
  assert.is(d.inPort, 3);
  assert.is(d.at, T0 + 3000);
  assert.is(d.features.persistence, 3);
  assert.is(d.features.synShare, 1);
  assert.equal(d.vectors, []);
});

test('a server answering a SYN flood is never the one detected', () => {
  const e = engine();
  // As the accounting table keys them: the victim's replies carry its service port as srcPort.
  const round = () => [
    ...synFlood('198.51.100.7', 20000),
    flow({ src: '10.0.0.1', dst: '198.51.100.7', srcPort: 80, packets: 20000, bytes: 20000 * 58 }),
  ];
  const seen = new Set<string>();
  e.ingest(snap(0, round(), undefined, 0));
  for (let s = 1; s <= 5; s++) for (const d of e.ingest(snap(s, round()))) seen.add(d.src);
  assert.ok(seen.has('198.51.100.7'), 'the attacker is detected');
  assert.not.ok(seen.has('10.0.0.1'), 'the victim is not');
});

test('a host answering a ping flood (echo replies) is never the one detected', () => {
  const e = engine();
  const round = () => [
    flow({ src: '198.51.100.8', dst: '10.0.0.1', proto: 1, icmpType: 8, packets: 30000, bytes: 30000 * 84 }),
    flow({ src: '10.0.0.1', dst: '198.51.100.8', proto: 1, icmpType: 0, packets: 30000, bytes: 30000 * 84 }),
  ];
  const seen = new Set<string>();
  e.ingest(snap(0, round(), undefined, 0));
  for (let s = 1; s <= 5; s++) for (const d of e.ingest(snap(s, round()))) seen.add(d.src);
  assert.ok(seen.has('198.51.100.8'), 'the flooder is detected');
  assert.not.ok(seen.has('10.0.0.1'), 'the host answering it is not');
});

test('a SYN flood the model calls benign (every SYN answered) is still detected by its volume', () => {
  const benignModel = { predict: () => ({ type: 'benign' as const, confidence: 0.99 }) };
  const e = new DetectionEngine({ maxSources: 4096 }, { classifier: benignModel as never });
  let ds = e.ingest(snap(0, synFlood('198.51.100.9', 5000), undefined, 0));
  for (let s = 1; s <= 3; s++) ds = e.ingest(snap(s, synFlood('198.51.100.9', 5000)));
  assert.is(ds.length, 1);
  assert.is(ds[0]!.attackType, 'syn-flood');
  assert.ok(ds[0]!.signals.some((x) => x.name === 'volume.connections'));
  const quiet = new DetectionEngine({ maxSources: 4096 }, { classifier: benignModel as never });
  let none = quiet.ingest(snap(0, synFlood('198.51.100.9', 50), undefined, 0));
  for (let s = 1; s <= 3; s++) none = quiet.ingest(snap(s, synFlood('198.51.100.9', 50)));
  assert.is(none.length, 0, 'below the floor the model decides');
});

test('benign clients, even busy ones, are not detected', () => {
  const e = engine();
  const flows = [...webClient('192.0.2.10', 40), ...webClient('192.0.2.11', 400), ...webClient('192.0.2.12', 2500, '10.0.0.3')];
  for (let s = 0; s <= 10; s++) {
    const ds = e.ingest(snap(s, flows, undefined, s ? 1000 : 0));
    assert.equal(ds.map((d) => `${d.src} ${d.attackType} ${d.confidence.toFixed(2)}`), []);
  }
});

test('property: whitelisted sources are never flagged, whatever they send', () => {
  const rng = seededRng(3);
  const e = engine({ whitelist: ['10.9.0.0/16', '2001:db8:9::/48'] });
  let outside = 0;
  for (let s = 1; s <= 20; s++) {
    const flows: FlowDelta[] = [];
    for (let k = 0; k < 10; k++) {
      const pps = Math.round(50 + rng() * 50_000);
      flows.push(...synFlood(`10.9.${k}.${s}`, pps), ...synFlood(`2001:db8:9::${k}:${s}`, pps));
      flows.push(flow({ src: `10.9.${k}.200`, dst: '10.0.0.1', proto: 1, icmpType: 3, packets: 500 }));
    }
    flows.push(...synFlood('203.0.113.5', 5000));
    const ds = e.ingest(snap(s, flows));
    for (const d of ds) assert.not.ok(d.src.startsWith('10.9.') || d.src.startsWith('2001:db8:9:'), `flagged ${d.src}`);
    outside += ds.filter((d) => d.src === '203.0.113.5').length;
  }
  assert.is(outside, 20, 'the same traffic from outside is flagged every interval');
});

test('at most one detection per source per interval, across switches and re-polls', () => {
  const e = engine();
  e.ingest(snap(1, synFlood('198.51.100.9', 2000)));
  assert.is(e.ingest(snap(2, synFlood('198.51.100.9', 2000))).length, 1);
  assert.is(e.ingest(snap(2, synFlood('198.51.100.9', 2000))).length, 0, 'same switch, same instant');
  assert.is(e.ingest(snap(2, synFlood('198.51.100.9', 2000), '0000000000000002')).length, 0, 'another switch on the path');
  assert.is(e.ingest(snap(3, synFlood('198.51.100.9', 2000))).length, 1);
});

test('blocklist hit: reported even when the traffic looks benign, at least high; removable', () => {
  const e = engine();
  e.setBlocklist('spamhaus-drop', new PrefixMatcher(['192.0.2.0/24']));
  let ds = e.ingest(snap(1, webClient('192.0.2.50', 100)));
  ds = e.ingest(snap(2, webClient('192.0.2.50', 100)));
  assert.is(ds.length, 1);
  assert.is(ds[0]!.attackType, 'benign');
  assert.is(ds[0]!.severity, 'high');
  assert.is(ds[0]!.signals[0]!.name, 'netset.spamhaus-drop');
  e.setBlocklist('spamhaus-drop', undefined);
  assert.equal(e.ingest(snap(3, webClient('192.0.2.50', 100))), []);
});

test('distributed flood: many→single at least high, subnet-wide, destination summary', () => {
  const e = engine();
  const flows = Array.from({ length: 40 }, (_, i) => synFlood(`185.7.7.${i + 1}`, 60, '10.0.0.8')).flat();
  e.ingest(snap(1, flows));
  const ds = e.ingest(snap(2, flows));
  assert.is(ds.length, 40);
  for (const d of ds) {
    assert.is(d.pattern, 'many-to-single');
    assert.is(d.attackType, 'syn-flood');
    assert.ok(d.severity === 'high' || d.severity === 'critical');
    assert.ok(d.subnetAttack);
    assert.ok(d.features.targetUniqueIps60s! >= 35);
  }
  const dest = e.destinations(1, T0 + 2000)[0]!;
  assert.is(dest.dst, '10.0.0.8');
  assert.ok(dest.underAttack);
  assert.is(dest.packetRate, 40 * 60, 'syn flows are a subset of the accounting packets: not added again');
});

test('scan: single→many, high', () => {
  const e = engine();
  let ds: ReturnType<DetectionEngine['ingest']> = [];
  for (let s = 1; s <= 3; s++) {
    const probes = Array.from({ length: 60 }, (_, i) => [
      flow({ src: '45.1.2.3', dst: `10.0.${s}.${i + 1}`, dstPort: 22, packets: 1, durationSec: 0 }),
      flow({ src: '45.1.2.3', dst: `10.0.${s}.${i + 1}`, dstPort: 22, packets: 1, durationSec: 0, kind: 'syn' }),
    ]).flat();
    ds = e.ingest(snap(s, probes));
  }
  assert.is(ds[0]!.attackType, 'scan');
  assert.is(ds[0]!.pattern, 'single-to-many');
  assert.ok(ds[0]!.severity === 'high' || ds[0]!.severity === 'critical');
});

test('intel: first hit asks in the background, later hits carry the cached answer', () => {
  const asked: string[] = [];
  const cache = new Map<string, IntelInfo>();
  const intel: IntelSource = { peek: (ip) => cache.get(ip), request: (ip) => void asked.push(ip) };
  const e = new DetectionEngine({ maxSources: 64 }, { intel });
  e.ingest(snap(1, synFlood('203.0.113.77', 500), undefined, 0));
  const first = e.ingest(snap(2, synFlood('203.0.113.77', 500)))[0]!;
  assert.is(first.intel, undefined);
  assert.equal(asked, ['203.0.113.77']);
  cache.set('203.0.113.77', { abuseConfidence: 90, country: 'XX' });
  const later = e.ingest(snap(3, synFlood('203.0.113.77', 500)))[0]!;
  assert.equal(later.intel, { abuseConfidence: 90, country: 'XX' });
});

test('accessors: top sources, features of one source, seen-before, stats', () => {
  const e = engine();
  e.ingest(snap(1, [...synFlood('198.51.100.1', 900), ...webClient('192.0.2.1', 30)]));
  const now = T0 + 1000;
  const top = e.topSources(2, now);
  assert.is(top[0]!.src, '198.51.100.1');
  assert.ok(top[0]!.packetRate > top[1]!.packetRate);
  assert.is(e.featuresOf('198.51.100.1', now)!.synShare, 1);
  assert.is(e.featuresOf('1.2.3.4', now), undefined);
  assert.ok(e.seenBefore('192.0.2.1'));
  assert.equal(e.stats(), { trackedSources: 3, trackedDestinations: 3, histories: 1 });
});

test('a SYN flood forging a client\'s address from another port: the forger is detected at its port, the client never', () => {
  const e = engine();
  const client = (sec: number, answers: number) => [
    flow({ src: '10.0.0.2', dst: '10.0.0.1', dstPort: 8080, packets: 35, bytes: 35 * 80, inPort: 2 }),
    flow({ kind: 'syn', src: '10.0.0.2', dst: '10.0.0.1', dstPort: 8080, packets: 5, inPort: 2 }),
    // The server's answers, keyed by its service port: to the client, and to the forger's SYNs.
    flow({ src: '10.0.0.1', dst: '10.0.0.2', srcPort: 8080, packets: answers, bytes: answers * 60, inPort: 1 }),
  ].map((f) => ({ ...f, dpid: '0000000000000001', durationSec: 100 + sec }));
  for (let s = 0; s <= 20; s++) assert.equal(e.ingest(snap(s, client(s, 30))), [], `quiet second ${s}`);
  for (let s = 21; s <= 26; s++) {
    const ds = e.ingest(snap(s, [
      ...client(s, 30_000),
      flow({ kind: 'syn', src: '10.0.0.2', dst: '10.0.0.1', dstPort: 8080, packets: 30_000, inPort: 5 }),
      flow({ src: '10.0.0.2', dst: '10.0.0.1', dstPort: 8080, packets: 10, inPort: 5, durationSec: s - 21 }),
    ]));
    assert.equal(ds.filter((d) => d.inPort !== 5).map((d) => `${d.src}@${d.inPort} ${d.attackType}`), [], `second ${s}: only the forger's port`);
  }
});

test.run();
