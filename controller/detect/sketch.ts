/**
 * Fixed-size probabilistic summaries for what cannot be tracked one by one: the long tail
 * of sources (count-min sketch, heavy-hitter promotion), "seen before" (bloom filter) and
 * distinct sources per destination (HyperLogLog). All take 32-bit hashes from ip.ts and
 * derive their k indexes by double hashing, so no extra hash work per probe.
 */
import { hash32 } from './ip.js';

/** Count-min sketch with conservative update; halve() ages it so old traffic fades. */
export class CountMinSketch {
  private readonly rows: Uint32Array;
  private readonly mask: number;
  readonly depth: number;

  constructor(width: number, depth: number) {
    const w = 1 << Math.ceil(Math.log2(Math.max(width, 16)));
    this.mask = w - 1;
    this.depth = depth;
    this.rows = new Uint32Array(w * depth);
  }

  /** Adds `count` and returns the new estimate (never below the true count). */
  add(hash: number, count: number): number {
    const h2 = hash32(hash ^ 0x9e3779b9) | 1;
    const w = this.mask + 1;
    let min = Infinity;
    for (let d = 0; d < this.depth; d++) {
      const v = this.rows[d * w + ((hash + Math.imul(d, h2)) & this.mask)]!;
      if (v < min) min = v;
    }
    const target = Math.min(min + count, 0xffffffff);
    // Conservative update: raise only the counters that are below the new estimate.
    for (let d = 0; d < this.depth; d++) {
      const i = d * w + ((hash + Math.imul(d, h2)) & this.mask);
      if (this.rows[i]! < target) this.rows[i] = target;
    }
    return target;
  }

  estimate(hash: number): number {
    const h2 = hash32(hash ^ 0x9e3779b9) | 1;
    const w = this.mask + 1;
    let min = Infinity;
    for (let d = 0; d < this.depth; d++) {
      const v = this.rows[d * w + ((hash + Math.imul(d, h2)) & this.mask)]!;
      if (v < min) min = v;
    }
    return min;
  }

  halve(): void {
    for (let i = 0; i < this.rows.length; i++) this.rows[i] = this.rows[i]! >>> 1;
  }
}

export class BloomFilter {
  private readonly bits: Uint32Array;
  private readonly mask: number;
  readonly hashes: number;

  constructor(bitCount: number, hashes: number) {
    const m = 1 << Math.ceil(Math.log2(Math.max(bitCount, 64)));
    this.mask = m - 1;
    this.hashes = hashes;
    this.bits = new Uint32Array(m >>> 5);
  }

  /** Marks the key and tells whether it was (probably) already there. */
  add(hash: number): boolean {
    const h2 = hash32(hash ^ 0x7f4a7c15) | 1;
    let present = true;
    for (let k = 0; k < this.hashes; k++) {
      const b = (hash + Math.imul(k, h2)) & this.mask;
      const word = b >>> 5;
      const bit = 1 << (b & 31);
      if ((this.bits[word]! & bit) === 0) {
        present = false;
        this.bits[word]! |= bit;
      }
    }
    return present;
  }

  has(hash: number): boolean {
    const h2 = hash32(hash ^ 0x7f4a7c15) | 1;
    for (let k = 0; k < this.hashes; k++) {
      const b = (hash + Math.imul(k, h2)) & this.mask;
      if ((this.bits[b >>> 5]! & (1 << (b & 31))) === 0) return false;
    }
    return true;
  }
}

/** HyperLogLog with 2^p registers; registers of several buckets merge by max. */
export const HLL_P = 7;
export const HLL_M = 1 << HLL_P;

export function hllAdd(regs: Uint8Array, offset: number, hash: number): void {
  const idx = hash >>> (32 - HLL_P);
  const rest = (hash << HLL_P) | (1 << (HLL_P - 1));
  const rank = Math.clz32(rest) + 1;
  if (regs[offset + idx]! < rank) regs[offset + idx] = rank;
}

const INV_POW2 = Float64Array.from({ length: 34 }, (_, r) => 2 ** -r);

/** Estimate from registers already merged into `regs[offset .. offset+HLL_M)`. */
export function hllEstimate(regs: Uint8Array, offset: number): number {
  let sum = 0;
  let zeros = 0;
  for (let i = 0; i < HLL_M; i++) {
    const r = regs[offset + i]!;
    sum += INV_POW2[r]!;
    if (r === 0) zeros++;
  }
  const alpha = 0.7213 / (1 + 1.079 / HLL_M);
  const raw = (alpha * HLL_M * HLL_M) / sum;
  // Small-range correction (linear counting) keeps tens of sources exact enough.
  if (raw <= 2.5 * HLL_M && zeros > 0) return HLL_M * Math.log(HLL_M / zeros);
  return raw;
}
