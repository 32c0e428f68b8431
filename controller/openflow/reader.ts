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
