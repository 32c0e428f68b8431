import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseDetectConfig, type DetectConfigInput } from '../../controller/detect/config.js';
import { F, FeatureExtractor, type Candidate } from '../../controller/detect/features.js';
import { formatIPv4 } from '../../controller/detect/ip.js';
import { flow, snap } from './helpers.js';

const fx = (c: DetectConfigInput = {}) => new FeatureExtractor(parseDetectConfig({ maxSources: 64, shortBuckets: 10, ...c }));
const find = (cs: Candidate[], src: string) => cs.find((c) => c.src === src);

test('rates and mean packet size; quiet sources are not candidates; first poll has no rates', () => {
  const x = fx();
  assert.equal(x.ingest(snap(0, [flow({ src: '1.1.1.1', dst: '10.0.0.1', packets: 50, bytes: 5000 })], undefined, 0)), []);
  const cs = x.ingest(snap(1, [flow({ src: '1.1.1.1', dst: '10.0.0.1', packets: 50, bytes: 5000 }), flow({ src: '1.1.1.2', dst: '10.0.0.1', packets: 3 })]));
  const c = find(cs, '1.1.1.1')!;
  assert.is(c.features[F.packetRate], 50);
  assert.is(c.features[F.byteRate], 5000);
  assert.is(c.features[F.meanPacketSize], 100);
  assert.is(c.dst, '10.0.0.1');
  assert.is(find(cs, '1.1.1.2'), undefined);
});

test('z-score: steady baseline, then a spike stands out', () => {
  const x = fx();
  let last: Candidate | undefined;
  for (let s = 1; s <= 12; s++) last = find(x.ingest(snap(s, [flow({ src: '2.2.2.2', dst: '10.0.0.1', packets: 40 + (s % 2) * 10 })])), '2.2.2.2');
  assert.ok(Math.abs(last!.features[F.zScore]!) < 2);
  const spike = find(x.ingest(snap(13, [flow({ src: '2.2.2.2', dst: '10.0.0.1', packets: 600 })])), '2.2.2.2')!;
  assert.ok(spike.features[F.zScore]! > 10, `z ${spike.features[F.zScore]}`);
});

test('handshake: SYN-only flood vs a client whose server answers', () => {
  const x = fx();
  let flood: Candidate | undefined;
  let client: Candidate | undefined;
  for (let s = 1; s <= 3; s++) {
    const cs = x.ingest(
      snap(s, [
        flow({ src: '3.3.3.3', dst: '10.0.0.1', dstPort: 80, packets: 200, bytes: 12000 }),
        flow({ src: '3.3.3.3', dst: '10.0.0.1', dstPort: 80, packets: 200, kind: 'syn' }),
        flow({ src: '4.4.4.4', dst: '10.0.0.2', dstPort: 443, packets: 200 }),
        flow({ src: '4.4.4.4', dst: '10.0.0.2', dstPort: 443, packets: 2, kind: 'syn' }),
        flow({ src: '10.0.0.2', dst: '4.4.4.4', dstPort: 50000, packets: 220 }),
      ]),
    );
    flood = find(cs, '3.3.3.3');
    client = find(cs, '4.4.4.4');
  }
  assert.is(flood!.features[F.synShare], 1);
  assert.ok(flood!.features[F.synPerReply]! > 100);
  assert.is(flood!.features[F.rxTxRatio], 0);
  assert.ok(Math.abs(flood!.features[F.connRate]! - 200) < 1e-9, 'connections per second over the covered window');
  assert.ok(Math.abs(client!.features[F.synShare]! - 0.01) < 1e-9);
  assert.ok(client!.features[F.synPerReply]! < 0.02);
  assert.ok(Math.abs(client!.features[F.rxTxRatio]! - 1.1) < 1e-9);
  assert.ok(client!.features[F.packetsPerConn]! >= 100);
});

test('ICMP error rate counts types 3 and 11 only; crafted errors are the sender\'s; protocol shares', () => {
  const x = fx();
  const cs = x.ingest(
    snap(1, [
      flow({ src: '5.5.5.5', dst: '10.0.0.1', proto: 1, icmpType: 3, packets: 30 }),
      flow({ src: '5.5.5.5', dst: '10.0.0.2', proto: 1, icmpType: 11, packets: 25 }),
      flow({ src: '5.5.5.5', dst: '10.0.0.3', proto: 1, icmpType: 8, packets: 60 }),
      // At a stack's answering rate, to a host that sent nothing: neither side's traffic.
      flow({ src: '5.5.5.5', dst: '10.0.0.4', proto: 1, icmpType: 3, packets: 2 }),
    ]),
  );
  const c = find(cs, '5.5.5.5')!;
  assert.is(c.features[F.icmpErrorRate], 55, '30 + 25 crafted errors/s; the 2/s answer is not counted');
  assert.is(c.features[F.icmpShare], 1);
  assert.is(c.features[F.tcpShare], 0);
  assert.is(c.features[F.packetRate], 115);
});

test('ICMP errors answering a UDP flood or scan count against the addressee, never the host that sends them', () => {
  const x = fx();
  const flooder = '203.0.113.9';
  const round = (sec: number, dpidOfVictim = '0000000000000001') => [
    snap(sec, [flow({ src: flooder, dst: '10.0.0.1', proto: 17, dstPort: 9000, packets: 50 })]),
    // Port unreachable, rate-limited per peer; each victim's switch reports its own answers.
    snap(sec, Array.from({ length: 8 }, (_, i) => flow({ src: `10.0.0.${i + 1}`, dst: flooder, proto: 1, icmpType: 3, packets: 1 })), dpidOfVictim),
  ];
  let flood: Candidate | undefined;
  const victims = new Set<string>();
  for (let sec = 1; sec <= 4; sec++) {
    for (const s of round(sec, sec % 2 ? '0000000000000001' : '0000000000000002')) {
      for (const c of x.ingest(s)) {
        if (c.src === flooder) flood = c;
        else victims.add(c.src);
      }
    }
  }
  assert.equal([...victims], [], 'answering hosts are not candidates');
  assert.ok(flood, 'the flooder is evaluated');
  // Smoothed (shareAlpha 0.3): 8 errors/s folded in at each of its own snapshots after the first.
  assert.ok(flood!.features[F.icmpErrorRate]! > 4 && flood!.features[F.icmpErrorRate]! <= 8, `error rate ${flood!.features[F.icmpErrorRate]}`);
  assert.is(x.featuresOf('10.0.0.1', 0), undefined, 'the victim is not even tracked');
});

test('ICMP errors answering a quiet scanner make it a candidate by its error rate alone', () => {
  const x = fx();
  const scanner = '198.51.100.4';
  let last: Candidate | undefined;
  for (let sec = 1; sec <= 5; sec++) {
    // 3 probes a second (below every volume gate), each answered with a port unreachable.
    const probes = [0, 1, 2].map((k) => flow({ src: scanner, dst: `10.0.1.${k + 1}`, proto: 17, dstPort: 100 + sec * 3 + k, packets: 1 }));
    const answers = [0, 1, 2].map((k) => flow({ src: `10.0.1.${k + 1}`, dst: scanner, proto: 1, icmpType: 3, packets: 2 }));
    last = find(x.ingest(snap(sec, [...probes, ...answers])), scanner) ?? last;
  }
  assert.ok(last, 'candidate through minIcmpErrorRate');
  assert.ok(last!.features[F.icmpErrorRate]! >= 5);
});

test('distinct destinations and ports (scan) and target concentration (brute force)', () => {
  const x = fx();
  const probes = Array.from({ length: 30 }, (_, i) => flow({ src: '6.6.6.6', dst: '10.0.0.1', dstPort: 1000 + i, packets: 1, durationSec: 0 }));
  const sweep = Array.from({ length: 12 }, (_, i) => flow({ src: '7.7.7.7', dst: `10.0.1.${i + 1}`, dstPort: 22, packets: 1, durationSec: 0 }));
  const brute = [
    flow({ src: '8.8.8.8', dst: '10.0.0.9', dstPort: 22, packets: 150 }),
    flow({ src: '8.8.8.8', dst: '10.0.0.9', dstPort: 22, packets: 12, kind: 'syn' }),
  ];
  const cs = x.ingest(snap(1, [...probes, ...sweep, ...brute]));
  const scan = find(cs, '6.6.6.6')!;
  assert.ok(Math.abs(scan.features[F.distinctPorts]! - 30) < 6, `ports ${scan.features[F.distinctPorts]}`);
  assert.ok(scan.features[F.distinctDsts]! < 1.5);
  assert.ok(Math.abs(scan.features[F.connRate]! - 30) < 1e-9, 'new flows count as connections');
  const horiz = find(cs, '7.7.7.7')!;
  assert.ok(horiz.features[F.distinctDsts]! >= 10);
  const bf = find(cs, '8.8.8.8')!;
  assert.is(bf.features[F.targetShare], 1);
  assert.is(bf.dstPort, 22);
});

test('destination: unique_ips_60s, aggregate rate, entropy, many→single', () => {
  const x = fx();
  const flows = Array.from({ length: 32 }, (_, i) => flow({ src: `9.9.${i}.1`, dst: '10.0.0.5', packets: 50 }));
  const cs = x.ingest(snap(1, flows));
  const d = x.destinations.summary('10.0.0.5', snap(1, []).now)!;
  assert.ok(Math.abs(d.uniqueIps - 32) <= 3, `unique ${d.uniqueIps}`);
  assert.is(d.packetRate, 1600);
  assert.ok(Math.abs(d.sourceEntropy - 5) < 1e-9, 'uniform over 32 sources = 5 bits');
  assert.ok(d.underAttack);
  assert.is(cs.length, 32);
  assert.is(cs[0]!.target?.dst, '10.0.0.5');
  // One big source and 31 tiny ones: low entropy, and each tiny one stays below the member gate.
  const y = fx();
  y.ingest(snap(1, [flow({ src: '9.9.9.9', dst: '10.0.0.6', packets: 5000 }), ...Array.from({ length: 31 }, (_, i) => flow({ src: `9.8.${i}.1`, dst: '10.0.0.6', packets: 1 }))]));
  assert.ok(y.destinations.summary('10.0.0.6', snap(1, []).now)!.sourceEntropy < 0.1);
});

test('sketch promotion: light newcomers stay in the sketch, a heavy one is promoted over an idle slot', () => {
  const x = fx({ maxSources: 2, sketch: { promoteAfterPackets: 100 } });
  x.ingest(snap(1, [flow({ src: '1.0.0.1', packets: 30 }), flow({ src: '1.0.0.2', packets: 30 })]));
  assert.ok(x.sources.full);
  for (let s = 5; s < 8; s++) x.ingest(snap(s, [flow({ src: '1.0.0.3', packets: 10 }), flow({ src: '1.0.0.4', packets: 60 })]));
  assert.is(x.sources.find('1.0.0.3'), -1, 'light source never tracked');
  assert.ok(x.sources.find('1.0.0.4') >= 0, 'heavy source promoted after ~100 packets');
  assert.is(x.sources.size, 2);
  assert.ok(x.seenBefore('1.0.0.3'), 'but it was seen');
  assert.not.ok(x.seenBefore('1.0.0.99'));
});

test('eviction keeps the table within its cap under a stream of new sources', () => {
  const x = fx({ maxSources: 50, sketch: { promoteAfterPackets: 1 } });
  for (let s = 1; s <= 100; s++) {
    const flows = Array.from({ length: 20 }, (_, i) => flow({ src: formatIPv4(0x0b000000 + s * 20 + i), packets: 25 }));
    x.ingest(snap(s * 2, flows));
    assert.ok(x.sources.size <= 50);
  }
  assert.is(x.sources.size, 50);
  assert.ok(x.sources.find(formatIPv4(0x0b000000 + 100 * 20 + 5)) >= 0, 'the newest sources are tracked');
});

test('a source seen by two switches is counted once', () => {
  const x = fx();
  const a = x.ingest(snap(1, [flow({ src: '1.2.3.4', packets: 100 })], '0000000000000001'));
  const b = x.ingest(snap(1, [flow({ src: '1.2.3.4', packets: 100, dpid: '0000000000000002' })], '0000000000000002'));
  assert.is(find(a, '1.2.3.4')!.features[F.packetRate], 100);
  assert.is(find(b, '1.2.3.4'), undefined);
});

test('flow positions for brute-force tracking: the owner\'s SYN counters and every flow of their sources', () => {
  const x = fx();
  const flows = [
    flow({ src: '10.0.0.9', dst: '10.0.0.1', dstPort: 443, packets: 50 }),
    flow({ src: '198.51.100.7', dst: '10.0.0.5', dstPort: 22, packets: 24 }),
    flow({ src: '10.0.0.5', dst: '198.51.100.7', srcPort: 22, packets: 20 }),
    flow({ src: '198.51.100.7', dst: '10.0.0.5', dstPort: 22, packets: 2, kind: 'syn' }),
    flow({ src: '198.51.100.7', dst: '10.0.0.6', dstPort: 80, packets: 3 }),
    flow({ src: '10.0.0.9', dst: '10.0.0.1', dstPort: 443, packets: 0, kind: 'syn' }),
  ];
  x.ingest(snap(1, flows));
  const p = x.flowPositions();
  assert.equal(Array.from(p.syn), [3]);
  assert.equal(Array.from(p.conversations), [1, 3, 4]);
  // The same source's counters from a switch it passes through are not counted twice.
  x.ingest(snap(1, flows.map((f) => ({ ...f, dpid: '0000000000000002' })), '0000000000000002'));
  assert.equal(Array.from(x.flowPositions().syn), []);
  x.ingest(snap(2, [flows[0]!]));
  assert.equal(Array.from(x.flowPositions().conversations), [], 'no SYN counters: nothing to look at');
});

test('aggregate (subnet) flows become subnet candidates; TCP to port 0 is flagged', () => {
  const x = fx();
  const cs = x.ingest(snap(1, [flow({ src: '172.16.0.0', srcPrefix: 16, kind: 'aggregate', packets: 500 }), flow({ src: '1.1.1.9', dstPort: 0, packets: 2 })]));
  const agg = find(cs, '172.16.0.0')!;
  assert.is(agg.srcPrefix, 16);
  assert.ok(find(cs, '1.1.1.9')!.portZero);
});

test('mitigation flows keep counting: a dropped source stays visible', () => {
  const x = fx();
  const cs = x.ingest(snap(1, [flow({ src: '1.1.1.7', kind: 'drop', table: 0, packets: 900 })]));
  const c = find(cs, '1.1.1.7')!;
  assert.ok(c.mitigated);
  assert.is(c.features[F.packetRate], 900);
});

test('a SYN flood forging a client\'s address enters where its connection attempts do, not where the client answers with RSTs', () => {
  const x = fx();
  const at = (s: number, rstPackets: number) => x.ingest(snap(s, [
    // The flood from port 5: all its packets on the SYN counter (its accounting flow sees none).
    flow({ kind: 'syn', src: '10.0.0.2', dst: '10.0.0.1', dstPort: 8080, packets: 41_000, inPort: 5 }),
    flow({ src: '10.0.0.2', dst: '10.0.0.1', dstPort: 8080, packets: 10, inPort: 5 }),
    // The real client on port 2: its RSTs to the SYN-ACKs it never asked for, on its own
    // service flow (as a switch without RST counters would count them).
    flow({ src: '10.0.0.2', dst: '10.0.0.1', dstPort: 8080, packets: rstPackets, inPort: 2 }),
  ]));
  at(0, 41_500);
  for (const rst of [41_500, 45_000, 60_000]) assert.is(find(at(1, rst), '10.0.0.2')?.inPort, 5, `RSTs at ${rst} pkt/s`);
});

test('a conversation\'s RST counter is answers, never the sender\'s own traffic: the forged client\'s owner is no candidate once the flood is stopped', () => {
  const x = fx();
  const owner = (s: number) => x.ingest(snap(s, [
    flow({ src: '10.0.0.2', dst: '10.0.0.1', dstPort: 8080, packets: 12, inPort: 2 }),
    flow({ kind: 'rst', src: '10.0.0.2', dst: '10.0.0.1', dstPort: 8080, packets: 40_000, inPort: 2 }),
  ]));
  owner(0);
  for (let s = 1; s <= 5; s++) {
    const c = find(owner(s), '10.0.0.2');
    assert.ok(!c || c.features[F.packetRate]! < 100, `packet rate ${c?.features[F.packetRate]}`);
  }
});

test('an address entering at two ports of a switch is two states: the owner is never judged on the forger\'s traffic', () => {
  const x = fx();
  const client = flow({ src: '10.0.0.2', dst: '10.0.0.1', dstPort: 8080, packets: 20, inPort: 2 });
  const forged = [
    flow({ kind: 'syn', src: '10.0.0.2', dst: '10.0.0.1', dstPort: 8080, packets: 40_000, inPort: 5 }),
    flow({ src: '10.0.0.2', dst: '10.0.0.1', dstPort: 8080, packets: 5, inPort: 5 }),
  ];
  x.ingest(snap(0, [client]));
  let during: Candidate[] = [];
  for (let s = 1; s <= 8; s++) during = x.ingest(snap(s, [client, ...forged]));
  const at = (port: number) => during.find((c) => c.src === '10.0.0.2' && c.inPort === port);
  assert.ok(at(5) && at(5)!.features[F.synShare]! > 0.9, 'the flood is the forger\'s, at its port');
  const owner = at(2);
  assert.ok(!owner || (owner.features[F.synShare]! < 0.5 && owner.features[F.packetRate]! < 50), `the owner at its own port carries only its own traffic: ${owner?.features[F.packetRate]}`);
  // The flood stops: the owner goes on as before, and nothing of the flood sticks to it.
  for (let s = 9; s <= 14; s++) {
    const owner = x.ingest(snap(s, [client])).find((c) => c.src === '10.0.0.2' && c.inPort === 2);
    assert.ok(!owner || owner.features[F.synShare]! < 0.5, `second ${s}: ${owner?.features[F.synShare]}`);
  }
});

test.run();
