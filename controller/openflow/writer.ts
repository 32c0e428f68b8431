/**
 * A growable big-endian writer. encodeMessage reuses one instance (messages are encoded
 * one at a time, synchronously), writes the body, then patches the length fields; the
 * result is copied out at the exact size so callers own their Buffer.
 */
import { OpenFlowEncodeError } from './errors.js';

export class OfWriter {
  buf: Buffer;
  pos = 0;

  constructor(initialSize = 4096) {
    this.buf = Buffer.alloc(initialSize);
  }

  reset(): void {
    this.pos = 0;
  }

  private grow(extra: number): void {
    let size = this.buf.length * 2;
    while (size < this.pos + extra) size *= 2;
    const next = Buffer.alloc(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  ensure(extra: number): void {
    if (this.pos + extra > this.buf.length) this.grow(extra);
  }

  u8(v: number): void {
    this.ensure(1);
    this.buf[this.pos++] = v & 0xff;
  }

  u16(v: number): void {
    this.ensure(2);
    const b = this.buf;
    const p = this.pos;
    b[p] = (v >>> 8) & 0xff;
    b[p + 1] = v & 0xff;
    this.pos = p + 2;
  }

  u24(v: number): void {
    this.ensure(3);
    const b = this.buf;
    const p = this.pos;
    b[p] = (v >>> 16) & 0xff;
    b[p + 1] = (v >>> 8) & 0xff;
    b[p + 2] = v & 0xff;
    this.pos = p + 3;
  }

  u32(v: number): void {
    this.ensure(4);
    const b = this.buf;
    const p = this.pos;
    b[p] = (v >>> 24) & 0xff;
    b[p + 1] = (v >>> 16) & 0xff;
    b[p + 2] = (v >>> 8) & 0xff;
    b[p + 3] = v & 0xff;
    this.pos = p + 4;
  }

  u64(v: bigint): void {
    if (v < 0n || v > 0xffffffffffffffffn) {
      throw new OpenFlowEncodeError('OFP_ENCODE_BAD_VALUE', `64-bit value out of range: ${v}`);
    }
    this.u32(Number(v >> 32n));
    this.u32(Number(v & 0xffffffffn));
  }

  bytes(src: Uint8Array): void {
    this.ensure(src.length);
    this.buf.set(src, this.pos);
    this.pos += src.length;
  }

  zeros(n: number): void {
    this.ensure(n);
    this.buf.fill(0, this.pos, this.pos + n);
    this.pos += n;
  }

  /** Zero-pads so that (pos - start) is a multiple of 8. */
  padTo8(start: number): void {
    const rem = (this.pos - start) & 7;
    if (rem !== 0) this.zeros(8 - rem);
  }

  /** NUL-padded fixed-size string; too long a string is an error, not silently cut. */
  fixedString(s: string, size: number): void {
    const len = Buffer.byteLength(s, 'utf8');
    if (len >= size) throw new OpenFlowEncodeError('OFP_ENCODE_BAD_VALUE', `string longer than ${size - 1} bytes: ${JSON.stringify(s)}`);
    this.ensure(size);
    this.buf.write(s, this.pos, 'utf8');
    this.buf.fill(0, this.pos + len, this.pos + size);
    this.pos += size;
  }

  patch16(at: number, v: number): void {
    if (v > 0xffff) throw new OpenFlowEncodeError('OFP_ENCODE_TOO_LARGE', `length ${v} does not fit 16 bits`);
    this.buf[at] = (v >>> 8) & 0xff;
    this.buf[at + 1] = v & 0xff;
  }

  /** The bytes written since `start`, copied out. */
  take(start = 0): Buffer {
    return Buffer.from(this.buf.subarray(start, this.pos));
  }
}
