/** Meters: bands (meter-mod, meter config), meter statistics and meter features. */
import { elementLength, minLength } from './body.js';
import { MeterBandType } from './constants.js';
import { OpenFlowDecodeError, OpenFlowEncodeError } from './errors.js';
import { copyBytes, need, u16, u32, u64 } from './reader.js';
import type { MeterBand, MeterConfig, MeterFeatures, MeterModMessage, MeterStats } from './types.js';
import type { OfWriter } from './writer.js';

export const METER_FEATURES_LEN = 16;

export function decodeMeterBands(b: Buffer, start: number, end: number): MeterBand[] {
  const bands: MeterBand[] = [];
  let p = start;
  while (p < end) {
    need(p, 16, end, 'meter band');
    const type = u16(b, p);
    const len = u16(b, p + 2);
    const rate = u32(b, p + 4);
    const burstSize = u32(b, p + 8);
    if (type === MeterBandType.DROP || type === MeterBandType.DSCP_REMARK) {
      // Fixed 16-byte bands: anything else could not be re-encoded byte for byte.
      if (len !== 16) throw new OpenFlowDecodeError('OFP_BAD_LENGTH', `meter band type ${type} has length ${len}, expected 16`, p);
      bands.push(type === MeterBandType.DROP
        ? { type: 'drop', rate, burstSize }
        : { type: 'dscp_remark', rate, burstSize, precLevel: b[p + 12]! });
    } else {
      elementLength('meter band', len, 16, p, end, true);
      bands.push(type === MeterBandType.EXPERIMENTER
        ? { type: 'experimenter', rate, burstSize, experimenter: u32(b, p + 12), data: copyBytes(b, p + 16, p + len) }
        : { type: 'unknown', bandType: type, rate, burstSize, data: copyBytes(b, p + 12, p + len) });
    }
    p += len;
  }
  return bands;
}

export function encodeMeterBands(w: OfWriter, bands: readonly MeterBand[]): void {
  for (const band of bands) {
    switch (band.type) {
      case 'drop':
        w.u16(MeterBandType.DROP);
        w.u16(16);
        w.u32(band.rate);
        w.u32(band.burstSize);
        w.zeros(4);
        break;
      case 'dscp_remark':
        w.u16(MeterBandType.DSCP_REMARK);
        w.u16(16);
        w.u32(band.rate);
        w.u32(band.burstSize);
        w.u8(band.precLevel);
        w.zeros(3);
        break;
      case 'experimenter':
        w.u16(MeterBandType.EXPERIMENTER);
        w.u16(16 + band.data.length);
        w.u32(band.rate);
        w.u32(band.burstSize);
        w.u32(band.experimenter);
        w.bytes(band.data);
        break;
      case 'unknown':
        w.u16(band.bandType);
        w.u16(12 + band.data.length);
        w.u32(band.rate);
        w.u32(band.burstSize);
        w.bytes(band.data);
        break;
      default:
        throw new OpenFlowEncodeError('OFP_ENCODE_BAD_VALUE', `unknown meter band type ${(band as { type: unknown }).type}`);
    }
  }
}

export function decodeMeterStatsList(b: Buffer, start: number, end: number): MeterStats[] {
  const out: MeterStats[] = [];
  let p = start;
  while (p < end) {
    need(p, 40, end, 'meter stats');
    const len = u16(b, p + 4);
    elementLength('meter stats', len, 40, p, end, true);
    const bandStats: MeterStats['bandStats'] = [];
    for (let q = p + 40; q + 16 <= p + len; q += 16) bandStats.push({ packetBandCount: u64(b, q), byteBandCount: u64(b, q + 8) });
    out.push({
      meterId: u32(b, p),
      flowCount: u32(b, p + 12),
      packetInCount: u64(b, p + 16),
      byteInCount: u64(b, p + 24),
      durationSec: u32(b, p + 32),
      durationNsec: u32(b, p + 36),
      bandStats,
    });
    p += len;
  }
  return out;
}

export function encodeMeterStatsList(w: OfWriter, list: readonly MeterStats[]): void {
  for (const s of list) {
    const start = w.pos;
    w.u32(s.meterId);
    w.u16(0);
    w.zeros(6);
    w.u32(s.flowCount);
    w.u64(s.packetInCount);
    w.u64(s.byteInCount);
    w.u32(s.durationSec);
    w.u32(s.durationNsec);
    for (const bs of s.bandStats) {
      w.u64(bs.packetBandCount);
      w.u64(bs.byteBandCount);
    }
    w.patch16(start + 4, w.pos - start);
  }
}

export function decodeMeterConfigList(b: Buffer, start: number, end: number): MeterConfig[] {
  const out: MeterConfig[] = [];
  let p = start;
  while (p < end) {
    need(p, 8, end, 'meter config');
    const len = u16(b, p);
    elementLength('meter config', len, 8, p, end, true);
    out.push({ flags: u16(b, p + 2), meterId: u32(b, p + 4), bands: decodeMeterBands(b, p + 8, p + len) });
    p += len;
  }
  return out;
}

export function encodeMeterConfigList(w: OfWriter, list: readonly MeterConfig[]): void {
  for (const c of list) {
    const start = w.pos;
    w.u16(0);
    w.u16(c.flags);
    w.u32(c.meterId);
    encodeMeterBands(w, c.bands);
    w.patch16(start, w.pos - start);
  }
}

export function decodeMeterFeatures(b: Buffer, o: number): MeterFeatures {
  return { maxMeter: u32(b, o), bandTypes: u32(b, o + 4), capabilities: u32(b, o + 8), maxBands: b[o + 12]!, maxColor: b[o + 13]! };
}

export function encodeMeterFeatures(w: OfWriter, f: MeterFeatures): void {
  w.u32(f.maxMeter);
  w.u32(f.bandTypes);
  w.u32(f.capabilities);
  w.u8(f.maxBands);
  w.u8(f.maxColor);
  w.zeros(2);
}

export function decodeMeterMod(b: Buffer, o: number, end: number, version: number, xid: number): MeterModMessage {
  minLength('meter_mod', end - o, 16, o);
  return { version, type: 'meter_mod', xid, command: u16(b, o + 8), flags: u16(b, o + 10), meterId: u32(b, o + 12), bands: decodeMeterBands(b, o + 16, end) };
}

export function encodeMeterMod(w: OfWriter, m: MeterModMessage): void {
  w.u16(m.command);
  w.u16(m.flags);
  w.u32(m.meterId);
  encodeMeterBands(w, m.bands);
}
