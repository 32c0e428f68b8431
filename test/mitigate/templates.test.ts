import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  assertExpressible, assertWhitelistExpressible, guardFlowMod, hardTimeoutFor, isMitigationCookie, MAX_HARD_TIMEOUT, templateFor, whitelistFlows,
} from '../../controller/mitigate/templates.js';
import { MitigateError } from '../../controller/mitigate/errors.js';
import { cookieFor, FlowPurpose, PRIORITY, TABLE } from '../../flows/layout.js';
import { FlowModFlags, MeterFlags } from '../../controller/openflow/constants.js';
import { encodeMessage, decodeMessage } from '../../controller/openflow/index.js';
import { FakeTable } from '../support/fake-table.js';
import { decision, MINUTE, T0 } from './helpers.js';

const HOUR = 60 * MINUTE;

test('drop: IPv4 source, cookie names the decision, flow-removed asked, no instructions', () => {
  const t = templateFor(decision(42));
  assert.equal(t.flow.match, { ethType: 0x0800, ipv4Src: '203.0.113.7' });
  assert.is(t.flow.priority, PRIORITY.guard.drop);
  assert.is(t.flow.cookie, cookieFor(FlowPurpose.drop, 42));
  const mod = guardFlowMod(t.flow);
  assert.is(mod.tableId, TABLE.guard);
  assert.equal(mod.instructions, []);
  assert.is(mod.flags & FlowModFlags.SEND_FLOW_REM, FlowModFlags.SEND_FLOW_REM);
  assert.is(t.meter, undefined);
});

test('drop: IPv6 source in RFC 5952 spelling; subnet drop is a masked match with host bits cleared', () => {
  const v6 = templateFor(decision(1, { target: { src: '2001:DB8:0:0:0:0:0:99' } }));
  assert.equal(v6.flow.match, { ethType: 0x86dd, ipv6Src: '2001:db8::99' });
  const net4 = templateFor(decision(2, { target: { src: '198.51.100.77', srcPrefix: 24 } }));
  assert.equal(net4.flow.match, { ethType: 0x0800, ipv4Src: '198.51.100.0', ipv4SrcMask: '255.255.255.0' });
  const net6 = templateFor(decision(3, { target: { src: '2001:db8:1:2:3::9', srcPrefix: 64 } }));
  assert.equal(net6.flow.match, { ethType: 0x86dd, ipv6Src: '2001:db8:1:2::', ipv6SrcMask: 'ffff:ffff:ffff:ffff::' });
  // what the codec writes is what it reads back
  const mod = guardFlowMod(net6.flow);
  assert.equal((decodeMessage(encodeMessage(mod)) as typeof mod).match, mod.match);
});

test('IPv4-mapped IPv6 sources are IPv4 flows', () => {
  assert.equal(templateFor(decision(1, { target: { src: '::ffff:192.0.2.5' } })).flow.match, { ethType: 0x0800, ipv4Src: '192.0.2.5' });
});

test('rate-limit: per-source meter in pktps or kbps, drop band, then accounting', () => {
  const t = templateFor(decision(7, { action: 'rate-limit', rate: { unit: 'pktps', rate: 100 } }));
  assert.equal(t.meter, { flags: MeterFlags.PKTPS | MeterFlags.STATS, bands: [{ type: 'drop', rate: 100, burstSize: 0 }] });
  assert.equal(guardFlowMod(t.flow, 5).instructions, [{ type: 'meter', meterId: 5 }, { type: 'goto_table', tableId: TABLE.accounting }]);
  assert.is(t.flow.cookie, cookieFor(FlowPurpose.rateLimit, 7));
  const kbps = templateFor(decision(8, { action: 'rate-limit', rate: { unit: 'kbps', rate: 512, burst: 64 } }));
  assert.equal(kbps.meter, { flags: MeterFlags.KBPS | MeterFlags.STATS | MeterFlags.BURST, bands: [{ type: 'drop', rate: 512, burstSize: 64 }] });
  assert.throws(() => templateFor(decision(9, { action: 'rate-limit' })), (e: unknown) => e instanceof MitigateError && e.code === 'MITIGATE_BAD_DECISION');
});

test('throttle-victim: meter on traffic to the victim', () => {
  // The target as the policy writes it: every source (0.0.0.0/0) towards the victim.
  const t = templateFor(decision(3, { action: 'throttle-victim', rate: { unit: 'pktps', rate: 5000 }, target: { src: '0.0.0.0', srcPrefix: 0, dst: '10.0.0.5' } }));
  assert.equal(t.flow.match, { ethType: 0x0800, ipv4Dst: '10.0.0.5' });
  const v6 = templateFor(decision(5, { action: 'throttle-victim', rate: { unit: 'pktps', rate: 5000 }, target: { src: '::', srcPrefix: 0, dst: '2001:db8::5' } }));
  assert.equal(v6.flow.match, { ethType: 0x86dd, ipv6Dst: '2001:db8::5' });
  assert.is(t.flow.cookie, cookieFor(FlowPurpose.throttleVictim, 3));
  assert.ok(t.meter);
  assert.throws(() => templateFor(decision(4, { action: 'throttle-victim', rate: { unit: 'pktps', rate: 1 } })), (e: unknown) => e instanceof MitigateError && e.code === 'MITIGATE_BAD_DECISION');
});

test('selective-drop: source + protocol + port in wire order; ICMP keeps the protocol only', () => {
  const t = templateFor(decision(5, { action: 'selective-drop', target: { proto: 6, dstPort: 22 } }));
  assert.equal(Object.keys(t.flow.match), ['ethType', 'ipProto', 'ipv4Src', 'tcpDst']);
  assert.equal(t.flow.match, { ethType: 0x0800, ipProto: 6, ipv4Src: '203.0.113.7', tcpDst: 22 });
  assert.is(t.flow.priority, PRIORITY.guard.selectiveDrop + 3);
  const udp = templateFor(decision(6, { action: 'selective-drop', target: { src: '2001:db8::1', proto: 17, dstPort: 53 } }));
  assert.equal(udp.flow.match, { ethType: 0x86dd, ipProto: 17, ipv6Src: '2001:db8::1', udpDst: 53 });
  const icmp = templateFor(decision(7, { action: 'selective-drop', target: { proto: 1, dstPort: 9 } }));
  assert.equal(icmp.flow.match, { ethType: 0x0800, ipProto: 1, ipv4Src: '203.0.113.7' });
  assert.is(icmp.flow.priority, PRIORITY.guard.selectiveDrop + 2);
});

test('in_port only when the decision is scoped to a switch', () => {
  const scoped = templateFor(decision(1, { target: { dpid: '0000000000000001', inPort: 3 } }));
  assert.equal(scoped.flow.match, { inPort: 3, ethType: 0x0800, ipv4Src: '203.0.113.7' });
  const unscoped = templateFor(decision(1, { target: { inPort: 3 } }));
  assert.is(unscoped.flow.match.inPort, undefined);
});

test('monitor: own cookie, on to accounting, below every meter', () => {
  const t = templateFor(decision(9, { action: 'monitor' }));
  assert.equal(guardFlowMod(t.flow).instructions, [{ type: 'goto_table', tableId: TABLE.accounting }]);
  assert.is(t.flow.cookie, cookieFor(FlowPurpose.monitor, 9));
  assert.ok(t.flow.priority < PRIORITY.guard.meter);
  assert.ok(isMitigationCookie(t.flow.cookie));
  assert.not.ok(isMitigationCookie(cookieFor(FlowPurpose.pipeline)));
});

test('bad targets fail with MITIGATE_BAD_TARGET', () => {
  const bad = (e: unknown) => e instanceof MitigateError && e.code === 'MITIGATE_BAD_TARGET';
  assert.throws(() => templateFor(decision(1, { target: { src: 'nope' } })), bad);
  assert.throws(() => templateFor(decision(1, { target: { src: '10.0.0.0', srcPrefix: -1 } })), bad);
  assert.throws(() => templateFor(decision(1, { target: { src: '10.0.0.0', srcPrefix: 33 } })), bad);
  assert.throws(() => templateFor(decision(1, { action: 'selective-drop', target: { src: '10.0.0.1', dst: '2001:db8::1' } })), bad);
});

test('expressible: a decision whose flow or meter the codec cannot carry, or whose fields would wrap on the wire, is refused with its code', () => {
  const code = (c: string) => (e: unknown) => e instanceof MitigateError && e.code === c;
  assert.throws(() => assertExpressible(decision(1, { target: { src: 'fe80::1%eth0' } })), (e: unknown) => code('MITIGATE_NOT_ENCODABLE')(e) && /not a valid IPv6 address/.test((e as Error).message));
  assert.throws(() => assertExpressible(decision(2, { action: 'rate-limit', rate: { unit: 'pktps', rate: 2 ** 32 + 5 } })), code('MITIGATE_BAD_DECISION'), 'would wrap to 5 pps');
  assert.throws(() => assertExpressible(decision(3, { action: 'rate-limit', rate: { unit: 'kbps', rate: 10, burst: 2 ** 40 } })), code('MITIGATE_BAD_DECISION'));
  assert.throws(() => assertExpressible(decision(4, { action: 'selective-drop', target: { proto: 6, dstPort: 70_000 } })), code('MITIGATE_BAD_TARGET'));
  assert.throws(() => assertExpressible(decision(5, { action: 'selective-drop', target: { proto: 300 } })), code('MITIGATE_BAD_TARGET'));
  assert.throws(() => assertExpressible(decision(6, { target: { dpid: '0000000000000001', inPort: -1 } })), code('MITIGATE_BAD_TARGET'));
  assert.throws(() => assertExpressible(decision(7, { action: 'rate-limit' })), code('MITIGATE_BAD_DECISION'));
  assertExpressible(decision(8, { action: 'rate-limit', rate: { unit: 'pktps', rate: 0xffff_ffff }, target: { src: 'fe80::1', dpid: '0000000000000001', inPort: 3 } }));
  assertWhitelistExpressible(['192.0.2.0/24', '2001:db8::/32']);
  assert.throws(() => assertWhitelistExpressible(['192.0.2.0/24', 'fe80::1%eth0']), (e: unknown) => code('MITIGATE_NOT_ENCODABLE')(e) && /whitelist entry "fe80::1%eth0"/.test((e as Error).message));
});

test('a /0 source (only ever forced by the operator) is the family alone: no address field in the match', () => {
  assert.equal(templateFor(decision(1, { target: { src: '0.0.0.0', srcPrefix: 0 } })).flow.match, { ethType: 0x0800 });
  assert.equal(templateFor(decision(2, { target: { src: '::', srcPrefix: 0 } })).flow.match, { ethType: 0x86dd });
  assert.equal(whitelistFlows(['0.0.0.0/0'])[0]!.match, { ethType: 0x0800 });
});

test('hard timeout: seconds to expiry + grace, from updatedAt ?? createdAt, within 1..65535', () => {
  assert.is(hardTimeoutFor(decision(1)), 600 + 30);
  assert.is(hardTimeoutFor(decision(1, { expiresAt: T0 + 60_500 })), 61 + 30, 'rounded up');
  assert.is(hardTimeoutFor(decision(1, { updatedAt: T0 + 5 * MINUTE, expiresAt: T0 + 20 * MINUTE })), 15 * 60 + 30);
  assert.is(hardTimeoutFor(decision(1, { expiresAt: T0 + 24 * HOUR })), MAX_HARD_TIMEOUT, 'capped at 16 bits');
  assert.is(hardTimeoutFor(decision(1), T0 + HOUR), 1, 'never 0 (0 is permanent)');
  assert.is(hardTimeoutFor(decision(1), T0 + 4 * MINUTE), 6 * 60 + 30, 'measured from the install time when given');
  assert.is(templateFor(decision(1, { expiresAt: T0 + 2 * MINUTE })).flow.hardTimeout, 150);
});

test('whitelist: permanent allow flows, no flow-removed, cookie purpose whitelist', () => {
  const flows = whitelistFlows(['10.0.0.0/8', '2001:db8::/32', '192.0.2.10']);
  assert.equal(flows.map((f) => f.match), [
    { ethType: 0x0800, ipv4Src: '10.0.0.0', ipv4SrcMask: '255.0.0.0' },
    { ethType: 0x86dd, ipv6Src: '2001:db8::', ipv6SrcMask: 'ffff:ffff::' },
    { ethType: 0x0800, ipv4Src: '192.0.2.10' },
  ]);
  assert.equal(whitelistFlows(['::ffff:198.51.100.0/120'])[0]!.match, { ethType: 0x0800, ipv4Src: '198.51.100.0', ipv4SrcMask: '255.255.255.0' }, 'IPv4-mapped network');
  const mod = guardFlowMod(flows[0]!);
  assert.is(mod.hardTimeout, 0);
  assert.is(mod.flags, 0);
  assert.is(mod.priority, PRIORITY.guard.whitelist);
  assert.is(mod.cookie, cookieFor(FlowPurpose.whitelist));
});

test('priorities in a table: whitelist beats drop, narrower selective drop beats wider, host meter beats subnet meter', () => {
  const table = new FakeTable();
  table.apply({ type: 'meter_mod', version: 4, xid: 0, command: 0, flags: 0, meterId: 1, bands: [] });
  table.apply({ type: 'meter_mod', version: 4, xid: 0, command: 0, flags: 0, meterId: 2, bands: [] });
  const install = (d: ReturnType<typeof decision>, meterId?: number) => table.apply(guardFlowMod(templateFor(d).flow, meterId));
  for (const f of whitelistFlows(['198.51.100.10'])) table.apply(guardFlowMod(f));
  assert.is(install(decision(1, { target: { src: '198.51.100.0', srcPrefix: 24 } })), undefined);
  assert.is(install(decision(2, { action: 'selective-drop', target: { src: '192.0.2.0', srcPrefix: 24, proto: 6 } })), undefined);
  assert.is(install(decision(3, { action: 'selective-drop', target: { src: '192.0.2.9', proto: 6, dstPort: 22 } })), undefined);
  assert.is(install(decision(4, { action: 'rate-limit', rate: { unit: 'pktps', rate: 10 }, target: { src: '172.16.0.0', srcPrefix: 16 } }), 1), undefined);
  assert.is(install(decision(5, { action: 'rate-limit', rate: { unit: 'pktps', rate: 10 }, target: { src: '172.16.5.5' } }), 2), undefined);

  assert.is(table.lookup({ src: '198.51.100.10', dst: '10.0.0.1' }).outcome, 'continue', 'whitelisted host passes');
  assert.ok(table.isDropped({ src: '198.51.100.11', dst: '10.0.0.1' }), 'the rest of the subnet is dropped');
  const ssh = table.lookup({ src: '192.0.2.9', dst: '10.0.0.1', proto: 6, dstPort: 22 });
  assert.is(ssh.outcome === 'drop' && ssh.cookie, cookieFor(FlowPurpose.selectiveDrop, 3), 'narrower selective drop wins');
  assert.equal(table.lookup({ src: '172.16.5.5', dst: '10.0.0.1' }), { outcome: 'continue', table: 1, meterId: 2, cookie: cookieFor(FlowPurpose.rateLimit, 5), priority: PRIORITY.guard.meter + 232 });
  assert.is((table.lookup({ src: '172.16.9.9', dst: '10.0.0.1' }) as { meterId?: number }).meterId, 1);
  assert.is(table.lookup({ src: '10.9.9.9', dst: '10.0.0.1' }).outcome, 'miss');
});

const FLOOD = { src: '0.0.0.0', srcPrefix: 0, dst: '10.0.0.100', proto: 6, dpid: '0000000000000001', inPort: 5, flood: 'spoofed' as const, synOnly: true };

test('flood at its entry point: in_port + victim + TCP SYN without ACK, whatever the source', () => {
  const drop = templateFor(decision(11, { action: 'drop', target: FLOOD }));
  assert.equal(drop.flow.match, { inPort: 5, ethType: 0x0800, ipProto: 6, ipv4Dst: '10.0.0.100', tcpFlags: 0x002, tcpFlagsMask: 0x012 });
  assert.is(drop.flow.effect, 'drop');
  assert.is(drop.flow.cookie, cookieFor(FlowPurpose.drop, 11));
  assert.is(drop.flow.priority, PRIORITY.guard.selectiveDrop + 4);
  const meter = templateFor(decision(12, { action: 'rate-limit', rate: { unit: 'pktps', rate: 100 }, target: { ...FLOOD, ethSrc: '02:00:00:00:00:09' } }));
  assert.equal(meter.flow.match, { inPort: 5, ethSrc: '02:00:00:00:00:09', ethType: 0x0800, ipProto: 6, ipv4Dst: '10.0.0.100', tcpFlags: 0x002, tcpFlagsMask: 0x012 });
  assert.is(meter.flow.effect, 'meter');
  assert.ok(meter.meter);
  // what the codec writes is what it reads back
  const mod = guardFlowMod(meter.flow, 3);
  assert.equal((decodeMessage(encodeMessage(mod)) as typeof mod).match, mod.match);
});

test('reflection at its entry point: the reflector\'s source port toward the victim', () => {
  const t = templateFor(decision(13, { action: 'drop', target: { src: '0.0.0.0', srcPrefix: 0, dst: '10.0.0.100', proto: 17, dpid: '0000000000000002', inPort: 3, flood: 'reflection', srcPort: 53 } }));
  assert.equal(t.flow.match, { inPort: 3, ethType: 0x0800, ipProto: 17, ipv4Dst: '10.0.0.100', udpSrc: 53 });
  const v6 = templateFor(decision(14, { action: 'drop', target: { src: '::', srcPrefix: 0, dst: '2001:db8::100', proto: 17, dpid: '0000000000000002', inPort: 3, flood: 'reflection', srcPort: 123 } }));
  assert.equal(v6.flow.match, { inPort: 3, ethType: 0x86dd, ipProto: 17, ipv6Dst: '2001:db8::100', udpSrc: 123 });
});

test('a flood decision without an entry point, a victim or a protocol is refused, not installed everywhere', () => {
  const bad = (target: object) => () => templateFor(decision(15, { action: 'drop', target: { ...FLOOD, ...target } }));
  const refused = (e: unknown) => e instanceof MitigateError && e.code === 'MITIGATE_BAD_DECISION';
  assert.throws(bad({ inPort: undefined }), refused);
  assert.throws(bad({ dpid: undefined }), refused);
  assert.throws(bad({ dst: undefined }), refused);
  assert.throws(bad({ proto: undefined }), refused);
});

test('fake table: the flood is dropped at its port; the same victim from other ports, and its answered connections, pass', () => {
  const table = new FakeTable();
  table.apply(guardFlowMod(templateFor(decision(1, { action: 'drop', target: FLOOD })).flow));
  const syn = { dst: '10.0.0.100', proto: 6, dstPort: 80, tcpFlags: 0x002 };
  assert.ok(table.isDropped({ ...syn, src: '198.18.7.7', inPort: 5 }), 'a forged SYN at the attacker\'s port');
  assert.ok(table.isDropped({ ...syn, src: '10.0.0.1', inPort: 5 }), 'a SYN forging a client\'s address at the attacker\'s port');
  assert.not.ok(table.isDropped({ ...syn, src: '10.0.0.1', inPort: 2 }), 'the real client at its own port');
  assert.not.ok(table.isDropped({ ...syn, tcpFlags: 0x010, src: '198.18.7.7', inPort: 5 }), 'an ACK is not a connection attempt');
  assert.not.ok(table.isDropped({ ...syn, dst: '10.0.0.101', src: '198.18.7.7', inPort: 5 }), 'another destination');
});

test.run();
