/** Groups: buckets (group-mod, group-desc), group statistics and group features. */
import { decodeActions, encodeActions } from './actions.js';
import { elementLength, minLength } from './body.js';
import { need, u16, u32, u64 } from './reader.js';
import type { Bucket, GroupDesc, GroupFeatures, GroupModMessage, GroupStats } from './types.js';
import type { OfWriter } from './writer.js';

export const GROUP_FEATURES_LEN = 40;

export function decodeBuckets(b: Buffer, start: number, end: number): Bucket[] {
  const buckets: Bucket[] = [];
  let p = start;
  while (p < end) {
    need(p, 16, end, 'bucket');
    const len = u16(b, p);
    elementLength('bucket', len, 16, p, end, true);
    buckets.push({ weight: u16(b, p + 2), watchPort: u32(b, p + 4), watchGroup: u32(b, p + 8), actions: decodeActions(b, p + 16, p + len) });
    p += len;
  }
  return buckets;
}

export function encodeBuckets(w: OfWriter, buckets: readonly Bucket[]): void {
  for (const bucket of buckets) {
    const start = w.pos;
    w.u16(0);
    w.u16(bucket.weight);
    w.u32(bucket.watchPort);
    w.u32(bucket.watchGroup);
    w.zeros(4);
    encodeActions(w, bucket.actions);
    w.patch16(start, w.pos - start);
  }
}

export function decodeGroupStatsList(b: Buffer, start: number, end: number): GroupStats[] {
  const out: GroupStats[] = [];
  let p = start;
  while (p < end) {
    need(p, 40, end, 'group stats');
    const len = u16(b, p);
    elementLength('group stats', len, 40, p, end, true);
    const bucketStats: GroupStats['bucketStats'] = [];
    for (let q = p + 40; q + 16 <= p + len; q += 16) bucketStats.push({ packetCount: u64(b, q), byteCount: u64(b, q + 8) });
    out.push({
      groupId: u32(b, p + 4),
      refCount: u32(b, p + 8),
      packetCount: u64(b, p + 16),
      byteCount: u64(b, p + 24),
      durationSec: u32(b, p + 32),
      durationNsec: u32(b, p + 36),
      bucketStats,
    });
    p += len;
  }
  return out;
}

export function encodeGroupStatsList(w: OfWriter, list: readonly GroupStats[]): void {
  for (const s of list) {
    const start = w.pos;
    w.u16(0);
    w.zeros(2);
    w.u32(s.groupId);
    w.u32(s.refCount);
    w.zeros(4);
    w.u64(s.packetCount);
    w.u64(s.byteCount);
    w.u32(s.durationSec);
    w.u32(s.durationNsec);
    for (const bs of s.bucketStats) {
      w.u64(bs.packetCount);
      w.u64(bs.byteCount);
    }
    w.patch16(start, w.pos - start);
  }
}

export function decodeGroupDescList(b: Buffer, start: number, end: number): GroupDesc[] {
  const out: GroupDesc[] = [];
  let p = start;
  while (p < end) {
    need(p, 8, end, 'group desc');
    const len = u16(b, p);
    elementLength('group desc', len, 8, p, end, true);
    out.push({ groupType: b[p + 2]!, groupId: u32(b, p + 4), buckets: decodeBuckets(b, p + 8, p + len) });
    p += len;
  }
  return out;
}

export function encodeGroupDescList(w: OfWriter, list: readonly GroupDesc[]): void {
  for (const d of list) {
    const start = w.pos;
    w.u16(0);
    w.u8(d.groupType);
    w.zeros(1);
    w.u32(d.groupId);
    encodeBuckets(w, d.buckets);
    w.patch16(start, w.pos - start);
  }
}

export function decodeGroupFeatures(b: Buffer, o: number): GroupFeatures {
  return {
    types: u32(b, o),
    capabilities: u32(b, o + 4),
    maxGroups: [u32(b, o + 8), u32(b, o + 12), u32(b, o + 16), u32(b, o + 20)],
    actions: [u32(b, o + 24), u32(b, o + 28), u32(b, o + 32), u32(b, o + 36)],
  };
}

export function encodeGroupFeatures(w: OfWriter, f: GroupFeatures): void {
  w.u32(f.types);
  w.u32(f.capabilities);
  for (const n of f.maxGroups) w.u32(n);
  for (const n of f.actions) w.u32(n);
}

export function decodeGroupMod(b: Buffer, o: number, end: number, version: number, xid: number): GroupModMessage {
  minLength('group_mod', end - o, 16, o);
  return { version, type: 'group_mod', xid, command: u16(b, o + 8), groupType: b[o + 10]!, groupId: u32(b, o + 12), buckets: decodeBuckets(b, o + 16, end) };
}

export function encodeGroupMod(w: OfWriter, m: GroupModMessage): void {
  w.u16(m.command);
  w.u8(m.groupType);
  w.zeros(1);
  w.u32(m.groupId);
  encodeBuckets(w, m.buckets);
}
