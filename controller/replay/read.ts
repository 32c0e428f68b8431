/** Reads a whole trace file (FORMAT.md), streaming it line by line; `.gz` files are gunzipped. */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import type { TrafficSnapshot } from '../stats/snapshot.js';
import { ReplayError, decodeHeader, decodeSnapshot, type TraceHeader } from './codec.js';

export interface Trace {
  header: TraceHeader;
  snapshots: TrafficSnapshot[];
}

/** Reads a trace, gzip-compressed when its name ends in `.gz` (how the training traces are kept). */
export async function readTrace(path: string): Promise<Trace> {
  const raw = createReadStream(path);
  let input: NodeJS.ReadableStream = raw;
  if (path.endsWith('.gz')) {
    const gunzip = createGunzip();
    // pipe() does not pass on the file's errors: the reader must see a missing file too.
    raw.on('error', (err) => gunzip.destroy(err));
    input = raw.pipe(gunzip);
  }
  input.setEncoding('utf8');
  const lines = createInterface({ input, crlfDelay: Infinity });
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
