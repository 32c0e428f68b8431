/**
 * `ofguard ofp-print FILE`: decode a file that is either OpenFlow messages back to back
 * or a classic pcap (Ethernet, IPv4, TCP on port 6653 or 6633; each direction's stream
 * reassembled by sequence number) into JSON-friendly objects.
 *
 * JSON form: Buffers become lower-case hex strings. 64-bit values that are identifiers
 * (dpid, cookie, cookieMask, metadata, metadataMask, metadataMatch, metadataWrite,
 * tunnelId, tunnelIdMask, generationId) become "0x" hex strings; 64-bit counters become
 * decimal strings. A message that fails to decode is reported as an entry with `error`
 * and printing goes on; a stream whose framing fails stops at that point.
 */
import { describeError } from './error.js';
import { OpenFlowDecodeError } from './errors.js';
import { MessageFramer } from './framer.js';
import { decodeMessage } from './message.js';
import { OFP_OLD_TCP_PORT, OFP_TCP_PORT } from './constants.js';
import { u16, u32 } from './reader.js';
import type { OfpMessage } from './types.js';

export interface PrintedMessage {
  index: number;
  /** pcap only: capture time as "seconds.fraction" (microseconds or nanoseconds as captured). */
  time?: string;
  /** pcap only: which side sent it (the controller is the end on port 6653 or 6633). */
  direction?: 'controller->switch' | 'switch->controller';
  src?: string;
  dst?: string;
  message?: Record<string, unknown>;
  error?: { code: string; detail: string; offset: number };
}

const HEX_BIGINT_KEYS = new Set([
  'dpid', 'cookie', 'cookieMask', 'metadata', 'metadataMask', 'metadataMatch', 'metadataWrite', 'tunnelId', 'tunnelIdMask', 'generationId',
]);

/** A decoded message (or any part of one) as plain JSON values. */
export function toPrintable(value: unknown, key = ''): unknown {
  if (typeof value === 'bigint') return HEX_BIGINT_KEYS.has(key) ? `0x${value.toString(16)}` : value.toString();
  if (Buffer.isBuffer(value)) return value.toString('hex');
  if (Array.isArray(value)) return value.map((v) => toPrintable(v, key));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = toPrintable(v, k);
    return out;
  }
  return value;
}

function decoded(bytes: Buffer, index: number, extra: Omit<PrintedMessage, 'index'>): PrintedMessage {
  try {
    const message = decodeMessage(bytes);
    return { index, ...extra, message: toPrintable(message) as Record<string, unknown> };
  } catch (err) {
    if (!(err instanceof OpenFlowDecodeError)) throw err;
    return { index, ...extra, error: { code: err.code, detail: err.detail, offset: err.offset } };
  }
}

function framingError(err: unknown, index: number, extra: Omit<PrintedMessage, 'index'>): PrintedMessage {
  if (!(err instanceof OpenFlowDecodeError)) throw err;
  return { index, ...extra, error: { code: err.code, detail: err.detail, offset: err.offset } };
}

function printRaw(bytes: Buffer): PrintedMessage[] {
  const out: PrintedMessage[] = [];
  const framer = new MessageFramer();
  try {
    for (const frame of framer.push(bytes)) out.push(decoded(frame, out.length + 1, {}));
    if (framer.pendingBytes > 0) {
      out.push({ index: out.length + 1, error: { code: 'OFP_TRUNCATED', detail: `${framer.pendingBytes} bytes of an unfinished message at the end`, offset: bytes.length - framer.pendingBytes } });
    }
  } catch (err) {
    out.push(framingError(err, out.length + 1, {}));
  }
  return out;
}

function pcapError(detail: string, offset: number): never {
  throw new OpenFlowDecodeError('PCAP_BAD_FORMAT', detail, offset);
}

interface Stream {
  framer: MessageFramer;
  nextSeq: number | null;
  /** Segments that arrived ahead of a gap, by sequence number. */
  early: Map<number, Buffer>;
  failed: boolean;
}

const PCAP_MAGIC_US = 0xa1b2c3d4;
const PCAP_MAGIC_NS = 0xa1b23c4d;
const LINKTYPE_ETHERNET = 1;
/** Caps one captured record so a corrupt length cannot make us allocate without bound. */
const MAX_RECORD = 262144;

function isPcap(bytes: Buffer): boolean {
  if (bytes.length < 4) return false;
  const be = bytes.readUInt32BE(0);
  const le = bytes.readUInt32LE(0);
  return be === PCAP_MAGIC_US || be === PCAP_MAGIC_NS || le === PCAP_MAGIC_US || le === PCAP_MAGIC_NS;
}

function printPcap(bytes: Buffer): PrintedMessage[] {
  if (bytes.length < 24) pcapError('pcap global header is 24 bytes', 0);
  const magicBe = bytes.readUInt32BE(0);
  const le = !(magicBe === PCAP_MAGIC_US || magicBe === PCAP_MAGIC_NS);
  const nanos = (le ? bytes.readUInt32LE(0) : magicBe) === PCAP_MAGIC_NS;
  const read32 = (o: number): number => (le ? bytes.readUInt32LE(o) : bytes.readUInt32BE(o));
  const linkType = read32(20);
  if (linkType !== LINKTYPE_ETHERNET) pcapError(`link type ${linkType} is not Ethernet`, 20);
  const out: PrintedMessage[] = [];
  const streams = new Map<string, Stream>();
  let p = 24;
  while (p < bytes.length) {
    if (bytes.length - p < 16) pcapError('truncated pcap record header', p);
    const sec = read32(p);
    const frac = read32(p + 4);
    const caplen = read32(p + 8);
    if (caplen > MAX_RECORD || p + 16 + caplen > bytes.length) pcapError(`pcap record of ${caplen} bytes overruns the file`, p + 8);
    const frame = bytes.subarray(p + 16, p + 16 + caplen);
    const time = `${sec}.${String(frac).padStart(nanos ? 9 : 6, '0')}`;
    p += 16 + caplen;
    const segment = tcpSegment(frame);
    if (!segment) continue;
    const { src, dst, srcPort, dstPort, seq, syn, payload } = segment;
    // The controller listens on the OpenFlow port: segments to it come from the switch.
    const toController = dstPort === OFP_TCP_PORT || dstPort === OFP_OLD_TCP_PORT;
    if (!toController && srcPort !== OFP_TCP_PORT && srcPort !== OFP_OLD_TCP_PORT) continue;
    const key = `${src}:${srcPort}>${dst}:${dstPort}`;
    let stream = streams.get(key);
    if (!stream) {
      stream = { framer: new MessageFramer(), nextSeq: null, early: new Map(), failed: false };
      streams.set(key, stream);
    }
    if (syn) {
      stream.nextSeq = (seq + 1) >>> 0;
      continue;
    }
    if (payload.length === 0 || stream.failed) continue;
    if (stream.nextSeq === null) stream.nextSeq = seq;
    const extra = { time, direction: toController ? 'switch->controller' as const : 'controller->switch' as const, src: `${src}:${srcPort}`, dst: `${dst}:${dstPort}` };
    stream.early.set(seq, payload);
    // Feed every segment that is now contiguous; trim retransmitted overlap.
    for (;;) {
      let fed = false;
      for (const [s, data] of stream.early) {
        const ahead = (s - stream.nextSeq!) | 0;
        if (ahead > 0) continue;
        stream.early.delete(s);
        if (-ahead >= data.length) continue;
        const fresh = data.subarray(-ahead);
        stream.nextSeq = (stream.nextSeq! + fresh.length) >>> 0;
        try {
          for (const m of stream.framer.push(fresh)) out.push(decoded(m, out.length + 1, extra));
        } catch (err) {
          out.push(framingError(err, out.length + 1, extra));
          stream.failed = true;
        }
        fed = true;
        break;
      }
      if (!fed || stream.failed) break;
    }
  }
  return out;
}

interface Segment {
  src: string;
  dst: string;
  srcPort: number;
  dstPort: number;
  seq: number;
  syn: boolean;
  payload: Buffer;
}

/** The TCP segment in an Ethernet frame, or null for anything else (ARP, IPv6, UDP, fragments). */
function tcpSegment(f: Buffer): Segment | null {
  let o = 12;
  if (f.length < 14) return null;
  let ethType = u16(f, o);
  while ((ethType === 0x8100 || ethType === 0x88a8) && f.length >= o + 6) {
    o += 4;
    ethType = u16(f, o);
  }
  o += 2;
  if (ethType !== 0x0800 || f.length < o + 20) return null;
  const ihl = (f[o]! & 0x0f) * 4;
  const totalLen = u16(f, o + 2);
  const fragment = u16(f, o + 6) & 0x3fff;
  if (f[o + 9] !== 6 || ihl < 20 || fragment !== 0 || totalLen < ihl + 20 || f.length < o + totalLen) return null;
  const src = `${f[o + 12]}.${f[o + 13]}.${f[o + 14]}.${f[o + 15]}`;
  const dst = `${f[o + 16]}.${f[o + 17]}.${f[o + 18]}.${f[o + 19]}`;
  const t = o + ihl;
  const dataOffset = (f[t + 12]! >>> 4) * 4;
  if (dataOffset < 20 || ihl + dataOffset > totalLen) return null;
  return {
    src,
    dst,
    srcPort: u16(f, t),
    dstPort: u16(f, t + 2),
    seq: u32(f, t + 4),
    syn: (f[t + 13]! & 0x02) !== 0,
    payload: f.subarray(t + dataOffset, o + totalLen),
  };
}

/** Decodes a file's bytes (raw OpenFlow messages or a pcap). Throws PCAP_BAD_FORMAT for a broken pcap. */
export function ofpPrint(bytes: Buffer): PrintedMessage[] {
  return isPcap(bytes) ? printPcap(bytes) : printRaw(bytes);
}

function summary(m: Record<string, unknown>): string {
  let s = `${String(m.type)} xid=${String(m.xid)}`;
  if (m.mpType !== undefined) s += ` ${String(m.mpType)}`;
  if (m.type === 'error') s += ` ${describeError(m as unknown as Pick<OfpMessage & { type: 'error' }, 'errorType' | 'code' | 'experimenter'>)}`;
  return s;
}

/** The text `ofguard ofp-print` prints: one summary line per message, then its JSON. */
export function formatOfpPrint(bytes: Buffer): string {
  const lines: string[] = [];
  for (const entry of ofpPrint(bytes)) {
    const where = entry.time !== undefined ? `${entry.time} ${entry.direction} ${entry.src} > ${entry.dst} ` : '';
    if (entry.error) {
      lines.push(`#${entry.index} ${where}ERROR ${entry.error.code}: ${entry.error.detail} (at byte ${entry.error.offset})`);
    } else {
      lines.push(`#${entry.index} ${where}${summary(entry.message!)}`);
      lines.push(JSON.stringify(entry.message, null, 2));
    }
  }
  return lines.join('\n') + (lines.length ? '\n' : '');
}
