/** OFPT_FLOW_MOD and OFPT_FLOW_REMOVED: the flow-entry messages with a match at a fixed offset. */
import { minLength } from './body.js';
import { OpenFlowDecodeError } from './errors.js';
import { decodeInstructions, encodeInstructions } from './instructions.js';
import { decodeMatch, encodeMatch, matchWireLength } from './match.js';
import { u16, u32, u64 } from './reader.js';
import type { FlowModMessage, FlowRemovedMessage } from './types.js';
import type { OfWriter } from './writer.js';

const FLOW_MOD_FIXED_LEN = 48;
const FLOW_REMOVED_FIXED_LEN = 48;

export function decodeFlowMod(b: Buffer, o: number, end: number, version: number, xid: number): FlowModMessage {
  minLength('flow_mod', end - o, FLOW_MOD_FIXED_LEN + 8, o);
  const match = decodeMatch(b, o + FLOW_MOD_FIXED_LEN, end);
  const instructionsStart = o + FLOW_MOD_FIXED_LEN + matchWireLength(b, o + FLOW_MOD_FIXED_LEN);
  return {
    version,
    type: 'flow_mod',
    xid,
    cookie: u64(b, o + 8),
    cookieMask: u64(b, o + 16),
    tableId: b[o + 24]!,
    command: b[o + 25]!,
    idleTimeout: u16(b, o + 26),
    hardTimeout: u16(b, o + 28),
    priority: u16(b, o + 30),
    bufferId: u32(b, o + 32),
    outPort: u32(b, o + 36),
    outGroup: u32(b, o + 40),
    flags: u16(b, o + 44),
    match,
    instructions: decodeInstructions(b, instructionsStart, end),
  };
}

export function encodeFlowMod(w: OfWriter, m: FlowModMessage): void {
  w.u64(m.cookie);
  w.u64(m.cookieMask);
  w.u8(m.tableId);
  w.u8(m.command);
  w.u16(m.idleTimeout);
  w.u16(m.hardTimeout);
  w.u16(m.priority);
  w.u32(m.bufferId);
  w.u32(m.outPort);
  w.u32(m.outGroup);
  w.u16(m.flags);
  w.zeros(2);
  encodeMatch(w, m.match);
  encodeInstructions(w, m.instructions);
}

export function decodeFlowRemoved(b: Buffer, o: number, end: number, version: number, xid: number): FlowRemovedMessage {
  minLength('flow_removed', end - o, FLOW_REMOVED_FIXED_LEN + 8, o);
  const match = decodeMatch(b, o + FLOW_REMOVED_FIXED_LEN, end);
  if (o + FLOW_REMOVED_FIXED_LEN + matchWireLength(b, o + FLOW_REMOVED_FIXED_LEN) !== end) {
    throw new OpenFlowDecodeError('OFP_BAD_LENGTH', 'flow_removed has bytes after its match', o);
  }
  return {
    version,
    type: 'flow_removed',
    xid,
    cookie: u64(b, o + 8),
    priority: u16(b, o + 16),
    reason: b[o + 18]!,
    tableId: b[o + 19]!,
    durationSec: u32(b, o + 20),
    durationNsec: u32(b, o + 24),
    idleTimeout: u16(b, o + 28),
    hardTimeout: u16(b, o + 30),
    packetCount: u64(b, o + 32),
    byteCount: u64(b, o + 40),
    match,
  };
}

export function encodeFlowRemoved(w: OfWriter, m: FlowRemovedMessage): void {
  w.u64(m.cookie);
  w.u16(m.priority);
  w.u8(m.reason);
  w.u8(m.tableId);
  w.u32(m.durationSec);
  w.u32(m.durationNsec);
  w.u16(m.idleTimeout);
  w.u16(m.hardTimeout);
  w.u64(m.packetCount);
  w.u64(m.byteCount);
  encodeMatch(w, m.match);
}
