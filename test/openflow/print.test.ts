/** ofp-print: raw message files and pcaps (TCP reassembly across segments, both directions). */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { formatOfpPrint, ofpPrint, OpenFlowDecodeError } from '../../controller/openflow/index.js';
import { fixtures } from './fixtures.js';

function ethIpv4Tcp(src: number, dst: number, sport: number, dport: number, seq: number, flags: number, payload: Buffer): Buffer {
  const f = Buffer.alloc(14 + 20 + 20 + payload.length);
  f.writeUInt16BE(0x0800, 12);
  f[14] = 0x45;
  f.writeUInt16BE(40 + payload.length, 16);
  f[23] = 6;
  f.writeUInt32BE(src, 26);
  f.writeUInt32BE(dst, 30);
  f.writeUInt16BE(sport, 34);
  f.writeUInt16BE(dport, 36);
  f.writeUInt32BE(seq, 38);
  f[46] = 0x50;
  f[47] = flags;
  payload.copy(f, 54);
  return f;
}

function pcap(frames: Buffer[]): Buffer {
  const global = Buffer.alloc(24);
  global.writeUInt32LE(0xa1b2c3d4, 0);
  global.writeUInt16LE(2, 4);
  global.writeUInt16LE(4, 6);
  global.writeUInt32LE(65535, 16);
  global.writeUInt32LE(1, 20);
  const records = frames.map((f, i) => {
    const h = Buffer.alloc(16);
    h.writeUInt32LE(1700000000 + i, 0);
    h.writeUInt32LE(42, 4);
    h.writeUInt32LE(f.length, 8);
    h.writeUInt32LE(f.length, 12);
    return Buffer.concat([h, f]);
  });
  return Buffer.concat([global, ...records]);
}

test('raw file: concatenated messages, bigints as hex ids and decimal counters', () => {
  const out = ofpPrint(Buffer.concat([fixtures[3]!.bytes, fixtures[6]!.bytes]));
  assert.is(out.length, 2);
  assert.is(out[0]!.message!.type, 'flow_mod');
  assert.is(out[0]!.message!.cookie, '0xf00000000000007');
  const entry = (out[1]!.message!.body as Record<string, unknown>[])[0]!;
  assert.is(entry.byteCount, '1160');
  assert.ok(formatOfpPrint(fixtures[0]!.bytes).startsWith('#1 hello xid=1\n'));
});

test('raw file: trailing partial message is reported, not thrown', () => {
  const out = ofpPrint(Buffer.concat([fixtures[0]!.bytes, fixtures[1]!.bytes.subarray(0, 5)]));
  assert.is(out.length, 2);
  assert.is(out[1]!.error!.code, 'OFP_TRUNCATED');
});

test('pcap: reassembles a message split across segments, with direction and time', () => {
  const ctl = 0x7f000001;
  const sw = 0x7f000002;
  const fm = fixtures[3]!.bytes;
  const file = pcap([
    ethIpv4Tcp(sw, ctl, 40000, 6653, 100, 0x02, Buffer.alloc(0)), // SYN
    ethIpv4Tcp(sw, ctl, 40000, 6653, 101, 0x18, fixtures[0]!.bytes), // hello from switch
    ethIpv4Tcp(ctl, sw, 6653, 40000, 500, 0x18, fm.subarray(0, 30)),
    ethIpv4Tcp(ctl, sw, 6653, 40000, 530, 0x18, fm.subarray(30)),
    ethIpv4Tcp(ctl, sw, 6653, 40000, 500, 0x18, fm.subarray(0, 30)), // retransmission: ignored
  ]);
  const out = ofpPrint(file);
  assert.is(out.length, 2);
  assert.is(out[0]!.direction, 'switch->controller');
  assert.is(out[0]!.message!.type, 'hello');
  assert.is(out[0]!.time, '1700000001.000042');
  assert.is(out[1]!.direction, 'controller->switch');
  assert.is(out[1]!.message!.type, 'flow_mod');
  assert.is(out[1]!.src, '127.0.0.1:6653');
});

test('pcap: a broken file is PCAP_BAD_FORMAT', () => {
  const file = pcap([ethIpv4Tcp(1, 2, 3, 6653, 0, 0x18, fixtures[0]!.bytes)]);
  assert.throws(() => ofpPrint(file.subarray(0, file.length - 3)), (e: unknown) => e instanceof OpenFlowDecodeError && e.code === 'PCAP_BAD_FORMAT');
});

test.run();
