import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseDetectConfig } from '../../controller/detect/config.js';
import { DestinationView } from '../../controller/detect/destination-view.js';
import type { FlowDelta, PortDelta } from '../../controller/stats/snapshot.js';
import { flow, snap, T0 } from './helpers.js';

const S1 = '0000000000000001';
const S2 = '0000000000000002';
const SERVER = '10.0.0.100';
const ATTACKER_MAC = '02:00:00:00:00:09';

/** A forged source's accounting flow, first seen this poll: only the packet that installed it. */
function forged(i: number, o: Partial<FlowDelta> = {}): FlowDelta {
  return flow({
    src: `198.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, dst: SERVER, proto: 6, dstPort: 80,
    packets: 1, totalPackets: 0, bytes: 60, totalBytes: 0, packetRate: 1, durationSec: 0,
    inPort: 5, ethSrc: ATTACKER_MAC, ...o,
  });
}

/** A legitimate client's conversation with the server: both directions, several packets each. */
function conversation(client: string, inPort: number, mac: string, dpid = S1): FlowDelta[] {
  return [
    flow({ dpid, src: client, dst: SERVER, proto: 6, dstPort: 80, packets: 12, totalPackets: 400, inPort, ethSrc: mac }),
    flow({ dpid, src: SERVER, dst: client, proto: 6, srcPort: 80, packets: 10, totalPackets: 380, inPort: 1, ethSrc: '02:00:00:00:00:64' }),
  ];
}

function port(portNo: number, rxPacketRate: number, dpid = S1): PortDelta {
  return {
    dpid, portNo, rxPackets: rxPacketRate, txPackets: 0, rxBytes: 0, txBytes: 0, rxDropped: 0, txDropped: 0,
    rxPacketRate, txPacketRate: 0, rxByteRate: 0, txByteRate: 0, speedKbps: 0,
  };
}

const legitimate = () => [
  ...conversation('10.0.0.1', 2, '02:00:00:00:00:01'),
  ...conversation('10.0.0.2', 3, '02:00:00:00:00:02'),
];

/** A few quiet rounds: clients talking, an occasional newcomer. */
function warmUp(view: DestinationView, rounds = 20): void {
  for (let s = 0; s < rounds; s++) {
    const flows = legitimate();
    if (s % 4 === 0) flows.push(flow({ src: `10.0.1.${s}`, dst: SERVER, dstPort: 80, packets: 6, totalPackets: 5, inPort: 4, ethSrc: '02:00:00:00:00:04' }));
    view.record(snap(s, flows));
    assert.equal(view.verdicts(T0 + s * 1000), [], `quiet round ${s}`);
  }
}

test('a random-source SYN flood: many one-shot newcomers → spoofed, entering at the attacker\'s port', () => {
  const view = new DestinationView(parseDetectConfig());
  warmUp(view);
  const flows = [...legitimate(), ...Array.from({ length: 400 }, (_, i) => forged(i)), ...Array.from({ length: 400 }, (_, i) => ({ ...forged(i), kind: 'syn' as const }))];
  const s = snap(20, flows);
  s.ports = [port(5, 100_000), port(2, 15)];
  view.record(s);
  const [v, ...rest] = view.verdicts(T0 + 20_000);
  assert.equal(rest, []);
  assert.is(v.kind, 'spoofed');
  assert.is(v.dst, SERVER);
  assert.is(v.proto, 6);
  assert.is(v.dstPort, 80);
  assert.is(Math.round(v.newSourcesPerSec), 400);
  assert.is(v.oneShotShare, 1);
  assert.is(v.entries.length, 1);
  assert.equal({ dpid: v.entries[0].dpid, inPort: v.entries[0].inPort, ethSrc: v.entries[0].ethSrc }, { dpid: S1, inPort: 5, ethSrc: ATTACKER_MAC });
  assert.is(v.entries[0].share, 1);
  assert.is(v.entries[0].portPps, 100_000);
  assert.is(v.entries[0].sharedWithLegitimate, false);
  assert.is(v.entries[0].portShared, false);
  assert.ok(v.pps >= 100_000, 'the port counters tell the flood\'s real rate, not the sampled flows');
  assert.is(v.severity, 'critical');
  assert.equal(v.signals.filter((x) => x.points > 0).map((x) => [x.name, x.points]), [
    ['flood.new-sources', 30], ['flood.one-shot', 30], ['flood.syn-unanswered', 20], ['flood.entropy', 10],
  ]);
  assert.is(v.score, 90);
  assert.ok(v.signals.some((x) => /400 new sources\/s/.test(x.detail ?? "")), JSON.stringify(v.signals));
  assert.ok(v.signals.some((x) => /400 connection attempts\/s, 20 packets\/s answered/.test(x.detail ?? "")), JSON.stringify(v.signals));
  assert.ok(view.isFlooded(SERVER));
  assert.not.ok(view.isFlooded('10.0.0.1'));
});

test('a flash crowd is no forgery: many newcomers that keep talking', () => {
  const view = new DestinationView(parseDetectConfig());
  warmUp(view);
  const flows = [...legitimate(), ...Array.from({ length: 300 }, (_, i) => forged(i, { packets: 8, totalPackets: 7, src: `10.2.${i >> 8}.${i & 255}` }))];
  view.record(snap(20, flows));
  assert.equal(view.verdicts(T0 + 20_000), []);
});

test('a busy server\'s usual rate of newcomers is learned: five times it is needed', () => {
  const view = new DestinationView(parseDetectConfig());
  // A public server: 100 newcomers every second is its normal day, a third of them one
  // packet and gone (probes, crawlers, clients that gave up), the rest real visits.
  for (let s = 0; s < 60; s++) {
    const visits = Array.from({ length: 100 }, (_, i) => forged(s * 1000 + i, i % 3 === 0 ? {} : { packets: 9, totalPackets: 8 }));
    view.record(snap(s, [...legitimate(), ...visits]));
    assert.equal(view.verdicts(T0 + s * 1000), [], `an ordinary second ${s}`);
  }
  view.record(snap(60, [...legitimate(), ...Array.from({ length: 200 }, (_, i) => forged(90_000 + i))]));
  assert.equal(view.verdicts(T0 + 60_000), [], 'twice the usual is not a flood');
  view.record(snap(61, [...legitimate(), ...Array.from({ length: 1000 }, (_, i) => forged(95_000 + i))]));
  assert.is(view.verdicts(T0 + 61_000).length, 1, 'ten times the usual is');
});

test('four spoofing hosts on four ports: four entry points, each with its share', () => {
  const view = new DestinationView(parseDetectConfig());
  warmUp(view);
  const flows = [...legitimate()];
  for (let h = 0; h < 4; h++) flows.push(...Array.from({ length: 100 }, (_, i) => forged(h * 1000 + i, { inPort: 10 + h, ethSrc: `02:00:00:00:01:0${h}` })));
  view.record(snap(20, flows));
  const [v] = view.verdicts(T0 + 20_000);
  assert.equal(v.entries.map((e) => e.inPort).sort(), [10, 11, 12, 13]);
  for (const e of v.entries) assert.is(e.share, 0.25);
});

test('a flood forging a client\'s address is still told by its entry point, not by the address', () => {
  const view = new DestinationView(parseDetectConfig());
  warmUp(view);
  // 10.0.0.1 talks from port 2; the attacker on port 5 sends as random sources and as 10.0.0.1.
  const flows = [...legitimate(), ...Array.from({ length: 300 }, (_, i) => forged(i))];
  flows.push(flow({ src: '10.0.0.1', dst: SERVER, dstPort: 80, packets: 50_000, totalPackets: 49_999, inPort: 5, ethSrc: ATTACKER_MAC }));
  view.record(snap(20, flows));
  const [v] = view.verdicts(T0 + 20_000);
  assert.equal(v.entries.map((e) => e.inPort), [5]);
  assert.is(v.entries[0].sharedWithLegitimate, false, 'the real 10.0.0.1 enters at port 2');
});

test('an entry point shared with legitimate clients is marked: same MAC (an uplink) or same port, other MACs', () => {
  const view = new DestinationView(parseDetectConfig());
  const UPLINK = '02:00:00:00:00:fe';
  for (let s = 0; s < 20; s++) {
    // Clients behind a router (one MAC at port 7), and a host behind a hub at port 8.
    view.record(snap(s, [
      ...conversation('10.1.0.1', 7, UPLINK), ...conversation('10.1.0.2', 7, UPLINK), ...conversation('10.0.0.8', 8, '02:00:00:00:00:08'),
    ]));
    view.verdicts(T0 + s * 1000);
  }
  view.record(snap(20, [
    ...conversation('10.1.0.1', 7, UPLINK),
    ...conversation('10.0.0.8', 8, '02:00:00:00:00:08'),
    ...Array.from({ length: 200 }, (_, i) => forged(i, { inPort: 7, ethSrc: UPLINK })),
    ...Array.from({ length: 200 }, (_, i) => forged(1000 + i, { inPort: 8, ethSrc: ATTACKER_MAC })),
  ]));
  const [v] = view.verdicts(T0 + 20_000);
  const byPort = new Map(v.entries.map((e) => [e.inPort, e]));
  assert.is(byPort.get(7)!.sharedWithLegitimate, true, 'the uplink carries clients and the flood alike');
  assert.is(byPort.get(8)!.sharedWithLegitimate, false);
  assert.is(byPort.get(8)!.portShared, true, 'another host is behind port 8: block the attacker\'s MAC only');
});

test('a two-switch network: the flood is attributed to the edge switch it enters', () => {
  const view = new DestinationView(parseDetectConfig());
  for (let s = 0; s < 20; s++) {
    view.record(snap(s, legitimate(), S1));
    view.record(snap(s, [], S2));
    view.verdicts(T0 + s * 1000);
  }
  view.record(snap(20, legitimate(), S1));
  view.record(snap(20, Array.from({ length: 300 }, (_, i) => forged(i, { dpid: S2, inPort: 3 })), S2));
  const [v] = view.verdicts(T0 + 20_000);
  assert.equal(v.entries.map((e) => [e.dpid, e.inPort]), [[S2, 3]]);
});

test('reflection: answers from port 53 that nobody asked for', () => {
  const view = new DestinationView(parseDetectConfig());
  warmUp(view);
  const answers = Array.from({ length: 8 }, (_, i) => flow({
    src: `10.0.0.${20 + i}`, dst: SERVER, proto: 17, srcPort: 53, packets: 400, totalPackets: 4000, bytes: 400 * 1400, inPort: 20 + i, ethSrc: `02:00:00:00:02:0${i}`,
  }));
  view.record(snap(20, [...legitimate(), ...answers]));
  const [v, ...rest] = view.verdicts(T0 + 20_000);
  assert.equal(rest, []);
  assert.is(v.kind, 'reflection');
  assert.is(v.srcPort, 53);
  assert.is(v.proto, 17);
  assert.is(v.pps, 3200);
  assert.is(v.entries.length, 8);
  assert.ok(v.signals.some((x) => /asked 0 pkt\/s of port 53: 100 % unsolicited/.test(x.detail ?? "")), JSON.stringify(v.signals));
  assert.is(v.score, 90);
});

test('DNS answers to the server\'s own questions are no reflection', () => {
  const view = new DestinationView(parseDetectConfig());
  warmUp(view);
  view.record(snap(20, [
    ...legitimate(),
    flow({ src: SERVER, dst: '10.0.0.53', proto: 17, dstPort: 53, packets: 500, totalPackets: 5000, inPort: 1 }),
    flow({ src: '10.0.0.53', dst: SERVER, proto: 17, srcPort: 53, packets: 500, totalPackets: 5000, inPort: 6 }),
  ]));
  assert.equal(view.verdicts(T0 + 20_000), []);
});

test('a flooded destination stays flooded for a while after its last verdict, then not', () => {
  const view = new DestinationView(parseDetectConfig());
  warmUp(view);
  view.record(snap(20, Array.from({ length: 300 }, (_, i) => forged(i))));
  assert.is(view.verdicts(T0 + 20_000).length, 1);
  view.record(snap(21, legitimate()));
  view.verdicts(T0 + 21_000);
  assert.ok(view.isFlooded(SERVER));
  view.record(snap(40, legitimate()));
  view.verdicts(T0 + 40_000);
  assert.not.ok(view.isFlooded(SERVER));
});

test('a switch\'s first snapshot (no interval yet) with one newcomer is no flood', () => {
  const view = new DestinationView(parseDetectConfig());
  view.record(snap(0, [forged(1)], S1, 0));
  assert.equal(view.verdicts(T0), []);
});

test('a swarm of one-shot newcomers below the verdict\'s rate still makes them no one to hold to account', () => {
  const view = new DestinationView(parseDetectConfig());
  warmUp(view);
  // 30 newcomers over a round stretched to 2 s (a busy switch answered late): 15/s, no verdict yet.
  view.record(snap(22, [...legitimate(), ...Array.from({ length: 30 }, (_, i) => forged(i))], S1, 2000));
  assert.equal(view.verdicts(T0 + 22_000), []);
  assert.ok(view.isFlooded(SERVER), 'its newcomers are not accountable this round');
  view.record(snap(23, legitimate()));
  view.verdicts(T0 + 23_000);
  assert.not.ok(view.isFlooded(SERVER), 'and only this round');
});

test.run();
