/**
 * Slow brute force: one source opening short connections to one service port, again and
 * again, at a rate far below what the per-interval candidate gate notices (30 SSH logins
 * a minute are 0.5 conn/s). Counted per (source, service port) over a minute-long sliding
 * window of connection attempts (the accounting table's SYN-without-ACK counters) and of
 * the packets those connections carried: many attempts with few packets each are guesses;
 * a long session, or a busy web client below the web threshold, is not.
 *
 * Auth services (SSH, Telnet, RDP, FTP, SMTP, POP3, IMAP, MySQL, PostgreSQL by default)
 * need only a few tens of attempts a minute; any other port needs many more, because web
 * clients legitimately open short connections all the time.
 *
 * Bounded: at most `maxTracked` keys, the least recently active evicted first. IPv4 keys
 * are numbers (no allocation per flow); only IPv6 sources build a string key.
 */
import type { TrafficSnapshot } from '../stats/snapshot.js';
import type { DetectConfig } from './config.js';
import { parseIPv4 } from './ip.js';

export interface BruteForceSuspect {
  src: string;
  dst: string;
  dstPort: number;
  /** Connection attempts per minute over the window. */
  attemptsPerMinute: number;
  /** The per-minute rate that makes a brute force on this port. */
  threshold: number;
  /** Forward packets per attempt over the window. */
  packetsPerAttempt: number;
  dpid: string;
  inPort?: number;
}

/** Where in a snapshot's flow list the tracker has to look (see BruteForceTracker.ingest). */
export interface FlowPositions {
  /** The SYN-counter flows. */
  syn: ArrayLike<number>;
  /** At least every accounting flow of a source that has a SYN counter among `syn`. */
  conversations: ArrayLike<number>;
}

interface Entry {
  src: string;
  dst: string;
  dstPort: number;
  dpid: string;
  inPort: number | undefined;
  attempts: Float64Array;
  packets: Float64Array;
  /** Bucket epoch of the newest bucket written. */
  epoch: number;
  /** Snapshot time this entry was last touched by a SYN counter. */
  touchedAt: number;
}

/** A suspect's identity: its address where it enters (an address entering at two ports is two suspects). */
export function suspectKey(src: string, inPort: number | undefined): string {
  return inPort === undefined ? src : `${src}@${inPort}`;
}

export class BruteForceTracker {
  private readonly cfg: DetectConfig['bruteForce'];
  private readonly auth: Set<number>;
  private readonly bucketMs: number;
  private readonly entries = new Map<number | string, Entry>();
  /** Last report time per source key: a brute force is reported at most every reportEveryMs. */
  private readonly reported = new Map<string, number>();

  constructor(config: DetectConfig) {
    this.cfg = config.bruteForce;
    this.auth = new Set(this.cfg.authPorts);
    this.bucketMs = this.cfg.windowMs / this.cfg.buckets;
  }

  get size(): number {
    return this.entries.size;
  }

  /** Attempts per minute from which a source is brute-forcing this port. */
  thresholdFor(port: number): number {
    return this.auth.has(port) ? this.cfg.authPerMinute : this.cfg.otherPerMinute;
  }

  /**
   * Folds a snapshot in; returns the (source, port) pairs over their threshold, strongest
   * per source. `where` (positions in snap.flows, from the feature extractor's own pass)
   * spares two passes over every flow: the SYN counters, and the accounting flows of the
   * sources those counters belong to. Without it every flow is looked at.
   */
  ingest(snap: TrafficSnapshot, where?: FlowPositions): BruteForceSuspect[] {
    const now = snap.now;
    const epoch = Math.floor(now / this.bucketMs);
    const flows = snap.flows;
    const touched: Entry[] = [];
    const syn = where?.syn;
    const n = syn ? syn.length : flows.length;
    for (let k = 0; k < n; k++) {
      const f = flows[syn ? syn[k]! : k]!;
      if (f.kind !== 'syn' || f.packets <= 0 || f.dstPort === undefined || f.dst === undefined || f.srcPrefix !== undefined) continue;
      const key = this.entryKey(f.src, f.dstPort, f.inPort);
      let e = this.entries.get(key);
      if (!e) {
        if (this.entries.size >= this.cfg.maxTracked) this.entries.delete(this.entries.keys().next().value!);
        e = {
          src: f.src, dst: f.dst, dstPort: f.dstPort, dpid: f.dpid, inPort: f.inPort,
          attempts: new Float64Array(this.cfg.buckets), packets: new Float64Array(this.cfg.buckets), epoch, touchedAt: -Infinity,
        };
      } else this.entries.delete(key); // re-inserted below: Map order is recency order
      this.entries.set(key, e);
      this.advance(e, epoch);
      e.attempts[epoch % this.cfg.buckets]! += f.packets;
      e.dst = f.dst;
      if (e.touchedAt !== now) {
        e.touchedAt = now;
        touched.push(e);
      }
    }
    if (touched.length === 0) return [];
    // Second pass, only when something was attempted: the packets of the same conversations.
    const conv = where?.conversations;
    const m = conv ? conv.length : flows.length;
    for (let k = 0; k < m; k++) {
      const f = flows[conv ? conv[k]! : k]!;
      if (f.kind !== 'accounting' || f.proto !== 6 || f.dstPort === undefined || f.packets <= 0 || f.srcPrefix !== undefined) continue;
      const e = this.entries.get(this.entryKey(f.src, f.dstPort, f.inPort));
      if (!e || e.touchedAt !== now) continue;
      this.advance(e, epoch);
      e.packets[epoch % this.cfg.buckets]! += f.packets;
      if (e.inPort === undefined && f.inPort !== undefined) e.inPort = f.inPort;
    }
    const best = new Map<string, BruteForceSuspect>();
    const perMinute = 60_000 / this.cfg.windowMs;
    for (const e of touched) {
      let attempts = 0;
      let packets = 0;
      for (let b = 0; b < this.cfg.buckets; b++) {
        attempts += e.attempts[b]!;
        packets += e.packets[b]!;
      }
      const rate = attempts * perMinute;
      const threshold = this.thresholdFor(e.dstPort);
      const perAttempt = packets / attempts;
      if (rate < threshold || perAttempt > this.cfg.maxPacketsPerAttempt) continue;
      const who = suspectKey(e.src, e.inPort);
      const prev = best.get(who);
      if (prev && prev.attemptsPerMinute / prev.threshold >= rate / threshold) continue;
      const s: BruteForceSuspect = { src: e.src, dst: e.dst, dstPort: e.dstPort, attemptsPerMinute: rate, threshold, packetsPerAttempt: perAttempt, dpid: e.dpid };
      if (e.inPort !== undefined) s.inPort = e.inPort;
      best.set(who, s);
    }
    return [...best.values()];
  }

  /**
   * Whether a brute-force detection of this source may be reported at `now` (and records
   * it when so). Guessing is slow by nature: one report per `reportEveryMs` lets the
   * policy flag, then throttle, and block only once the guessing has gone on for minutes.
   */
  mayReport(key: string, now: number): boolean {
    const last = this.reported.get(key);
    if (last !== undefined && now - last < this.cfg.reportEveryMs) return false;
    this.reported.delete(key);
    if (this.reported.size >= this.cfg.maxTracked) this.reported.delete(this.reported.keys().next().value!);
    this.reported.set(key, now);
    return true;
  }

  /**
   * (source, port) as it enters: the port it was first seen entering on keeps the compact
   * key; an address that also enters at another port (one of the two forges it) is tracked
   * apart there, so the owner never inherits a forger's attempts.
   */
  private entryKey(src: string, port: number, inPort: number | undefined): number | string {
    const v4 = parseIPv4(src);
    const key = v4 >= 0 ? v4 * 65_536 + port : `${src}|${port}`;
    const e = this.entries.get(key);
    return e === undefined || inPort === undefined || e.inPort === undefined || e.inPort === inPort ? key : `${src}|${port}@${inPort}`;
  }

  /** Clears the buckets that fell out of the window since the entry was last written. */
  private advance(e: Entry, epoch: number): void {
    if (epoch <= e.epoch) return;
    const n = this.cfg.buckets;
    const gap = Math.min(epoch - e.epoch, n);
    for (let k = 1; k <= gap; k++) {
      const b = (e.epoch + k) % n;
      e.attempts[b] = 0;
      e.packets[b] = 0;
    }
    e.epoch = epoch;
  }
}
