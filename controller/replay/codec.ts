/**
 * Trace lines to and from text (FORMAT.md): JSON with bigints as decimal strings. Pure;
 * the recorder and reader are the I/O around it.
 */
import type { DetectConfigInput } from '../detect/config.js';
import type { TrafficSnapshot } from '../stats/snapshot.js';

export const TRACE_FORMAT = 'ofguard-trace';
export const TRACE_VERSION = 1;

export interface TraceHeader {
  format: typeof TRACE_FORMAT;
  version: typeof TRACE_VERSION;
  createdAt: number;
  config?: DetectConfigInput;
  meta?: Record<string, unknown>;
}

export type ReplayErrorCode = 'REPLAY_READ' | 'REPLAY_BAD_HEADER' | 'REPLAY_VERSION' | 'REPLAY_BAD_LINE';

export class ReplayError extends Error {
  constructor(readonly code: ReplayErrorCode, message: string) {
    super(message);
    this.name = 'ReplayError';
  }
}

export function encodeLine(value: TraceHeader | TrafficSnapshot): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
}

export function decodeHeader(line: string): TraceHeader {
  let h: unknown;
  try {
    h = JSON.parse(line);
  } catch {
    throw new ReplayError('REPLAY_BAD_HEADER', 'line 1 is not JSON');
  }
  if (!isObject(h) || h.format !== TRACE_FORMAT) throw new ReplayError('REPLAY_BAD_HEADER', `line 1 is not an ${TRACE_FORMAT} header`);
  if (h.version !== TRACE_VERSION) throw new ReplayError('REPLAY_VERSION', `trace version ${String(h.version)} is not supported (expected ${TRACE_VERSION})`);
  return h as unknown as TraceHeader;
}

export function decodeSnapshot(line: string, lineNo: number): TrafficSnapshot {
  let s: unknown;
  try {
    s = JSON.parse(line);
  } catch {
    throw new ReplayError('REPLAY_BAD_LINE', `line ${lineNo} is not JSON`);
  }
  if (!isObject(s) || typeof s.dpid !== 'string' || typeof s.now !== 'number' || !Array.isArray(s.flows)) {
    throw new ReplayError('REPLAY_BAD_LINE', `line ${lineNo} is not a TrafficSnapshot`);
  }
  for (const f of s.flows as Record<string, unknown>[]) {
    try {
      f.cookie = BigInt(f.cookie as string);
    } catch {
      throw new ReplayError('REPLAY_BAD_LINE', `line ${lineNo}: flow cookie ${JSON.stringify(f.cookie)} is not an integer`);
    }
  }
  s.ports ??= [];
  s.meters ??= [];
  return s as unknown as TrafficSnapshot;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
