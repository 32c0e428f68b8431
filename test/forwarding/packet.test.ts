import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildLldp, parseLldp, parsePacket } from '../../controller/forwarding/packet.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

test('TCP SYN over IPv4', () => {
  const frame = hex(`
    000000000002 000000000001 0800
    45 00 0028 0001 0000 40 06 0000 0a000001 0a000002
    3039 0050 00000000 00000000 5 0 02 ffff 0000 0000`);
  const p = parsePacket(frame)!;
  assert.is(p.ethSrc, '00:00:00:00:00:01');
  assert.is(p.ethDst, '00:00:00:00:00:02');
  assert.is(p.ethType, 0x0800);
  assert.is(p.ipSrc, '10.0.0.1');
  assert.is(p.ipDst, '10.0.0.2');
  assert.is(p.ipProto, 6);
  assert.is(p.srcPort, 12345);
  assert.is(p.dstPort, 80);
  assert.is(p.tcpFlags, 0x002);
});

test('UDP behind a VLAN tag', () => {
  const frame = hex(`
    ffffffffffff 000000000003 8100 0064 0800
    45 00 001c 0001 0000 40 11 0000 0a000003 0a0000ff
    0035 1f90 0008 0000`);
  const p = parsePacket(frame)!;
  assert.is(p.vlan, 100);
  assert.is(p.ipProto, 17);
  assert.is(p.srcPort, 53);
  assert.is(p.dstPort, 8080);
});

test('non-first IPv4 fragment has no ports', () => {
  const frame = hex(`
    000000000002 000000000001 0800
    45 00 0028 0001 0010 40 11 0000 0a000001 0a000002
    3039 0050 0000 0000`);
  const p = parsePacket(frame)!;
  assert.is(p.ipProto, 17);
  assert.is(p.srcPort, undefined);
});

test('ICMPv6 echo over IPv6 with compressed addresses', () => {
  const frame = hex(`
    333300000001 000000000001 86dd
    60000000 0008 3a 40
    fe800000000000000000000000000001
    ff020000000000000000000000000001
    80 00 0000 0000 0001`);
  const p = parsePacket(frame)!;
  assert.is(p.ipSrc, 'fe80::1');
  assert.is(p.ipDst, 'ff02::1');
  assert.is(p.ipProto, 58);
  assert.is(p.icmpType, 128);
});

test('ARP request gives sender and target addresses', () => {
  const frame = hex(`
    ffffffffffff 000000000001 0806
    0001 0800 06 04 0001 000000000001 0a000001 000000000000 0a000002`);
  const p = parsePacket(frame)!;
  assert.is(p.ethType, 0x0806);
  assert.is(p.arpSpa, '10.0.0.1');
  assert.is(p.arpTpa, '10.0.0.2');
});

test('truncated frames give a shorter summary, never a throw', () => {
  assert.is(parsePacket(Buffer.alloc(10)), undefined);
  const p = parsePacket(hex('000000000002 000000000001 0800 4500'))!;
  assert.is(p.ethType, 0x0800);
  assert.is(p.ipSrc, undefined);
});

test('LLDP round trip carries dpid and port', () => {
  const frame = buildLldp('00000000000000a1', 7, '02:00:00:00:00:07');
  assert.equal(parseLldp(frame), { dpid: '00000000000000a1', portNo: 7 });
  assert.is(parsePacket(frame)!.ethType, 0x88cc);
  assert.is(parseLldp(hex('000000000002 000000000001 0800 4500 0000')), undefined);
});

test.run();
