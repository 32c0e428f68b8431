/** OFPT_PACKET_IN and OFPT_PACKET_OUT. */
import { decodeActions, encodeActions } from './actions.js';
import { minLength } from './body.js';
import { decodeMatch, encodeMatch, matchWireLength } from './match.js';
import { copyBytes, need, u16, u32, u64 } from './reader.js';
import type { PacketInMessage, PacketOutMessage } from './types.js';
import type { OfWriter } from './writer.js';

const PACKET_IN_FIXED_LEN = 24;
const PACKET_OUT_FIXED_LEN = 24;

export function decodePacketIn(b: Buffer, o: number, end: number, version: number, xid: number): PacketInMessage {
  minLength('packet_in', end - o, PACKET_IN_FIXED_LEN + 8, o);
  const matchAt = o + PACKET_IN_FIXED_LEN;
  const match = decodeMatch(b, matchAt, end);
  // Two bytes of padding sit between the match and the frame so the IP header is aligned.
  const dataAt = matchAt + matchWireLength(b, matchAt) + 2;
  need(dataAt - 2, 2, end, 'packet_in padding');
  return {
    version,
    type: 'packet_in',
    xid,
    bufferId: u32(b, o + 8),
    totalLen: u16(b, o + 12),
    reason: b[o + 14]!,
    tableId: b[o + 15]!,
    cookie: u64(b, o + 16),
    match,
    data: copyBytes(b, dataAt, end),
  };
}

export function encodePacketIn(w: OfWriter, m: PacketInMessage): void {
  w.u32(m.bufferId);
  w.u16(m.totalLen);
  w.u8(m.reason);
  w.u8(m.tableId);
  w.u64(m.cookie);
  encodeMatch(w, m.match);
  w.zeros(2);
  w.bytes(m.data);
}

export function decodePacketOut(b: Buffer, o: number, end: number, version: number, xid: number): PacketOutMessage {
  minLength('packet_out', end - o, PACKET_OUT_FIXED_LEN, o);
  const actionsLen = u16(b, o + 16);
  const actionsAt = o + PACKET_OUT_FIXED_LEN;
  need(actionsAt, actionsLen, end, 'packet_out actions');
  return {
    version,
    type: 'packet_out',
    xid,
    bufferId: u32(b, o + 8),
    inPort: u32(b, o + 12),
    actions: decodeActions(b, actionsAt, actionsAt + actionsLen),
    data: copyBytes(b, actionsAt + actionsLen, end),
  };
}

export function encodePacketOut(w: OfWriter, m: PacketOutMessage): void {
  w.u32(m.bufferId);
  w.u32(m.inPort);
  const lenAt = w.pos;
  w.u16(0);
  w.zeros(6);
  const actionsStart = w.pos;
  encodeActions(w, m.actions);
  w.patch16(lenAt, w.pos - actionsStart);
  w.bytes(m.data);
}
