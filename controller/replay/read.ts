/** Reads a whole trace file (FORMAT.md), streaming it line by line. */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { TrafficSnapshot } from '../stats/snapshot.js';
import { ReplayError, decodeHeader, decodeSnapshot, type TraceHeader } from './codec.js';

export interface Trace {
  header: TraceHeader;
  snapshots: TrafficSnapshot[];
}

export async function readTrace(path: string): Promise<Trace> {
  const lines = createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Infinity });
  let header: TraceHeader | undefined;
  const snapshots: TrafficSnapshot[] = [];
  let lineNo = 0;
  try {
    for await (const line of lines) {
      lineNo++;
      if (line.trim() === '') continue;
      if (!header) header = decodeHeader(line);
      else snapshots.push(decodeSnapshot(line, lineNo));
    }
  } catch (e) {
    if (e instanceof ReplayError) throw e;
    throw new ReplayError('REPLAY_READ', `cannot read trace ${path}: ${(e as Error).message}`);
  }
  if (!header) throw new ReplayError('REPLAY_BAD_HEADER', `trace ${path} is empty`);
  return { header, snapshots };
}
