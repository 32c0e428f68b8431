/** OXM match details: tcp_flags in both encodings, raw OXMs, IPv6 text, masks, wire order. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { flowMod, decodeMessage, encodeMessage, OpenFlowEncodeError, type Match } from '../../controller/openflow/index.js';

const matchBytes = (m: Match): string => encodeMessage(flowMod({ match: m })).subarray(48).toString('hex');
const decodeMatchHex = (fieldsHex: string): Match => {
  const oxm = Buffer.from(fieldsHex, 'hex');
  const len = 4 + oxm.length;
  const padded = Buffer.alloc((len + 7) & ~7);
  padded.writeUInt16BE(1, 0);
  padded.writeUInt16BE(len, 2);
  oxm.copy(padded, 4);
  const msg = encodeMessage(flowMod());
  const bytes = Buffer.concat([msg.subarray(0, 48), padded]);
  bytes.writeUInt16BE(bytes.length, 2);
  const m = decodeMessage(bytes);
  assert.ok(m.type === 'flow_mod');
  return (m as { match: Match }).match;
};

test('tcp_flags encodes as standard OXM field 42 with mask', () => {
  // class 0x8000, field 42 << 1 | hasmask, length 4: value 0x0002 (SYN), mask 0x0012 (SYN|ACK)
  // match header: type 1, length 12; then the OXM; then 4 bytes of padding to 16
  assert.is(matchBytes({ tcpFlags: 0x02, tcpFlagsMask: 0x12 }), '0001000c' + '8000550400020012' + '00000000');
  assert.equal(decodeMatchHex('8000550400020012'), { tcpFlags: 2, tcpFlagsMask: 0x12 });
});

test('tcp_flags decodes from the ONF experimenter form and re-encodes in it', () => {
  // class 0xffff, field 42 unmasked, length 6: experimenter 0x4f4e4600, value 0x0002
  const m = decodeMatchHex('ffff54064f4e46000002');
  assert.equal(m, { tcpFlags: 2, tcpFlagsEncoding: 'onf' });
  assert.ok(matchBytes(m).startsWith('0001000e' + 'ffff54064f4e46000002'));
});

test('Nicira fields are kept as raw OXMs in wire order', () => {
  // eth_type 0x0800, then NXM_NX_CT_STATE (class 1, field 105) masked: value 0x20, mask 0x20
  const m = decodeMatchHex('80000a020800' + '0001d3080000002000000020');
  assert.equal(Object.keys(m), ['ethType', 'oxm:0001:105']);
  const raw = m['oxm:0001:105']!;
  assert.is(raw.hasMask, true);
  assert.is(raw.value.toString('hex'), '00000020');
  assert.is(raw.mask!.toString('hex'), '00000020');
  assert.ok(matchBytes(m).startsWith('00010016' + '80000a020800' + '0001d3080000002000000020'));
});

test('IPv6 addresses print in RFC 5952 form and parse back', () => {
  const m = decodeMatchHex('80003410' + '20010db8000000000000000000000001' + '80003720' + 'fe800000000000000000000000000000' + 'ffffffffffffffff0000000000000000');
  assert.equal(m, { ipv6Src: '2001:db8::1', ipv6Dst: 'fe80::', ipv6DstMask: 'ffff:ffff:ffff:ffff::' });
  assert.equal(decodeMatchHex(matchBytes(m).slice(8, 8 + 2 * 56)), m);
});

test('bad values are OpenFlowEncodeError', () => {
  assert.throws(() => matchBytes({ ipv4Src: '10.0.0.256' }), (e: unknown) => e instanceof OpenFlowEncodeError);
  assert.throws(() => matchBytes({ ethDst: 'zz:00:00:00:00:00' }), (e: unknown) => e instanceof OpenFlowEncodeError);
  assert.throws(() => matchBytes({ tcpDst: 70000 }), (e: unknown) => e instanceof OpenFlowEncodeError);
  assert.throws(() => matchBytes({ nonsense: 1 } as unknown as Match), (e: unknown) => e instanceof OpenFlowEncodeError);
});

test.run();
