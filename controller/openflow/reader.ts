/**
 * Big-endian reads straight from a Buffer at an offset. Decoders check a structure's
 * length against the bytes available once (with `need`), then read its fixed fields
 * with these unchecked helpers: that keeps the per-field cost to a few byte loads and
 * makes every out-of-range read an OpenFlowDecodeError instead of a RangeError.
 */
import { OpenFlowDecodeError } from './errors.js';

/** Throws OFP_TRUNCATED unless `size` bytes are available at `offset` before `end`. */
export function need(offset: number, size: number, end: number, what: string): void {
  if (offset + size > end) {
    throw new OpenFlowDecodeError('OFP_TRUNCATED', `${what} needs ${size} bytes, ${Math.max(0, end - offset)} left`, offset);
  }
}

export function u8(b: Buffer, o: number): number {
  return b[o]!;
}

export function u16(b: Buffer, o: number): number {
  return (b[o]! << 8) | b[o + 1]!;
}

export function u24(b: Buffer, o: number): number {
  return (b[o]! << 16) | (b[o + 1]! << 8) | b[o + 2]!;
}

export function u32(b: Buffer, o: number): number {
  return b[o]! * 0x1000000 + ((b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!);
}

/**
 * Counters below 2^53 (nearly all) become one BigInt from an exact double; only larger
 * values (cookies with high bits set) pay for the shift-and-or with three temporaries.
 * BigInt allocation dominates the flow-stats decode profile, so this matters.
 */
export function u64(b: Buffer, o: number): bigint {
  const hi = u32(b, o);
  const lo = u32(b, o + 4);
  return hi < 0x200000 ? BigInt(hi * 0x100000000 + lo) : (BigInt(hi) << 32n) | BigInt(lo);
}

/** A copy of bytes [start, end): decoded messages must not pin the socket's chunk. */
export function copyBytes(b: Buffer, start: number, end: number): Buffer {
  return Buffer.from(b.subarray(start, end));
}

/**
 * A fixed-size NUL-padded string field, as UTF-8. Bytes that are not valid UTF-8 become
 * '?' (one byte each) rather than U+FFFD, so the string still fits its field on re-encode.
 */
export function fixedString(b: Buffer, o: number, size: number): string {
  let end = o;
  const limit = o + size;
  while (end < limit && b[end] !== 0) end++;
  const text = b.toString('utf8', o, end);
  if (!text.includes('\uFFFD')) return text;
  let ascii = '';
  for (let i = o; i < end; i++) ascii += b[i]! < 0x80 ? String.fromCharCode(b[i]!) : '?';
  return ascii;
}

/**
 * Recently read 64-bit values, direct-mapped by a hash of both halves. For cookies: a
 * controller's flows share a handful of cookies (ofguard's encode a purpose and a decision
 * id), and a hit returns the BigInt made before instead of allocating one. BigInts are
 * immutable, so sharing one is invisible to callers. Measured on the flow-stats benchmark:
 * 3.0 → 3.5 M entries/s. Slots start as 0/0 → 0n, which is correct.
 */
const U64_CACHE_BITS = 10;
const u64CacheHigh = new Int32Array(1 << U64_CACHE_BITS);
const u64CacheLow = new Int32Array(1 << U64_CACHE_BITS);
const u64CacheValues: bigint[] = new Array<bigint>(1 << U64_CACHE_BITS).fill(0n);

export function recurringU64(view: DataView, o: number): bigint {
  const high = view.getInt32(o);
  const low = view.getInt32(o + 4);
  const slot = Math.imul(high ^ Math.imul(low, 0x9e3779b1), 0x85ebca6b) >>> (32 - U64_CACHE_BITS);
  if (u64CacheHigh[slot] === high && u64CacheLow[slot] === low) return u64CacheValues[slot]!;
  const value = view.getBigUint64(o);
  u64CacheHigh[slot] = high;
  u64CacheLow[slot] = low;
  u64CacheValues[slot] = value;
  return value;
}
