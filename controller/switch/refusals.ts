/**
 * The log of connections refused at the caps. Every refusal is accounted for in the log,
 * but a flood must not become a log flood (a line per socket at thousands of sockets a
 * second fills a disk faster than the sockets hurt): the first refusal of a kind in a
 * window gets its own line, the others of that window are summed up in one line when the
 * window ends. A kind is the code and, for the per-peer cap, the peer (the total cap is
 * hit by many peers at once: one kind). Clock and timers are injected.
 */
import type { Clock, Timers } from '../clock.js';
import type { Logger } from '../log.js';
import type { RefusalCode } from './limits.js';

export interface RefusalLogOptions {
  logger: Logger;
  clock: Clock;
  timers: Timers;
  windowMs: number;
}

interface Window {
  code: RefusalCode;
  peer?: string;
  reason: string;
  openedAt: number;
  /** refusals after the first, not logged on their own */
  more: number;
  peers: Set<string>;
  timer: unknown;
}

/** Distinct peers remembered per total-cap window for its summary line. */
const MAX_PEERS_NAMED = 1000;

export class RefusalLog {
  private readonly windows = new Map<string, Window>();
  /** Refused connections since start, by code. */
  readonly counts: Record<RefusalCode, number> = { PEER_LIMIT: 0, TOTAL_LIMIT: 0 };

  constructor(private readonly opts: RefusalLogOptions) {}

  record(code: RefusalCode, peer: string, remote: string, reason: string): void {
    this.counts[code]++;
    const key = code === 'PEER_LIMIT' ? `${code} ${peer}` : code;
    const open = this.windows.get(key);
    if (open) {
      open.more++;
      if (open.peers.size < MAX_PEERS_NAMED) open.peers.add(peer);
      open.reason = reason;
      return;
    }
    this.opts.logger.warn({ code, remote, reason }, 'refused an OpenFlow connection');
    const w: Window = {
      code, reason, openedAt: this.opts.clock.now(), more: 0, peers: new Set([peer]),
      ...(code === 'PEER_LIMIT' ? { peer } : {}),
      timer: this.opts.timers.setTimeout(() => this.end(key), this.opts.windowMs),
    };
    this.windows.set(key, w);
  }

  /** Sums up the open windows now (the server is closing). */
  flush(): void {
    for (const key of [...this.windows.keys()]) this.end(key);
  }

  private end(key: string): void {
    const w = this.windows.get(key);
    if (!w) return;
    this.windows.delete(key);
    this.opts.timers.clearTimeout(w.timer);
    if (w.more === 0) return;
    const overMs = this.opts.clock.now() - w.openedAt;
    this.opts.logger.warn(
      { code: w.code, refused: w.more, overMs, reason: w.reason, ...(w.peer ? { peer: w.peer } : { peers: w.peers.size }) },
      'refused more OpenFlow connections',
    );
  }
}
