/**
 * Appends snapshots to a trace file as the poller emits them (the I/O edge of replay).
 * Synchronous writes on purpose: one line per switch per second, and a crash loses at most
 * the line being written, never reorders them.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import type { TrafficSnapshot } from '../stats/snapshot.js';
import { TRACE_FORMAT, TRACE_VERSION, encodeLine, type TraceHeader } from './codec.js';

export class TraceRecorder {
  private fd: number | undefined;
  private count = 0;

  private constructor(fd: number) {
    this.fd = fd;
  }

  /** Creates (truncates) the file and writes the header line. */
  static create(path: string, header: Omit<TraceHeader, 'format' | 'version'>): TraceRecorder {
    const fd = openSync(path, 'w');
    writeSync(fd, encodeLine({ format: TRACE_FORMAT, version: TRACE_VERSION, ...header }) + '\n');
    return new TraceRecorder(fd);
  }

  record(snapshot: TrafficSnapshot): void {
    if (this.fd === undefined) throw new Error('trace recorder is closed');
    writeSync(this.fd, encodeLine(snapshot) + '\n');
    this.count++;
  }

  get recorded(): number {
    return this.count;
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}
