import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FlowCounterTracker, MeterCounterTracker, PortCounterTracker, flowKind } from '../../controller/stats/counters.js';
import type { FlowRemovedMessage, FlowStats, Match } from '../../controller/openflow/index.js';
import { cookieFor, FlowPurpose } from '../../flows/layout.js';

const acct = cookieFor(FlowPurpose.accounting);
const match: Match = { ethType: 0x0800, ipProto: 6, ipv4Src: '10.0.0.1', ipv4Dst: '10.0.0.2', tcpDst: 80 };

function stat(packets: number, bytes: number, durationSec: number, m: Match = match, cookie = acct): FlowStats {
  return { tableId: 1, durationSec, durationNsec: 0, priority: 2000, idleTimeout: 30, hardTimeout: 0, flags: 1, cookie, packetCount: BigInt(packets), byteCount: BigInt(bytes), match: m, instructions: [] };
}

function removed(packets: number, bytes: number, durationSec: number): FlowRemovedMessage {
  return { version: 4, type: 'flow_removed', xid: 0, cookie: acct, priority: 2000, reason: 0, tableId: 1, durationSec, durationNsec: 0, idleTimeout: 30, hardTimeout: 0, packetCount: BigInt(packets), byteCount: BigInt(bytes), match };
}

test('deltas and rates between polls; fields from the match', () => {
  const t = new FlowCounterTracker();
  const [first] = t.update('01', [stat(10, 1000, 0)], [], 0);
  assert.is(first.packets, 11, 'the packet-in that created the flow counts too');
  assert.is(first.kind, 'accounting');
  assert.is(first.src, '10.0.0.1');
  assert.is(first.dst, '10.0.0.2');
  assert.is(first.proto, 6);
  assert.is(first.dstPort, 80);
  const [second] = t.update('01', [stat(30, 4000, 1)], [], 1000);
  assert.is(second.packets, 20);
  assert.is(second.bytes, 3000);
  assert.is(second.packetRate, 20);
  const [third] = t.update('01', [stat(30, 4000, 3)], [], 2000);
  assert.is(third.packets, 0);
  assert.is(third.packetRate, 0);
});

test('a re-added flow (counter went down or flow younger) counts from zero', () => {
  const t = new FlowCounterTracker();
  t.update('01', [stat(100, 10_000, 50)], [], 0);
  const [d] = t.update('01', [stat(7, 700, 1)], [], 1000);
  assert.is(d.packets, 8, 'a re-added flow was created by a packet-in as well');
});

test('flow-removed gives the packets since the last poll, once', () => {
  const t = new FlowCounterTracker();
  t.update('01', [stat(100, 10_000, 5)], [], 0);
  const out = t.update('01', [], [removed(130, 13_000, 6)], 1000);
  assert.is(out.length, 1);
  assert.is(out[0].packets, 30);
  assert.ok(out[0].removed);
  assert.is(t.size, 0);
  // a flow never polled before it was removed counts whole
  const [lone] = new FlowCounterTracker().update('01', [], [removed(12, 1200, 2)], 1000);
  assert.is(lone.packets, 13);
});

test('flows that vanish without a flow-removed are forgotten; memory stays bounded', () => {
  const t = new FlowCounterTracker();
  t.update('01', [stat(1, 1, 1), stat(1, 1, 1, { ...match, ipv4Src: '10.0.0.9' })], [], 0);
  assert.is(t.size, 2);
  t.update('01', [stat(2, 2, 2)], [], 1000);
  assert.is(t.size, 1);
});

test('a scan: one-packet flows still count their packet-in; other kinds do not', () => {
  const t = new FlowCounterTracker();
  const probes = Array.from({ length: 50 }, (_, i) => stat(0, 0, 0, { ...match, tcpDst: 1000 + i }));
  const out = t.update('01', probes, [], 1000);
  assert.is(out.reduce((n, d) => n + d.packets, 0), 50);
  const [syn] = new FlowCounterTracker().update('01', [stat(0, 0, 0, match, cookieFor(FlowPurpose.syn))], [], 1000);
  assert.is(syn.packets, 0);
});

test('a meter flow says which meter it uses', () => {
  const t = new FlowCounterTracker();
  const f = { ...stat(5, 500, 1, match, cookieFor(FlowPurpose.rateLimit, 3)), tableId: 0, instructions: [{ type: 'meter' as const, meterId: 7 }, { type: 'goto_table' as const, tableId: 1 }] };
  const [d] = t.update('01', [f], [], 1000);
  assert.is(d.meterId, 7);
  assert.is(d.kind, 'meter');
});

test('streaming poll: same deltas as update(); a poll that never finished counts nothing twice', () => {
  const streamed = new FlowCounterTracker();
  const batch = new FlowCounterTracker();
  const entry = (f: FlowStats) => ({ ...f, meterId: 0 });
  let poll = streamed.begin('01');
  poll.add(entry(stat(10, 1000, 0)));
  assert.equal(poll.finish([], 0), batch.update('01', [stat(10, 1000, 0)], [], 0));
  // A poll that failed half-way (the switch went away): nothing of it is remembered…
  streamed.begin('01').add(entry(stat(30, 3000, 1)));
  // …so the next one still counts every packet since the last finished poll.
  poll = streamed.begin('01');
  poll.add(entry(stat(40, 4000, 2)));
  const [d] = poll.finish([], 2000);
  assert.is(d!.packets, 30);
  assert.is(d!.packetRate, 15);
  assert.equal([d], batch.update('01', [stat(40, 4000, 2)], [], 2000));
});

test('subnet prefix from masks; kind from the cookie', () => {
  const t = new FlowCounterTracker();
  const [d] = t.update('01', [stat(5, 500, 1, { ethType: 0x0800, ipv4Src: '10.1.2.0', ipv4SrcMask: '255.255.255.0' }, cookieFor(FlowPurpose.aggregate))], [], 1000);
  assert.is(d.srcPrefix, 24);
  const [host] = t.update('01', [stat(5, 500, 1, { ethType: 0x0800, ipv4Src: '10.1.2.3', ipv4SrcMask: '255.255.255.255' }, cookieFor(FlowPurpose.drop, 9))], [], 1000);
  assert.is(host.srcPrefix, undefined, 'a /32 mask is a host match');
  assert.is(d.kind, 'aggregate');
  assert.is(flowKind(cookieFor(FlowPurpose.drop, 42)), 'drop');
  assert.is(flowKind(cookieFor(FlowPurpose.rateLimit, 42)), 'meter');
  assert.is(flowKind(0x1234n), 'other');
});

test('port and meter deltas', () => {
  const p = new PortCounterTracker();
  const zero = { txPackets: 0n, rxBytes: 0n, txBytes: 0n, rxDropped: 0n, txDropped: 0n, rxErrors: 0n, txErrors: 0n, rxFrameErr: 0n, rxOverErr: 0n, rxCrcErr: 0n, collisions: 0n, durationSec: 1, durationNsec: 0 };
  p.update('01', [{ portNo: 1, rxPackets: 100n, ...zero }], 0);
  const [pd] = p.update('01', [{ portNo: 1, rxPackets: 350n, ...zero }], 500);
  assert.is(pd.rxPackets, 250);
  assert.is(pd.rxPacketRate, 500);
  const m = new MeterCounterTracker();
  m.update('01', [{ meterId: 3, flowCount: 1, packetInCount: 1000n, byteInCount: 0n, durationSec: 1, durationNsec: 0, bandStats: [{ packetBandCount: 900n, byteBandCount: 0n }] }], 0);
  const [md] = m.update('01', [{ meterId: 3, flowCount: 1, packetInCount: 3000n, byteInCount: 0n, durationSec: 2, durationNsec: 0, bandStats: [{ packetBandCount: 2500n, byteBandCount: 0n }] }], 1000);
  assert.is(md.packets, 2000);
  assert.is(md.droppedPackets, 1600);
});

test.run();
