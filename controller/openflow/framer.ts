/**
 * Cuts a TCP byte stream into complete OpenFlow messages. Each returned Buffer is one
 * message (header included), a subarray of the chunk it arrived in when it did not
 * straddle chunks — the common case — so nothing is copied. Bytes of an unfinished
 * message are kept by offset; only when a message straddles chunks are the leftover
 * and the new chunk joined, into a fresh buffer (never reused, so returned subarrays stay
 * valid). A header with length < 8, a version other than 1.3 (except hello/error during
 * negotiation) or an unknown type throws OpenFlowDecodeError; the stream is then
 * unusable and the caller drops the connection.
 */
import { OFP_HEADER_LEN } from './constants.js';
import { OpenFlowDecodeError } from './errors.js';
import { checkHeader } from './message.js';

export class MessageFramer {
  private buf: Buffer = Buffer.alloc(0);
  private offset = 0;
  /** Total stream bytes consumed before `buf[0]`, so errors can say where in the stream. */
  private streamBase = 0;
  private failed: OpenFlowDecodeError | null = null;

  /** Bytes held back waiting for the rest of a message. */
  get pendingBytes(): number {
    return this.buf.length - this.offset;
  }

  /** The declared length of the unfinished message, once its header is in. */
  get pendingLength(): number | undefined {
    return this.pendingBytes >= OFP_HEADER_LEN ? this.buf.readUInt16BE(this.offset + 2) : undefined;
  }

  /** Adds a chunk and returns the complete messages it finishes, in order. */
  push(chunk: Buffer): Buffer[] {
    if (this.failed) throw this.failed;
    if (this.offset < this.buf.length) {
      this.buf = Buffer.concat([this.buf.subarray(this.offset), chunk]);
    } else {
      this.buf = chunk;
    }
    this.streamBase += this.offset;
    this.offset = 0;
    const out: Buffer[] = [];
    const b = this.buf;
    let p = 0;
    while (b.length - p >= OFP_HEADER_LEN) {
      let length: number;
      try {
        length = checkHeader(b, p, b.length - p);
      } catch (err) {
        const e = err as OpenFlowDecodeError;
        this.failed = new OpenFlowDecodeError(e.code, e.detail, this.streamBase + e.offset);
        throw this.failed;
      }
      if (b.length - p < length) break;
      out.push(b.subarray(p, p + length));
      p += length;
    }
    this.offset = p;
    return out;
  }
}
