/**
 * Per-destination behaviour for the many→single pattern: aggregate packet rate and its
 * EWMA z-score, distinct sources over the destination window (`unique_ips_60s`, one
 * HyperLogLog per bucket, merged by max) and source entropy. Destinations are few
 * (servers), so a Map to dense slots is fine here; the table is capped, and idle entries
 * are swept once per window.
 */
import type { DetectConfig } from './config.js';
import { alphaForHalfLife, ewmaSeed, ewmaUpdate, zScore } from './ewma.js';
import { parseIPv4 } from './ip.js';
import { HLL_M, hllAdd, hllEstimate } from './sketch.js';
import { SlotWindows } from './windows.js';

export interface DestinationSummary {
  dst: string;
  /** Packets per second toward it over the last interval, all sources together. */
  packetRate: number;
  /** Deviation of that rate from the destination's own baseline. */
  zScore: number;
  /** Distinct sources over the destination window (60 s by default). */
  uniqueIps: number;
  /** Shannon entropy (bits) of per-flow packet shares over the last interval. */
  sourceEntropy: number;
  /** many→single holds: many sources and an aggregate rate that is high or anomalous. */
  underAttack: boolean;
  lastSeen: number;
}

export class DestinationTable {
  private readonly config: DetectConfig;
  /** Keyed by the IPv4 value as an int32 (no string hashing per flow), or by the address text. */
  private readonly slots = new Map<number | string, number>();
  private readonly names: (string | undefined)[];
  private readonly free: number[] = [];
  private readonly windows: SlotWindows;
  private readonly hll: Uint8Array;
  private readonly hllHead: Float64Array;
  private readonly baseline: Float64Array;
  private readonly samples: Uint32Array;
  private readonly lastSeen: Float64Array;
  private readonly pkts: Float64Array;
  private readonly xlogx: Float64Array;
  /** The most packets one source sent in the interval (at least toward this destination; see account()). */
  private readonly topSource: Float64Array;
  // Latest interval's figures; summaries are built on demand (most destinations are
  // never asked about, and building 16 k objects per interval was the hot spot).
  private readonly rate: Float64Array;
  private readonly z: Float64Array;
  private readonly entropy: Float64Array;
  private readonly attacked: Uint8Array;
  private readonly finishedAt: Float64Array;
  /** One summary per destination per instant: every member of a flood asks for it. */
  private readonly cached: (DestinationSummary | undefined)[];
  private readonly touched: number[] = [];
  private readonly alpha: number;
  private lastSweep = 0;

  constructor(config: DetectConfig) {
    this.config = config;
    const n = config.maxDestinations;
    this.names = new Array(n);
    for (let i = n - 1; i >= 0; i--) this.free.push(i);
    this.windows = new SlotWindows(n, 1, config.destWindowMs, config.destBuckets);
    this.hll = new Uint8Array(n * config.destBuckets * HLL_M);
    this.hllHead = new Float64Array(n).fill(-1);
    this.baseline = new Float64Array(2 * n);
    this.samples = new Uint32Array(n);
    this.lastSeen = new Float64Array(n);
    this.pkts = new Float64Array(n);
    this.xlogx = new Float64Array(n);
    this.topSource = new Float64Array(n);
    this.rate = new Float64Array(n);
    this.z = new Float64Array(n);
    this.entropy = new Float64Array(n);
    this.attacked = new Uint8Array(n);
    this.finishedAt = new Float64Array(n).fill(-Infinity);
    this.cached = new Array(n);
    this.alpha = alphaForHalfLife(config.baselineHalfLife);
  }

  get size(): number {
    return this.slots.size;
  }

  private now = 0;
  private epoch = 0;
  private bucket = 0;
  /** Latest figures older than two poll intervals are stale (the destination went quiet). */
  private staleMs = 2_000;

  /** Starts a snapshot: time and window epoch for the account() calls that follow. */
  begin(now: number): void {
    this.now = now;
    this.epoch = this.windows.epochOf(now);
    this.bucket = this.epoch % this.windows.buckets;
  }

  /**
   * One flow's packets (> 0) toward `dst` from the source with hash `srcHash`; `dstV4` is
   * parseIPv4(dst), which the caller already has. `sourcePackets`: what that source sent
   * so far in the interval, all destinations together (exact for a flooder, which has one;
   * too high for a source spread over several, which only makes many→single rarer).
   */
  account(dst: string, dstV4: number, srcHash: number, packets: number, sourcePackets: number): void {
    const now = this.now;
    const key = dstV4 >= 0 ? dstV4 | 0 : dst;
    let slot = this.slots.get(key);
    if (slot === undefined) {
      slot = this.admit(key, dst, now);
      if (slot < 0) return;
    }
    if (this.pkts[slot] === 0) this.touched.push(slot); // first flow toward it this interval
    this.pkts[slot]! += packets;
    this.xlogx[slot]! += xlnx(packets);
    if (sourcePackets > this.topSource[slot]!) this.topSource[slot] = sourcePackets;
    this.windows.advance(slot, this.epoch);
    this.windows.addAdvanced(slot, 0, this.bucket, packets);
    this.hllAt(slot, this.epoch, srcHash);
  }

  /** Closes the interval: rates, baselines and summaries of the destinations touched. */
  finish(now: number, intervalSec: number): void {
    const p = this.config.patterns;
    this.staleMs = 2 * intervalSec * 1000;
    for (const slot of this.touched) {
      const total = this.pkts[slot]!;
      const rate = total / intervalSec;
      const n = this.samples[slot]!;
      let z = 0;
      if (n === 0) ewmaSeed(this.baseline, slot, rate);
      else {
        if (n >= this.config.zWarmup) z = zScore(this.baseline, slot, rate, this.config.zMinStd);
        ewmaUpdate(this.baseline, slot, rate, this.alpha);
      }
      this.samples[slot] = n + 1;
      // H = ln T − (Σ x ln x) / T, over per-flow packet counts x.
      this.entropy[slot] = total > 0 ? Math.max(0, (Math.log(total) - this.xlogx[slot]! / total) / Math.LN2) : 0;
      this.rate[slot] = rate;
      this.z[slot] = z;
      // Distinct sources (the costly part) only when the volume already looks like an attack.
      // Many sources in the window, and no single one carrying the flood (one flooder beside
      // a minute of other hosts' chatter is single→single, not a distributed attack).
      const spread = Math.min(this.topSource[slot]!, total) < p.manyToSingleMaxShare * total;
      this.attacked[slot] = (rate >= p.destMinPacketRate || z >= p.destZ) && spread && this.uniqueIps(slot, now) >= p.manyToSingleSources ? 1 : 0;
      this.finishedAt[slot] = now;
      this.lastSeen[slot] = now;
      this.pkts[slot] = 0;
      this.xlogx[slot] = 0;
      this.topSource[slot] = 0;
    }
    this.touched.length = 0;
    if (now - this.lastSweep >= this.config.destWindowMs) this.sweep(now, this.config.destWindowMs);
  }

  summary(dst: string, now: number): DestinationSummary | undefined {
    const slot = this.slots.get(keyOf(dst));
    if (slot === undefined || this.finishedAt[slot] === -Infinity) return undefined;
    const hit = this.cached[slot];
    if (hit !== undefined && hit.dst === dst && hit.lastSeen === now && this.finishedAt[slot] === now) return hit;
    const current = now - this.finishedAt[slot]! <= this.staleMs;
    const s: DestinationSummary = {
      dst,
      packetRate: current ? this.rate[slot]! : 0,
      zScore: current ? this.z[slot]! : 0,
      uniqueIps: this.uniqueIps(slot, now),
      sourceEntropy: current ? this.entropy[slot]! : 0,
      underAttack: current && this.attacked[slot] === 1,
      lastSeen: this.lastSeen[slot]!,
    };
    this.cached[slot] = s;
    return s;
  }

  /** Whether the destination is currently the victim of many→single (cheap: no summary). */
  underAttack(dst: string, now: number): boolean {
    const slot = this.slots.get(keyOf(dst));
    return slot !== undefined && this.attacked[slot] === 1 && now - this.finishedAt[slot]! <= this.staleMs;
  }

  /** Tracked destinations' latest summaries, busiest first. */
  list(limit: number, now: number): DestinationSummary[] {
    const out: DestinationSummary[] = [];
    for (const slot of this.slots.values()) {
      const s = this.summary(this.names[slot]!, now);
      if (s) out.push(s);
    }
    return out.sort((a, b) => b.packetRate - a.packetRate).slice(0, limit);
  }

  private uniqueIps(slot: number, now: number): number {
    const B = this.config.destBuckets;
    const head = this.hllHead[slot]!;
    const lag = this.windows.epochOf(now) - head;
    if (head < 0 || lag >= B) return 0;
    // Merge the buckets still inside the window into a scratch register set.
    const merged = this.mergeScratch;
    merged.fill(0);
    for (let k = 0; k < B - Math.max(lag, 0); k++) {
      const off = (slot * B + (((head - k) % B) + B) % B) * HLL_M;
      for (let r = 0; r < HLL_M; r++) if (this.hll[off + r]! > merged[r]!) merged[r] = this.hll[off + r]!;
    }
    return Math.round(hllEstimate(merged, 0));
  }

  private readonly mergeScratch = new Uint8Array(HLL_M);

  private hllAt(slot: number, e: number, srcHash: number): void {
    const B = this.config.destBuckets;
    const h = this.hllHead[slot]!;
    if (e > h) {
      const steps = h < 0 ? B : Math.min(e - h, B);
      for (let k = 1; k <= steps; k++) {
        const b = ((h < 0 ? e : h) + k) % B;
        this.hll.fill(0, (slot * B + b) * HLL_M, (slot * B + b + 1) * HLL_M);
      }
      this.hllHead[slot] = e;
    }
    hllAdd(this.hll, (slot * B + (e % B)) * HLL_M, srcHash);
  }

  private admit(key: number | string, dst: string, now: number): number {
    if (this.free.length === 0) {
      // Full: free what has been idle for one bucket, at most once per bucket (a sweep
      // walks the whole table; doing it per new destination made a flood of new
      // addresses quadratic).
      if (now - this.lastSweep < this.windows.bucketMs) return -1;
      this.sweep(now, this.windows.bucketMs);
      if (this.free.length === 0) return -1;
    }
    const slot = this.free.pop()!;
    this.slots.set(key, slot);
    this.names[slot] = dst;
    this.windows.clear(slot);
    this.hllHead[slot] = -1;
    this.samples[slot] = 0;
    this.pkts[slot] = 0;
    this.xlogx[slot] = 0;
    this.topSource[slot] = 0;
    this.finishedAt[slot] = -Infinity;
    this.attacked[slot] = 0;
    this.lastSeen[slot] = now;
    return slot;
  }

  /** Frees destinations idle for at least `idleMs`. */
  private sweep(now: number, idleMs: number): void {
    this.lastSweep = now;
    for (const [key, slot] of this.slots) {
      if (now - this.lastSeen[slot]! < idleMs) continue;
      if (this.pkts[slot]! > 0) continue; // touched in the interval being accumulated
      this.slots.delete(key);
      this.names[slot] = undefined;
      this.free.push(slot);
    }
  }
}

/** x·ln x for the small packet counts most flows have, looked up instead of computed per flow. */
const XLNX = Float64Array.from({ length: 4096 }, (_, x) => (x > 0 ? x * Math.log(x) : 0));

function xlnx(x: number): number {
  return x < 4096 && x === Math.floor(x) ? XLNX[x]! : x * Math.log(x);
}

function keyOf(dst: string): number | string {
  const v4 = parseIPv4(dst);
  return v4 >= 0 ? v4 | 0 : dst;
}
