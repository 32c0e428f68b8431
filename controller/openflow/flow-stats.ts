/**
 * Flow and aggregate statistics requests and flow-stats reply entries. decodeFlowStatsList
 * is the controller's hottest decode path (every poll, every flow): fields are read
 * straight from the Buffer at fixed offsets and each entry is one object literal.
 */
import { elementLength } from './body.js';
import { OpenFlowDecodeError } from './errors.js';
import { decodeInstructions, encodeInstructions } from './instructions.js';
import { decodeMatch, encodeMatch, matchWireLength } from './match.js';
import { need, recurringU64, u32, u64 } from './reader.js';
import type { AggregateStats, FlowStats, FlowStatsRequest } from './types.js';
import type { OfWriter } from './writer.js';

const FLOW_STATS_FIXED_LEN = 48;
const FLOW_STATS_REQUEST_FIXED_LEN = 32;
export const AGGREGATE_STATS_LEN = 24;

export function decodeFlowStatsList(b: Buffer, start: number, end: number): FlowStats[] {
  const out: FlowStats[] = [];
  // One view per reply for the 64-bit fields of every entry: DataView.getBigUint64
  // measured ~30 M/s against ~20 M/s for two u32 reads combined (or readBigUInt64BE).
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let p = start;
  while (p < end) {
    need(p, FLOW_STATS_FIXED_LEN + 8, end, 'flow stats');
    const len = (b[p]! << 8) | b[p + 1]!;
    elementLength('flow stats', len, FLOW_STATS_FIXED_LEN + 8, p, end, true);
    const entryEnd = p + len;
    const matchAt = p + FLOW_STATS_FIXED_LEN;
    const match = decodeMatch(b, matchAt, entryEnd);
    // One literal with every field in declaration order: all entries share one hidden class.
    out.push({
      tableId: b[p + 2]!,
      durationSec: u32(b, p + 4),
      durationNsec: u32(b, p + 8),
      priority: (b[p + 12]! << 8) | b[p + 13]!,
      idleTimeout: (b[p + 14]! << 8) | b[p + 15]!,
      hardTimeout: (b[p + 16]! << 8) | b[p + 17]!,
      flags: (b[p + 18]! << 8) | b[p + 19]!,
      cookie: recurringU64(view, p + 24),
      packetCount: view.getBigUint64(p + 32),
      byteCount: view.getBigUint64(p + 40),
      match,
      instructions: decodeInstructions(b, matchAt + matchWireLength(b, matchAt), entryEnd),
    });
    p = entryEnd;
  }
  return out;
}

export function encodeFlowStatsList(w: OfWriter, list: readonly FlowStats[]): void {
  for (const s of list) {
    const start = w.pos;
    w.u16(0);
    w.u8(s.tableId);
    w.zeros(1);
    w.u32(s.durationSec);
    w.u32(s.durationNsec);
    w.u16(s.priority);
    w.u16(s.idleTimeout);
    w.u16(s.hardTimeout);
    w.u16(s.flags);
    w.zeros(4);
    w.u64(s.cookie);
    w.u64(s.packetCount);
    w.u64(s.byteCount);
    encodeMatch(w, s.match);
    encodeInstructions(w, s.instructions);
    w.patch16(start, w.pos - start);
  }
}

/** The body of a flow or aggregate stats request; the match must end the body exactly. */
export function decodeFlowStatsRequest(b: Buffer, o: number, end: number): FlowStatsRequest {
  need(o, FLOW_STATS_REQUEST_FIXED_LEN + 8, end, 'flow stats request');
  const match = decodeMatch(b, o + FLOW_STATS_REQUEST_FIXED_LEN, end);
  if (o + FLOW_STATS_REQUEST_FIXED_LEN + matchWireLength(b, o + FLOW_STATS_REQUEST_FIXED_LEN) !== end) {
    throw new OpenFlowDecodeError('OFP_BAD_LENGTH', 'flow stats request has bytes after its match', o);
  }
  return {
    tableId: b[o]!,
    outPort: u32(b, o + 4),
    outGroup: u32(b, o + 8),
    cookie: u64(b, o + 16),
    cookieMask: u64(b, o + 24),
    match,
  };
}

export function encodeFlowStatsRequest(w: OfWriter, r: FlowStatsRequest): void {
  w.u8(r.tableId);
  w.zeros(3);
  w.u32(r.outPort);
  w.u32(r.outGroup);
  w.zeros(4);
  w.u64(r.cookie);
  w.u64(r.cookieMask);
  encodeMatch(w, r.match);
}

export function decodeAggregateStats(b: Buffer, o: number): AggregateStats {
  return { packetCount: u64(b, o), byteCount: u64(b, o + 8), flowCount: u32(b, o + 16) };
}

export function encodeAggregateStats(w: OfWriter, s: AggregateStats): void {
  w.u64(s.packetCount);
  w.u64(s.byteCount);
  w.u32(s.flowCount);
  w.zeros(4);
}
