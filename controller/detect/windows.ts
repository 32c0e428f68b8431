/**
 * Sliding windows over counter deltas as ring buffers of per-interval buckets. One
 * SlotWindows holds `metrics` series for each of `slots` owners (sources, destinations),
 * in one Float32Array: no per-packet storage, no allocation after construction.
 *
 * Buckets are cleared lazily: each slot remembers the epoch (bucket number since the Unix
 * epoch) of its newest bucket; moving forward zeroes the buckets skipped over, and a read
 * at a later epoch ignores buckets that have slid out of the window.
 */
/**
 * Epochs are stored relative to the first one seen, minus this slack so a snapshot that
 * arrives a little out of order (another switch's) still fits; Int32 then covers 68 years
 * of 1 s buckets.
 */
const RELATIVE_SLACK = 1_000_000;

export class SlotWindows {
  readonly buckets: number;
  readonly bucketMs: number;
  readonly metrics: number;
  /** Metrics below this index are kept in `data`; the rest are small counts in `counts`. */
  private readonly wide: number;
  private readonly data: Float32Array;
  /**
   * Counts that stay small per bucket (e.g. new flows of one source: bounded by the flows
   * a switch holds), in 16 bits, saturating: 10 MB less per million sources and metric.
   */
  private readonly counts: Uint16Array;
  /** Newest bucket epoch per slot, relative to `origin`; 0 = empty (Int32: 4 MB less per million slots). */
  private readonly head: Int32Array;
  private origin = NaN;

  constructor(slots: number, metrics: number, windowMs: number, buckets: number, smallCounts = 0) {
    if (!(buckets >= 1) || !(windowMs > 0)) throw new RangeError('window needs ≥ 1 bucket and a positive span');
    if (!(smallCounts >= 0 && smallCounts <= metrics)) throw new RangeError('more small-count metrics than metrics');
    this.buckets = buckets;
    this.metrics = metrics;
    this.wide = metrics - smallCounts;
    this.bucketMs = windowMs / buckets;
    this.data = new Float32Array(slots * this.wide * buckets);
    this.counts = new Uint16Array(slots * smallCounts * buckets);
    this.head = new Int32Array(slots);
  }

  get windowMs(): number {
    return this.bucketMs * this.buckets;
  }

  epochOf(now: number): number {
    return Math.floor(now / this.bucketMs);
  }

  /** Forget everything about a slot (it was reassigned to a new owner). */
  clear(slot: number): void {
    this.head[slot] = 0;
    const B = this.buckets;
    this.data.fill(0, slot * this.wide * B, (slot + 1) * this.wide * B);
    const narrow = this.metrics - this.wide;
    this.counts.fill(0, slot * narrow * B, (slot + 1) * narrow * B);
  }

  /** Adds v to the bucket for time `now` (which must not be older than the slot's newest). */
  add(slot: number, metric: number, now: number, v: number): void {
    const e = this.epochOf(now);
    this.advance(slot, e);
    this.addAdvanced(slot, metric, e % this.buckets, v);
  }

  /**
   * Hot-path pair: advance(slot, epoch) once when a slot is first touched in an interval,
   * then addAdvanced() per flow with the precomputed `epoch % buckets` (saves a division
   * and a branch per counter per flow).
   */
  advance(slot: number, e: number): void {
    const h = this.headEpoch(slot);
    if (e <= h) return;
    const B = this.buckets;
    const steps = h < 0 ? B : Math.min(e - h, B);
    const from = h < 0 ? e : h;
    for (let m = 0; m < this.metrics; m++) {
      const small = m >= this.wide;
      const a = small ? this.counts : this.data;
      const base = this.offset(slot, m);
      for (let k = 1; k <= steps; k++) a[base + ((from + k) % B)] = 0;
    }
    if (Number.isNaN(this.origin)) this.origin = e - RELATIVE_SLACK;
    this.head[slot] = e - this.origin;
  }

  private headEpoch(slot: number): number {
    const h = this.head[slot]!;
    return h === 0 ? -1 : h + this.origin;
  }

  /** First index of a slot's buckets of one metric, in `data` or (small counts) in `counts`. */
  private offset(slot: number, metric: number): number {
    return metric < this.wide
      ? (slot * this.wide + metric) * this.buckets
      : (slot * (this.metrics - this.wide) + metric - this.wide) * this.buckets;
  }

  addAdvanced(slot: number, metric: number, bucket: number, v: number): void {
    if (metric < this.wide) this.data[this.offset(slot, metric) + bucket]! += v;
    else {
      const i = this.offset(slot, metric) + bucket;
      this.counts[i] = Math.min(0xffff, this.counts[i]! + v);
    }
  }

  /** Sum of a metric over the window ending at `now`. */
  sum(slot: number, metric: number, now: number): number {
    const h = this.headEpoch(slot);
    if (h < 0) return 0;
    const B = this.buckets;
    const lag = this.epochOf(now) - h;
    if (lag >= B) return 0;
    const a = metric < this.wide ? this.data : this.counts;
    const base = this.offset(slot, metric);
    let total = 0;
    if (lag <= 0) {
      // The common case (slot touched this interval): every bucket is inside the window.
      for (let k = 0; k < B; k++) total += a[base + k]!;
      return total;
    }
    // Buckets h, h-1, …, down to the oldest still inside the window ending at epoch h+lag.
    for (let k = 0; k < B - Math.max(lag, 0); k++) total += a[base + ((h - k) % B + B) % B]!;
    return total;
  }
}

/**
 * Distinct-count over a sliding window with two rotating 64-bit linear-counting bitmaps per
 * counter: the union of the current and the previous half covers between half and all of
 * the window. A slot's counters (e.g. destinations and ports) rotate together and share
 * one phase: 16 bytes per counter plus 8 per slot. Exact enough for "how many ports did it
 * touch" (saturates near 250, far above any threshold that matters).
 */
export class SlotDistinct {
  /** Per slot and counter: [cur lo, cur hi, prev lo, prev hi]. */
  private readonly bits: Uint32Array;
  /** Half-window number of the current bitmaps relative to `origin`; 0 = empty. */
  private readonly phase: Int32Array;
  private origin = NaN;
  private readonly stride: number;
  readonly halfMs: number;

  constructor(slots: number, windowMs: number, counters = 1) {
    this.stride = 4 * counters;
    this.bits = new Uint32Array(slots * this.stride);
    this.phase = new Int32Array(slots);
    this.halfMs = windowMs / 2;
  }

  clear(slot: number): void {
    this.bits.fill(0, slot * this.stride, (slot + 1) * this.stride);
    this.phase[slot] = 0;
  }

  add(slot: number, counter: number, hash: number, now: number): void {
    this.enter(slot, this.phaseOf(now));
    this.set(slot, counter, hash);
  }

  phaseOf(now: number): number {
    return Math.floor(now / this.halfMs);
  }

  /**
   * Hot-path pair: enter(slot, phase) once when a slot is first touched in an interval
   * (rotates its bitmaps into the half-window `phase`), then set() per hash.
   */
  enter(slot: number, phase: number): void {
    if (Number.isNaN(this.origin)) this.origin = phase - RELATIVE_SLACK;
    if (this.phase[slot] !== phase - this.origin) this.rotate(slot, phase - this.origin);
  }

  set(slot: number, counter: number, hash: number): void {
    const bit = hash & 63;
    this.bits[slot * this.stride + counter * 4 + (bit >>> 5)]! |= 1 << (bit & 31);
  }

  estimate(slot: number, counter: number, now: number): number {
    return distinctFromBits(this.bitsSet(slot, counter, now));
  }

  /** Bits set in the window ending at `now` (distinctFromBits turns them into a count). */
  bitsSet(slot: number, counter: number, now: number): number {
    const p = this.phase[slot]!;
    if (p === 0) return 0;
    const cur = Math.floor(now / this.halfMs) - this.origin;
    const o = slot * this.stride + counter * 4;
    if (cur === p) return popcount(this.bits[o]! | this.bits[o + 2]!) + popcount(this.bits[o + 1]! | this.bits[o + 3]!);
    if (cur === p + 1) return popcount(this.bits[o]!) + popcount(this.bits[o + 1]!);
    return 0;
  }

  private rotate(slot: number, cur: number): void {
    const p = this.phase[slot]!;
    for (let o = slot * this.stride; o < (slot + 1) * this.stride; o += 4) {
      if (cur === p + 1) {
        this.bits[o + 2] = this.bits[o]!;
        this.bits[o + 3] = this.bits[o + 1]!;
      } else {
        this.bits[o + 2] = 0;
        this.bits[o + 3] = 0;
      }
      this.bits[o] = 0;
      this.bits[o + 1] = 0;
    }
    this.phase[slot] = cur;
  }
}

/** Linear counting: n ≈ −m·ln(zeros/m); a full bitmap reports its saturation point. */
export function distinctFromBits(bits: number): number {
  const zeros = 64 - bits;
  return zeros === 0 ? 64 * Math.log(64) : -64 * Math.log(zeros / 64);
}

/** The fewest bits set whose estimate reaches `n` (65 when no bitmap does). */
export function bitsForDistinct(n: number): number {
  let b = 0;
  while (b <= 64 && distinctFromBits(b) < n) b++;
  return b;
}

export function popcount(x: number): number {
  x = x - ((x >>> 1) & 0x55555555);
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24);
}
