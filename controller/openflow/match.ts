/**
 * OXM match (spec 7.2.2) to and from the flat `Match` object. Decoding is the hot path of
 * flow-stats replies, so it is one switch with a named store per field (monomorphic
 * property stores; a table-driven keyed store measured ~2x slower); encoding is table
 * driven and walks the object's keys in order, which is the wire order.
 */
import { formatIpv4, formatIpv6, formatMac, writeIpv4, writeIpv6, writeMac } from './address.js';
import { ONF_EXPERIMENTER_ID, OxmClass, OxmField } from './constants.js';
import { OpenFlowDecodeError, OpenFlowEncodeError } from './errors.js';
import { copyBytes, need, u16, u24, u32, u64 } from './reader.js';
import type { Match, RawOxm, RawOxmKey } from './types.js';
import type { OfWriter } from './writer.js';

export type OxmValueKind = 'u8' | 'u16' | 'u24' | 'u32' | 'u64' | 'mac' | 'ipv4' | 'ipv6';

export interface BasicField {
  field: number;
  key: keyof Match & string;
  kind: OxmValueKind;
  /** Payload size in bytes without a mask. */
  size: number;
  /** The Match key of the mask, or null when the spec does not allow a mask. */
  maskKey: (keyof Match & string) | null;
}

export const BASIC_FIELDS: readonly BasicField[] = [
  { field: 0, key: 'inPort', kind: 'u32', size: 4, maskKey: null },
  { field: 1, key: 'inPhyPort', kind: 'u32', size: 4, maskKey: null },
  { field: 2, key: 'metadata', kind: 'u64', size: 8, maskKey: 'metadataMask' },
  { field: 3, key: 'ethDst', kind: 'mac', size: 6, maskKey: 'ethDstMask' },
  { field: 4, key: 'ethSrc', kind: 'mac', size: 6, maskKey: 'ethSrcMask' },
  { field: 5, key: 'ethType', kind: 'u16', size: 2, maskKey: null },
  { field: 6, key: 'vlanVid', kind: 'u16', size: 2, maskKey: 'vlanVidMask' },
  { field: 7, key: 'vlanPcp', kind: 'u8', size: 1, maskKey: null },
  { field: 8, key: 'ipDscp', kind: 'u8', size: 1, maskKey: null },
  { field: 9, key: 'ipEcn', kind: 'u8', size: 1, maskKey: null },
  { field: 10, key: 'ipProto', kind: 'u8', size: 1, maskKey: null },
  { field: 11, key: 'ipv4Src', kind: 'ipv4', size: 4, maskKey: 'ipv4SrcMask' },
  { field: 12, key: 'ipv4Dst', kind: 'ipv4', size: 4, maskKey: 'ipv4DstMask' },
  { field: 13, key: 'tcpSrc', kind: 'u16', size: 2, maskKey: null },
  { field: 14, key: 'tcpDst', kind: 'u16', size: 2, maskKey: null },
  { field: 15, key: 'udpSrc', kind: 'u16', size: 2, maskKey: null },
  { field: 16, key: 'udpDst', kind: 'u16', size: 2, maskKey: null },
  { field: 17, key: 'sctpSrc', kind: 'u16', size: 2, maskKey: null },
  { field: 18, key: 'sctpDst', kind: 'u16', size: 2, maskKey: null },
  { field: 19, key: 'icmpv4Type', kind: 'u8', size: 1, maskKey: null },
  { field: 20, key: 'icmpv4Code', kind: 'u8', size: 1, maskKey: null },
  { field: 21, key: 'arpOp', kind: 'u16', size: 2, maskKey: null },
  { field: 22, key: 'arpSpa', kind: 'ipv4', size: 4, maskKey: 'arpSpaMask' },
  { field: 23, key: 'arpTpa', kind: 'ipv4', size: 4, maskKey: 'arpTpaMask' },
  { field: 24, key: 'arpSha', kind: 'mac', size: 6, maskKey: 'arpShaMask' },
  { field: 25, key: 'arpTha', kind: 'mac', size: 6, maskKey: 'arpThaMask' },
  { field: 26, key: 'ipv6Src', kind: 'ipv6', size: 16, maskKey: 'ipv6SrcMask' },
  { field: 27, key: 'ipv6Dst', kind: 'ipv6', size: 16, maskKey: 'ipv6DstMask' },
  { field: 28, key: 'ipv6Flabel', kind: 'u32', size: 4, maskKey: 'ipv6FlabelMask' },
  { field: 29, key: 'icmpv6Type', kind: 'u8', size: 1, maskKey: null },
  { field: 30, key: 'icmpv6Code', kind: 'u8', size: 1, maskKey: null },
  { field: 31, key: 'ipv6NdTarget', kind: 'ipv6', size: 16, maskKey: null },
  { field: 32, key: 'ipv6NdSll', kind: 'mac', size: 6, maskKey: null },
  { field: 33, key: 'ipv6NdTll', kind: 'mac', size: 6, maskKey: null },
  { field: 34, key: 'mplsLabel', kind: 'u32', size: 4, maskKey: null },
  { field: 35, key: 'mplsTc', kind: 'u8', size: 1, maskKey: null },
  { field: 36, key: 'mplsBos', kind: 'u8', size: 1, maskKey: null },
  { field: 37, key: 'pbbIsid', kind: 'u24', size: 3, maskKey: 'pbbIsidMask' },
  { field: 38, key: 'tunnelId', kind: 'u64', size: 8, maskKey: 'tunnelIdMask' },
  { field: 39, key: 'ipv6Exthdr', kind: 'u16', size: 2, maskKey: 'ipv6ExthdrMask' },
  { field: 41, key: 'pbbUca', kind: 'u8', size: 1, maskKey: null },
  { field: 42, key: 'tcpFlags', kind: 'u16', size: 2, maskKey: 'tcpFlagsMask' },
];

const BASIC_BY_KEY = new Map<string, BasicField>(BASIC_FIELDS.map((f) => [f.key, f]));
const MASK_KEYS = new Set<string>(BASIC_FIELDS.flatMap((f) => (f.maskKey ? [f.maskKey] : [])));

/** The key a raw OXM is stored under in a Match. */
export function rawOxmKey(oxmClass: number, field: number, experimenter?: number): RawOxmKey {
  const cls = oxmClass.toString(16).padStart(4, '0');
  return experimenter === undefined
    ? `oxm:${cls}:${field}`
    : `oxm:${cls}:${experimenter.toString(16).padStart(8, '0')}:${field}`;
}

function duplicate(offset: number): never {
  throw new OpenFlowDecodeError('OFP_BAD_OXM', 'the same OXM field appears twice', offset);
}

function addRaw(m: Match, b: Buffer, here: number, oxmClass: number, field: number, hasMask: boolean, v: number, len: number): void {
  let experimenter: number | undefined;
  let payload = v;
  if (oxmClass === OxmClass.EXPERIMENTER) {
    if (len < 4) throw new OpenFlowDecodeError('OFP_BAD_OXM', `experimenter OXM payload of ${len} bytes has no experimenter id`, here);
    experimenter = u32(b, v);
    payload = v + 4;
  }
  const end = v + len;
  const key = rawOxmKey(oxmClass, field, experimenter);
  if (m[key] !== undefined) duplicate(here);
  const raw: RawOxm = { oxmClass, field, hasMask, value: copyBytes(b, payload, end) };
  if (experimenter !== undefined) raw.experimenter = experimenter;
  if (hasMask) {
    const half = end - payload;
    if ((half & 1) !== 0) throw new OpenFlowDecodeError('OFP_BAD_OXM', 'masked OXM payload has odd length', here);
    raw.value = copyBytes(b, payload, payload + half / 2);
    raw.mask = copyBytes(b, payload + half / 2, end);
  }
  m[key] = raw;
}

/** Decodes the OXM TLVs in [start, end) into `m`, in order. */
export function decodeOxmFields(b: Buffer, start: number, end: number, m: Match): void {
  let p = start;
  while (p < end) {
    need(p, 4, end, 'OXM header');
    const oxmClass = u16(b, p);
    const fieldByte = b[p + 2]!;
    const len = b[p + 3]!;
    const field = fieldByte >>> 1;
    const hasMask = (fieldByte & 1) === 1;
    const here = p;
    const v = p + 4;
    if (len === 0) throw new OpenFlowDecodeError('OFP_BAD_OXM', 'OXM with an empty payload', here);
    need(v, len, end, 'OXM payload');
    p = v + len;
    if (oxmClass === OxmClass.OPENFLOW_BASIC) {
      switch (field) {
          case 0:
            if (len === 4 && !hasMask) { if (m.inPort !== undefined) duplicate(here); m.inPort = u32(b, v); continue; }
            break;
          case 1:
            if (len === 4 && !hasMask) { if (m.inPhyPort !== undefined) duplicate(here); m.inPhyPort = u32(b, v); continue; }
            break;
          case 2:
            if (len === 8 && !hasMask) { if (m.metadata !== undefined) duplicate(here); m.metadata = u64(b, v); continue; }
            if (len === 16 && hasMask) { if (m.metadata !== undefined) duplicate(here); m.metadata = u64(b, v); m.metadataMask = u64(b, v + 8); continue; }
            break;
          case 3:
            if (len === 6 && !hasMask) { if (m.ethDst !== undefined) duplicate(here); m.ethDst = formatMac(b, v); continue; }
            if (len === 12 && hasMask) { if (m.ethDst !== undefined) duplicate(here); m.ethDst = formatMac(b, v); m.ethDstMask = formatMac(b, v + 6); continue; }
            break;
          case 4:
            if (len === 6 && !hasMask) { if (m.ethSrc !== undefined) duplicate(here); m.ethSrc = formatMac(b, v); continue; }
            if (len === 12 && hasMask) { if (m.ethSrc !== undefined) duplicate(here); m.ethSrc = formatMac(b, v); m.ethSrcMask = formatMac(b, v + 6); continue; }
            break;
          case 5:
            if (len === 2 && !hasMask) { if (m.ethType !== undefined) duplicate(here); m.ethType = u16(b, v); continue; }
            break;
          case 6:
            if (len === 2 && !hasMask) { if (m.vlanVid !== undefined) duplicate(here); m.vlanVid = u16(b, v); continue; }
            if (len === 4 && hasMask) { if (m.vlanVid !== undefined) duplicate(here); m.vlanVid = u16(b, v); m.vlanVidMask = u16(b, v + 2); continue; }
            break;
          case 7:
            if (len === 1 && !hasMask) { if (m.vlanPcp !== undefined) duplicate(here); m.vlanPcp = b[v]!; continue; }
            break;
          case 8:
            if (len === 1 && !hasMask) { if (m.ipDscp !== undefined) duplicate(here); m.ipDscp = b[v]!; continue; }
            break;
          case 9:
            if (len === 1 && !hasMask) { if (m.ipEcn !== undefined) duplicate(here); m.ipEcn = b[v]!; continue; }
            break;
          case 10:
            if (len === 1 && !hasMask) { if (m.ipProto !== undefined) duplicate(here); m.ipProto = b[v]!; continue; }
            break;
          case 11:
            if (len === 4 && !hasMask) { if (m.ipv4Src !== undefined) duplicate(here); m.ipv4Src = formatIpv4(b, v); continue; }
            if (len === 8 && hasMask) { if (m.ipv4Src !== undefined) duplicate(here); m.ipv4Src = formatIpv4(b, v); m.ipv4SrcMask = formatIpv4(b, v + 4); continue; }
            break;
          case 12:
            if (len === 4 && !hasMask) { if (m.ipv4Dst !== undefined) duplicate(here); m.ipv4Dst = formatIpv4(b, v); continue; }
            if (len === 8 && hasMask) { if (m.ipv4Dst !== undefined) duplicate(here); m.ipv4Dst = formatIpv4(b, v); m.ipv4DstMask = formatIpv4(b, v + 4); continue; }
            break;
          case 13:
            if (len === 2 && !hasMask) { if (m.tcpSrc !== undefined) duplicate(here); m.tcpSrc = u16(b, v); continue; }
            break;
          case 14:
            if (len === 2 && !hasMask) { if (m.tcpDst !== undefined) duplicate(here); m.tcpDst = u16(b, v); continue; }
            break;
          case 15:
            if (len === 2 && !hasMask) { if (m.udpSrc !== undefined) duplicate(here); m.udpSrc = u16(b, v); continue; }
            break;
          case 16:
            if (len === 2 && !hasMask) { if (m.udpDst !== undefined) duplicate(here); m.udpDst = u16(b, v); continue; }
            break;
          case 17:
            if (len === 2 && !hasMask) { if (m.sctpSrc !== undefined) duplicate(here); m.sctpSrc = u16(b, v); continue; }
            break;
          case 18:
            if (len === 2 && !hasMask) { if (m.sctpDst !== undefined) duplicate(here); m.sctpDst = u16(b, v); continue; }
            break;
          case 19:
            if (len === 1 && !hasMask) { if (m.icmpv4Type !== undefined) duplicate(here); m.icmpv4Type = b[v]!; continue; }
            break;
          case 20:
            if (len === 1 && !hasMask) { if (m.icmpv4Code !== undefined) duplicate(here); m.icmpv4Code = b[v]!; continue; }
            break;
          case 21:
            if (len === 2 && !hasMask) { if (m.arpOp !== undefined) duplicate(here); m.arpOp = u16(b, v); continue; }
            break;
          case 22:
            if (len === 4 && !hasMask) { if (m.arpSpa !== undefined) duplicate(here); m.arpSpa = formatIpv4(b, v); continue; }
            if (len === 8 && hasMask) { if (m.arpSpa !== undefined) duplicate(here); m.arpSpa = formatIpv4(b, v); m.arpSpaMask = formatIpv4(b, v + 4); continue; }
            break;
          case 23:
            if (len === 4 && !hasMask) { if (m.arpTpa !== undefined) duplicate(here); m.arpTpa = formatIpv4(b, v); continue; }
            if (len === 8 && hasMask) { if (m.arpTpa !== undefined) duplicate(here); m.arpTpa = formatIpv4(b, v); m.arpTpaMask = formatIpv4(b, v + 4); continue; }
            break;
          case 24:
            if (len === 6 && !hasMask) { if (m.arpSha !== undefined) duplicate(here); m.arpSha = formatMac(b, v); continue; }
            if (len === 12 && hasMask) { if (m.arpSha !== undefined) duplicate(here); m.arpSha = formatMac(b, v); m.arpShaMask = formatMac(b, v + 6); continue; }
            break;
          case 25:
            if (len === 6 && !hasMask) { if (m.arpTha !== undefined) duplicate(here); m.arpTha = formatMac(b, v); continue; }
            if (len === 12 && hasMask) { if (m.arpTha !== undefined) duplicate(here); m.arpTha = formatMac(b, v); m.arpThaMask = formatMac(b, v + 6); continue; }
            break;
          case 26:
            if (len === 16 && !hasMask) { if (m.ipv6Src !== undefined) duplicate(here); m.ipv6Src = formatIpv6(b, v); continue; }
            if (len === 32 && hasMask) { if (m.ipv6Src !== undefined) duplicate(here); m.ipv6Src = formatIpv6(b, v); m.ipv6SrcMask = formatIpv6(b, v + 16); continue; }
            break;
          case 27:
            if (len === 16 && !hasMask) { if (m.ipv6Dst !== undefined) duplicate(here); m.ipv6Dst = formatIpv6(b, v); continue; }
            if (len === 32 && hasMask) { if (m.ipv6Dst !== undefined) duplicate(here); m.ipv6Dst = formatIpv6(b, v); m.ipv6DstMask = formatIpv6(b, v + 16); continue; }
            break;
          case 28:
            if (len === 4 && !hasMask) { if (m.ipv6Flabel !== undefined) duplicate(here); m.ipv6Flabel = u32(b, v); continue; }
            if (len === 8 && hasMask) { if (m.ipv6Flabel !== undefined) duplicate(here); m.ipv6Flabel = u32(b, v); m.ipv6FlabelMask = u32(b, v + 4); continue; }
            break;
          case 29:
            if (len === 1 && !hasMask) { if (m.icmpv6Type !== undefined) duplicate(here); m.icmpv6Type = b[v]!; continue; }
            break;
          case 30:
            if (len === 1 && !hasMask) { if (m.icmpv6Code !== undefined) duplicate(here); m.icmpv6Code = b[v]!; continue; }
            break;
          case 31:
            if (len === 16 && !hasMask) { if (m.ipv6NdTarget !== undefined) duplicate(here); m.ipv6NdTarget = formatIpv6(b, v); continue; }
            break;
          case 32:
            if (len === 6 && !hasMask) { if (m.ipv6NdSll !== undefined) duplicate(here); m.ipv6NdSll = formatMac(b, v); continue; }
            break;
          case 33:
            if (len === 6 && !hasMask) { if (m.ipv6NdTll !== undefined) duplicate(here); m.ipv6NdTll = formatMac(b, v); continue; }
            break;
          case 34:
            if (len === 4 && !hasMask) { if (m.mplsLabel !== undefined) duplicate(here); m.mplsLabel = u32(b, v); continue; }
            break;
          case 35:
            if (len === 1 && !hasMask) { if (m.mplsTc !== undefined) duplicate(here); m.mplsTc = b[v]!; continue; }
            break;
          case 36:
            if (len === 1 && !hasMask) { if (m.mplsBos !== undefined) duplicate(here); m.mplsBos = b[v]!; continue; }
            break;
          case 37:
            if (len === 3 && !hasMask) { if (m.pbbIsid !== undefined) duplicate(here); m.pbbIsid = u24(b, v); continue; }
            if (len === 6 && hasMask) { if (m.pbbIsid !== undefined) duplicate(here); m.pbbIsid = u24(b, v); m.pbbIsidMask = u24(b, v + 3); continue; }
            break;
          case 38:
            if (len === 8 && !hasMask) { if (m.tunnelId !== undefined) duplicate(here); m.tunnelId = u64(b, v); continue; }
            if (len === 16 && hasMask) { if (m.tunnelId !== undefined) duplicate(here); m.tunnelId = u64(b, v); m.tunnelIdMask = u64(b, v + 8); continue; }
            break;
          case 39:
            if (len === 2 && !hasMask) { if (m.ipv6Exthdr !== undefined) duplicate(here); m.ipv6Exthdr = u16(b, v); continue; }
            if (len === 4 && hasMask) { if (m.ipv6Exthdr !== undefined) duplicate(here); m.ipv6Exthdr = u16(b, v); m.ipv6ExthdrMask = u16(b, v + 2); continue; }
            break;
          case 41:
            if (len === 1 && !hasMask) { if (m.pbbUca !== undefined) duplicate(here); m.pbbUca = b[v]!; continue; }
            break;
          case 42:
            if (len === 2 && !hasMask) { if (m.tcpFlags !== undefined) duplicate(here); m.tcpFlags = u16(b, v); continue; }
            if (len === 4 && hasMask) { if (m.tcpFlags !== undefined) duplicate(here); m.tcpFlags = u16(b, v); m.tcpFlagsMask = u16(b, v + 2); continue; }
            break;
        default:
          break;
      }
    } else if (oxmClass === OxmClass.EXPERIMENTER && field === OxmField.TCP_FLAGS && len >= 6 && u32(b, v) === ONF_EXPERIMENTER_ID) {
      if ((len === 6 && !hasMask) || (len === 8 && hasMask)) {
        if (m.tcpFlags !== undefined) duplicate(here);
        m.tcpFlags = u16(b, v + 4);
        if (hasMask) m.tcpFlagsMask = u16(b, v + 6);
        m.tcpFlagsEncoding = 'onf';
        continue;
      }
    }
    // Not a field we name, or a named field in an unexpected shape: keep it as bytes.
    addRaw(m, b, here, oxmClass, field, hasMask, v, len);
  }
}

/**
 * Decodes an ofp_match at `o` (header, OXMs, padding to 8) that must fit before `limit`.
 * Returns the Match; the caller advances by matchWireLength(b, o).
 */
export function decodeMatch(b: Buffer, o: number, limit: number): Match {
  need(o, 4, limit, 'ofp_match');
  const type = u16(b, o);
  const length = u16(b, o + 2);
  if (type !== 1) throw new OpenFlowDecodeError('OFP_BAD_MATCH', `match type ${type} is not OXM (1)`, o);
  if (length < 4) throw new OpenFlowDecodeError('OFP_BAD_LENGTH', `match length ${length} < 4`, o);
  need(o, (length + 7) & ~7, limit, 'ofp_match with padding');
  const m: Match = {};
  decodeOxmFields(b, o + 4, o + length, m);
  return m;
}

/** Bytes an ofp_match at `o` occupies including padding (its length field rounded up to 8). */
export function matchWireLength(b: Buffer, o: number): number {
  return (u16(b, o + 2) + 7) & ~7;
}

function badValue(key: string, value: unknown): never {
  throw new OpenFlowEncodeError('OFP_ENCODE_BAD_VALUE', `match field ${key}: bad value ${String(value)}`);
}

function writeValue(w: OfWriter, f: BasicField, key: string, value: unknown): void {
  switch (f.kind) {
    case 'u8':
    case 'u16':
    case 'u24':
    case 'u32': {
      const max = f.size === 4 ? 0xffffffff : (1 << (8 * f.size)) - 1;
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > max) badValue(key, value);
      if (f.size === 1) w.u8(value);
      else if (f.size === 2) w.u16(value);
      else if (f.size === 3) w.u24(value);
      else w.u32(value);
      return;
    }
    case 'u64':
      if (typeof value !== 'bigint') badValue(key, value);
      w.u64(value);
      return;
    case 'mac':
      w.ensure(6);
      writeMac(value as string, w.buf, w.pos);
      w.pos += 6;
      return;
    case 'ipv4':
      w.ensure(4);
      writeIpv4(value as string, w.buf, w.pos);
      w.pos += 4;
      return;
    case 'ipv6':
      w.ensure(16);
      writeIpv6(value as string, w.buf, w.pos);
      w.pos += 16;
      return;
  }
}

function writeRaw(w: OfWriter, key: string, raw: RawOxm): void {
  const expLen = raw.experimenter === undefined ? 0 : 4;
  const len = expLen + raw.value.length + (raw.hasMask ? (raw.mask?.length ?? 0) : 0);
  if (len > 255) throw new OpenFlowEncodeError('OFP_ENCODE_TOO_LARGE', `raw OXM ${key} payload of ${len} bytes`);
  w.u16(raw.oxmClass);
  w.u8((raw.field << 1) | (raw.hasMask ? 1 : 0));
  w.u8(len);
  if (raw.experimenter !== undefined) w.u32(raw.experimenter);
  w.bytes(raw.value);
  if (raw.hasMask && raw.mask) w.bytes(raw.mask);
}

/** Writes the OXM TLVs of `m` in key order (no ofp_match header). */
export function encodeOxmFields(w: OfWriter, m: Match): void {
  for (const key in m) {
    const value = (m as Record<string, unknown>)[key];
    if (value === undefined || key === 'tcpFlagsEncoding' || MASK_KEYS.has(key)) continue;
    const f = BASIC_BY_KEY.get(key);
    if (f === undefined) {
      if (key.startsWith('oxm:')) writeRaw(w, key, value as RawOxm);
      else throw new OpenFlowEncodeError('OFP_ENCODE_BAD_VALUE', `unknown match field ${key}`);
      continue;
    }
    const mask = f.maskKey === null ? undefined : (m as Record<string, unknown>)[f.maskKey];
    const payload = mask === undefined ? f.size : 2 * f.size;
    if (f.field === OxmField.TCP_FLAGS && m.tcpFlagsEncoding === 'onf') {
      w.u16(OxmClass.EXPERIMENTER);
      w.u8((f.field << 1) | (mask === undefined ? 0 : 1));
      w.u8(payload + 4);
      w.u32(ONF_EXPERIMENTER_ID);
    } else {
      w.u16(OxmClass.OPENFLOW_BASIC);
      w.u8((f.field << 1) | (mask === undefined ? 0 : 1));
      w.u8(payload);
    }
    writeValue(w, f, key, value);
    if (mask !== undefined) writeValue(w, f, f.maskKey!, mask);
  }
}

/** Writes an ofp_match: OXM type, length, fields, zero padding to a multiple of 8. */
export function encodeMatch(w: OfWriter, m: Match): void {
  const start = w.pos;
  w.u16(1);
  w.u16(0);
  encodeOxmFields(w, m);
  w.patch16(start + 2, w.pos - start);
  w.padTo8(start);
}

/** Match keys that name a field (not masks or the tcp_flags encoding flag). */
export function matchFieldKeys(m: Match): string[] {
  return Object.keys(m).filter((k) => (m as Record<string, unknown>)[k] !== undefined && k !== 'tcpFlagsEncoding' && !MASK_KEYS.has(k));
}
