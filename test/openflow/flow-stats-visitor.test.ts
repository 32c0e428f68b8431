/** visitFlowStatsReply: the same entries and errors as decodeMessage, without instructions. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  applyActions, applyMeter, decodeMessage, encodeMessage, gotoTable, output, visitFlowStatsReply, OpenFlowDecodeError,
  type FlowStats, type FlowStatsEntry, type MultipartReplyOf,
} from '../../controller/openflow/index.js';

function entry(i: number): FlowStats {
  return {
    tableId: 1 + (i % 3), durationSec: 100 + i, durationNsec: 7 * i, priority: 20000 + i, idleTimeout: 60, hardTimeout: i, flags: 1,
    cookie: 0xf6d_0200_0000_0000n + BigInt(i), packetCount: 2n ** 60n + BigInt(i), byteCount: BigInt(1500 * i),
    match: i % 2 === 0
      ? { inPort: i, ethType: 0x0800, ipv4Src: `10.0.0.${i}`, ipv4Dst: '10.0.0.254', ipProto: 6, tcpDst: 22 }
      : { ethType: 0x0800, ipv4Src: '192.168.1.0', ipv4SrcMask: '255.255.255.0' },
    instructions: [applyMeter(i + 1), applyActions([output(2)]), gotoTable(2)],
  };
}

function reply(body: FlowStats[], flags = 0): Buffer {
  const msg: MultipartReplyOf<'flow'> = { version: 4, type: 'multipart_reply', xid: 77, mpType: 'flow', flags, body };
  return encodeMessage(msg);
}

/** Copies of what the visitor saw (it reuses one object). */
function visited(bytes: Buffer): { entries: FlowStatsEntry[]; header: { xid: number; flags: number } } {
  const entries: FlowStatsEntry[] = [];
  const header = visitFlowStatsReply(bytes, (e) => entries.push({ ...e }));
  return { entries, header };
}

test('entries equal decodeMessage\'s, instructions reduced to the meter id', () => {
  const bytes = reply(Array.from({ length: 5 }, (_, i) => entry(i)), 1);
  const { entries, header } = visited(bytes);
  const decoded = decodeMessage(bytes) as MultipartReplyOf<'flow'>;
  assert.equal(header, { xid: 77, flags: 1 });
  assert.equal(entries, decoded.body.map(({ instructions, ...rest }) => ({
    ...rest, meterId: instructions.find((i) => i.type === 'meter')?.meterId ?? 0,
  })));
  assert.equal(entries.map((e) => e.meterId), [1, 2, 3, 4, 5]);
});

test('an entry without a meter instruction has meter id 0', () => {
  const bytes = reply([{ ...entry(0), instructions: [gotoTable(2)] }]);
  assert.equal(visited(bytes).entries[0]!.meterId, 0);
});

test('an empty reply visits nothing', () => {
  assert.equal(visited(reply([])).entries, []);
});

test('each entry gets its own match object', () => {
  const seen: object[] = [];
  visitFlowStatsReply(reply([entry(0), entry(2)]), (e) => seen.push(e.match));
  assert.is.not(seen[0], seen[1]);
  assert.equal(seen[0], entry(0).match);
});

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof OpenFlowDecodeError, String(err));
    return err.code;
  }
  return 'no error';
}

test('malformed replies fail with decodeMessage\'s codes', () => {
  const good = reply([entry(0), entry(1)]);
  const truncated = good.subarray(0, good.length - 8);
  const badEntryLength = Buffer.from(good);
  badEntryLength.writeUInt16BE(12, 16); // first entry claims 12 bytes
  const badInstruction = Buffer.from(good);
  const firstInstruction = 16 + 48 + 48; // entry header, then a 6-field match padded to 48
  badInstruction.writeUInt16BE(12, firstInstruction + 2);
  for (const bytes of [truncated, badEntryLength, badInstruction]) {
    const expected = codeOf(() => decodeMessage(bytes));
    assert.is.not(expected, 'no error');
    assert.is(codeOf(() => visitFlowStatsReply(bytes, () => undefined)), expected);
  }
});

test('other messages are OFP_BAD_TYPE', () => {
  const portStats = encodeMessage({ version: 4, type: 'multipart_reply', xid: 1, mpType: 'port_stats', flags: 0, body: [] });
  const barrier = encodeMessage({ version: 4, type: 'barrier_reply', xid: 1 });
  assert.is(codeOf(() => visitFlowStatsReply(portStats, () => undefined)), 'OFP_BAD_TYPE');
  assert.is(codeOf(() => visitFlowStatsReply(barrier, () => undefined)), 'OFP_BAD_TYPE');
});

test.run();
