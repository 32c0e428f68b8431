import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ForwardingApp, accountingKey, defaultForwardingOptions, isAccountable } from '../../controller/forwarding/app.js';
import { buildLldp, parsePacket } from '../../controller/forwarding/packet.js';
import type { FlowModMessage, OfpMessage, PacketInMessage } from '../../controller/openflow/index.js';
import { OFP_VERSION } from '../../controller/openflow/constants.js';
import { cookieFor, FlowPurpose, purposeOf, TABLE } from '../../flows/layout.js';
import { portDesc } from '../support/fake-switch.js';

const DPID = '0000000000000001';

function ipv4Frame(src: string, dst: string, proto: number, sport = 40000, dport = 80, srcMac = '00:00:00:00:00:01', tcpFlags = 0x02): Buffer {
  const mac = (m: string) => Buffer.from(m.split(':').map((h) => parseInt(h, 16)));
  const ip = Buffer.alloc(20);
  ip[0] = 0x45; ip[8] = 64; ip[9] = proto;
  Buffer.from(src.split('.').map(Number)).copy(ip, 12);
  Buffer.from(dst.split('.').map(Number)).copy(ip, 16);
  const l4 = Buffer.alloc(20);
  l4.writeUInt16BE(sport, 0);
  l4.writeUInt16BE(dport, 2);
  l4[13] = tcpFlags;
  return Buffer.concat([mac('00:00:00:00:00:02'), mac(srcMac), Buffer.from([0x08, 0x00]), ip, l4]);
}

function packetIn(data: Buffer, inPort: number): PacketInMessage {
  return { version: OFP_VERSION, type: 'packet_in', xid: 0, bufferId: 0xffffffff, totalLen: data.length, reason: 0, tableId: 1, cookie: 0n, match: { inPort }, data };
}

const flowMods = (msgs: OfpMessage[]) => msgs.filter((m): m is FlowModMessage => m.type === 'flow_mod');
const byPurpose = (msgs: OfpMessage[], p: FlowPurpose) => flowMods(msgs).filter((m) => purposeOf(m.cookie) === p);

test('switchUp probes every physical port with LLDP', () => {
  const app = new ForwardingApp();
  const out = app.switchUp(DPID, [portDesc(1), portDesc(2), { ...portDesc(0xfffffffe), portNo: 0xfffffffe }]);
  assert.is(out.length, 2);
  assert.ok(out.every((m) => m.type === 'packet_out'));
});

test('a new TCP conversation: MAC learned, accounting flow, SYN and RST counters at the ingress', () => {
  const app = new ForwardingApp();
  app.switchUp(DPID, [portDesc(1), portDesc(2)]);
  const out = app.packetIn(DPID, packetIn(ipv4Frame('10.0.0.1', '10.0.0.2', 6, 40000, 80), 1), 0);
  const learned = byPurpose(out, FlowPurpose.forwarding);
  assert.is(learned.length, 1);
  assert.equal(learned[0].match, { ethDst: '00:00:00:00:00:01' });
  const acct = byPurpose(out, FlowPurpose.accounting);
  assert.is(acct.length, 1);
  assert.equal(acct[0].match, { ethType: 0x0800, ipProto: 6, ipv4Src: '10.0.0.1', ipv4Dst: '10.0.0.2', tcpDst: 80, inPort: 1, ethSrc: '00:00:00:00:00:01' }, 'keyed by where it enters too');
  assert.is(acct[0].tableId, TABLE.accounting);
  assert.is(acct[0].idleTimeout, defaultForwardingOptions.accountingIdleTimeout);
  const syn = byPurpose(out, FlowPurpose.syn);
  assert.is(syn.length, 1);
  assert.is(syn[0].match.tcpFlags, 0x002);
  assert.is(syn[0].match.tcpFlagsMask, 0x012);
  const rst = byPurpose(out, FlowPurpose.rst);
  assert.is(rst.length, 1);
  assert.equal([rst[0].match.tcpFlags, rst[0].match.tcpFlagsMask, rst[0].match.tcpDst, rst[0].match.inPort], [0x004, 0x004, 80, 1]);
  assert.ok(rst[0].priority > acct[0].priority, 'RSTs counted apart from the conversation');
});

test('replies are keyed by the service port; repeated packet-ins within the hold are swallowed', () => {
  const app = new ForwardingApp();
  app.switchUp(DPID, [portDesc(1), portDesc(2)]);
  const reply = app.packetIn(DPID, packetIn(ipv4Frame('10.0.0.2', '10.0.0.1', 6, 80, 40000, '00:00:00:00:00:02', 0x12), 2), 0);
  assert.equal(byPurpose(reply, FlowPurpose.accounting)[0].match, { ethType: 0x0800, ipProto: 6, ipv4Src: '10.0.0.2', ipv4Dst: '10.0.0.1', tcpSrc: 80, inPort: 2, ethSrc: '00:00:00:00:00:02' });
  assert.is(byPurpose(reply, FlowPurpose.syn).length, 0, 'no SYN counter on the server side');
  const again = app.packetIn(DPID, packetIn(ipv4Frame('10.0.0.2', '10.0.0.1', 6, 80, 40001, '00:00:00:00:00:02', 0x12), 2), 500);
  assert.is(flowMods(again).length, 0, 'same conversation within the hold: nothing');
  const later = app.packetIn(DPID, packetIn(ipv4Frame('10.0.0.2', '10.0.0.1', 6, 80, 40001, '00:00:00:00:00:02', 0x12), 2), 5000);
  assert.is(byPurpose(later, FlowPurpose.accounting).length, 1, 'after the hold the flow is installed again');
});

test('one address entering on two ports is two conversations (a forgery is told apart from the host)', () => {
  const app = new ForwardingApp();
  app.switchUp(DPID, [portDesc(1), portDesc(2), portDesc(3)]);
  const real = app.packetIn(DPID, packetIn(ipv4Frame('10.0.0.1', '10.0.0.2', 6, 40000, 80), 1), 0);
  const forged = app.packetIn(DPID, packetIn(ipv4Frame('10.0.0.1', '10.0.0.2', 6, 40001, 80, '00:00:00:00:00:09'), 3), 10);
  assert.equal(byPurpose(real, FlowPurpose.accounting).map((f) => f.match.inPort), [1]);
  assert.equal(byPurpose(forged, FlowPurpose.accounting).map((f) => f.match.inPort), [3], 'not swallowed as the same conversation');
});

test('LLDP marks a transit port: its traffic is no longer accounted here', () => {
  const app = new ForwardingApp();
  app.switchUp(DPID, [portDesc(1), portDesc(2)]);
  app.switchUp('0000000000000002', [portDesc(1), portDesc(2)]);
  const out = app.packetIn(DPID, packetIn(buildLldp('0000000000000002', 2, '02:00:00:00:00:02'), 2), 0);
  const transit = byPurpose(out, FlowPurpose.transit);
  assert.is(transit.length, 1);
  assert.equal(transit[0].match, { inPort: 2 });
  const fromTransit = app.packetIn(DPID, packetIn(ipv4Frame('10.0.0.9', '10.0.0.1', 17, 5000, 53), 2), 0);
  assert.is(byPurpose(fromTransit, FlowPurpose.accounting).length, 0);
  assert.is(byPurpose(fromTransit, FlowPurpose.forwarding).length, 1, 'still learned for forwarding');
});

test('random-source flood: per-source flows capped, then /24 aggregates, then nothing', () => {
  const app = new ForwardingApp({ ...defaultForwardingOptions, maxAccountingFlows: 50, maxAggregateFlows: 3 });
  app.switchUp(DPID, [portDesc(1), portDesc(2)]);
  let acct = 0, agg = 0;
  for (let i = 0; i < 2000; i++) {
    const src = `172.${16 + (i % 5)}.${(i >> 8) & 255}.${i & 255}`;
    const out = app.packetIn(DPID, packetIn(ipv4Frame(src, '10.0.0.2', 17, 1000 + i, 53), 1), i);
    acct += byPurpose(out, FlowPurpose.accounting).length;
    agg += byPurpose(out, FlowPurpose.aggregate).length;
  }
  assert.is(acct, 50);
  assert.is(agg, 3);
  assert.ok(app.counters.capped > 1000);
  const aggFlow = byPurpose(app.packetIn(DPID, packetIn(ipv4Frame('10.0.0.3', '10.0.0.2', 17), 1), 0), FlowPurpose.aggregate);
  assert.is(aggFlow.length, 0, 'aggregate cap holds');
  // a removed accounting flow frees a per-source slot
  app.flowRemoved(DPID, cookieFor(FlowPurpose.accounting));
  const freed = app.packetIn(DPID, packetIn(ipv4Frame('10.0.0.5', '10.0.0.2', 17), 1), 10_000);
  assert.is(byPurpose(freed, FlowPurpose.accounting).length, 1);
});

test('the service port names the flow on both sides, whatever the client port', () => {
  const key = (sport: number, dport: number, flags = 0x18) => {
    const k = accountingKey(parsePacket(ipv4Frame('10.0.0.1', '10.0.0.2', 6, sport, dport, undefined, flags))!);
    return `${k.portIsSource ? 'src' : 'dst'}:${k.port}`;
  };
  assert.is(key(2345, 80), 'dst:80', 'client with a low source port (hping3) to a web server');
  assert.is(key(80, 2345), 'src:80', 'the web server answering it');
  assert.is(key(40000, 8080), 'dst:8080');
  assert.is(key(8080, 40000), 'src:8080');
  assert.is(key(40000, 22), 'dst:22');
  assert.is(key(50000, 5000), 'dst:5000', 'a scan from an ephemeral port keeps each probed port');
  assert.is(key(53, 53), 'dst:53');
  // TCP flags decide when present: a SYN-ACK from 8080 to a low client port is a reply.
  assert.is(key(8080, 3000, 0x12), 'src:8080', 'SYN+ACK: the source is the service');
  assert.is(key(3000, 8080, 0x02), 'dst:8080', 'SYN: the destination is the service');
  assert.is(key(8080, 3000, 0x18), 'dst:3000', 'no handshake flags: the port rule (ambiguous case)');
  assert.is(key(9000, 3000, 0x14), 'src:9000', 'RST+ACK from a closed port answers the client');
});

test('accounting keys: UDP/ICMP/IPv6', () => {
  // ICMP echo request (type 8 in the first byte of the header)
  assert.equal(accountingKey(parsePacket(ipv4Frame('10.0.0.1', '10.0.0.2', 1, 0x0800))!), { src: '10.0.0.1', dst: '10.0.0.2', proto: 1, icmpType: 8, v6: false });
  const udp = accountingKey(parsePacket(ipv4Frame('10.0.0.1', '10.0.0.2', 17, 5353, 53))!);
  assert.equal(udp, { src: '10.0.0.1', dst: '10.0.0.2', proto: 17, port: 53, v6: false });
});

test('link housekeeping is not accounted: unspecified sources, IPv6 link-local multicast', () => {
  assert.not.ok(isAccountable('::', 'ff02::1:ff00:1'), 'duplicate-address detection');
  assert.not.ok(isAccountable('fe80::1', 'ff02::2'), 'router solicitation');
  assert.not.ok(isAccountable('0.0.0.0', '255.255.255.255'), 'DHCP discover');
  assert.ok(isAccountable('2001:db8::1', '2001:db8::2'));
  assert.ok(isAccountable('fe80::1', 'fe80::2'), 'link-local unicast is a conversation');
  assert.ok(isAccountable('10.0.0.1', '224.0.0.251'), 'IPv4 multicast floods stay visible');
  const app = new ForwardingApp(defaultForwardingOptions);
  app.switchUp(DPID, [portDesc(1), portDesc(2)]);
  const frame = ipv4Frame('0.0.0.0', '10.0.0.2', 17, 68, 67);
  assert.is(byPurpose(app.packetIn(DPID, packetIn(frame, 1), 0), FlowPurpose.accounting).length, 0);
});

test('accounting flow-mods are budgeted per switch: a forged-source flood cannot rewrite the table faster', () => {
  const app = new ForwardingApp({ ...defaultForwardingOptions, maxAccountingInstallsPerSec: 100 });
  app.switchUp(DPID, [portDesc(1), portDesc(2)]);
  app.switchUp('0000000000000002', [portDesc(1)]);
  const installsAt = (dpid: string, from: number, ms: number, perMs: number) => {
    let n = 0;
    for (let t = 0; t < ms; t++) {
      for (let k = 0; k < perMs; k++) {
        const i = (from + t) * perMs + k;
        n += byPurpose(app.packetIn(dpid, packetIn(ipv4Frame(`198.18.${(i >> 8) & 255}.${i & 255}`, '10.0.0.2', 17, 40000, 53), 1), from + t), FlowPurpose.accounting).length;
      }
    }
    return n;
  };
  // 2 000 new sources a second for 3 s: one burst of 100, then 100 a second.
  const first = installsAt(DPID, 0, 3000, 2);
  assert.ok(first >= 300 && first <= 400, `installs in 3 s: ${first}`);
  assert.ok(app.counters.overBudget >= 5000, `skipped: ${app.counters.overBudget}`);
  assert.is(installsAt('0000000000000002', 0, 10, 1), 10, 'another switch has a budget of its own');
  // A legitimate newcomer after the flood is accounted again.
  const later = app.packetIn(DPID, packetIn(ipv4Frame('10.0.0.7', '10.0.0.2', 6), 2), 10_000);
  assert.is(byPurpose(later, FlowPurpose.accounting).length, 1);
});

test('a surge of new conversations is reported once per window, per switch', () => {
  const app = new ForwardingApp({ ...defaultForwardingOptions, surgeConversations: 40, surgeWindowMs: 250 });
  app.switchUp(DPID, [portDesc(1), portDesc(2)]);
  const newcomer = (i: number, at: number) => app.packetIn(DPID, packetIn(ipv4Frame(`198.18.${(i >> 8) & 255}.${i & 255}`, '10.0.0.2', 6), 1), at);
  for (let i = 0; i < 39; i++) newcomer(i, i);
  assert.is(app.takeSurge(DPID), false, '39 in the window');
  newcomer(39, 40);
  assert.is(app.takeSurge(DPID), true, 'the 40th');
  for (let i = 40; i < 80; i++) newcomer(i, 50 + i);
  assert.is(app.takeSurge(DPID), false, 'once per window');
  for (let i = 80; i < 120; i++) newcomer(i, 300 + i);
  assert.is(app.takeSurge(DPID), true, 'the next window surges again');
  // A steady trickle of newcomers never surges: 20 a window.
  const calm = new ForwardingApp();
  calm.switchUp(DPID, [portDesc(1)]);
  for (let i = 0; i < 400; i++) {
    calm.packetIn(DPID, packetIn(ipv4Frame(`198.19.${(i >> 8) & 255}.${i & 255}`, '10.0.0.2', 6), 1), i * 12.5);
    assert.is(calm.takeSurge(DPID), false);
  }
});

test.run();
