/** OFPT_MULTIPART_REQUEST / OFPT_MULTIPART_REPLY: the header, then one body codec per multipart type. */
import { exactLength, minLength } from './body.js';
import { OpenFlowDecodeError, OpenFlowEncodeError } from './errors.js';
import {
  AGGREGATE_STATS_LEN, decodeAggregateStats, decodeFlowStatsList, decodeFlowStatsRequest, encodeAggregateStats,
  encodeFlowStatsList, encodeFlowStatsRequest,
} from './flow-stats.js';
import {
  GROUP_FEATURES_LEN, decodeGroupDescList, decodeGroupFeatures, decodeGroupStatsList, encodeGroupDescList,
  encodeGroupFeatures, encodeGroupStatsList,
} from './group.js';
import {
  METER_FEATURES_LEN, decodeMeterConfigList, decodeMeterFeatures, decodeMeterStatsList, encodeMeterConfigList,
  encodeMeterFeatures, encodeMeterStatsList,
} from './meter.js';
import { PORT_DESC_LEN, PORT_STATS_LEN, decodePortDescription, decodePortStats, encodePortDescription, encodePortStats } from './port.js';
import { QUEUE_STATS_LEN, decodeQueueStats, encodeQueueStats } from './queue.js';
import { copyBytes, fixedString, u16, u32, u64 } from './reader.js';
import { decodeTableFeaturesList, encodeTableFeaturesList } from './table-features.js';
import { MULTIPART_KIND_NAMES } from './types.js';
import type {
  ExperimenterBody, MultipartKind, MultipartReplyBodies, MultipartReplyMessage, MultipartRequestBodies,
  MultipartRequestMessage, SwitchDesc, TableStats,
} from './types.js';
import type { OfWriter } from './writer.js';

const MULTIPART_HEADER_LEN = 16;
const DESC_STR_LEN = 256;
const SERIAL_NUM_LEN = 32;
const DESC_LEN = 4 * DESC_STR_LEN + SERIAL_NUM_LEN;
const TABLE_STATS_LEN = 24;

const KIND_NUMBERS = new Map<string, number>(Object.entries(MULTIPART_KIND_NAMES).map(([n, k]) => [k, Number(n)]));

function kindOf(b: Buffer, o: number): MultipartKind {
  const code = u16(b, o + 8);
  const kind = MULTIPART_KIND_NAMES[code];
  if (kind === undefined) throw new OpenFlowDecodeError('OFP_BAD_TYPE', `unknown multipart type ${code}`, o + 8);
  return kind;
}

/** Fixed-size records back to back (table stats, port stats, queue stats, port descriptions). */
function decodeFixedList<T>(b: Buffer, p: number, end: number, size: number, what: string, decode: (b: Buffer, o: number) => T): T[] {
  if ((end - p) % size !== 0) throw new OpenFlowDecodeError('OFP_BAD_LENGTH', `${what} body of ${end - p} bytes is not a multiple of ${size}`, p);
  const out: T[] = [];
  for (let q = p; q < end; q += size) out.push(decode(b, q));
  return out;
}

function decodeExperimenterBody(b: Buffer, p: number, end: number): ExperimenterBody {
  minLength('experimenter multipart body', end - p, 8, p);
  return { experimenter: u32(b, p), expType: u32(b, p + 4), data: copyBytes(b, p + 8, end) };
}

function encodeExperimenterBody(w: OfWriter, e: ExperimenterBody): void {
  w.u32(e.experimenter);
  w.u32(e.expType);
  w.bytes(e.data);
}

function decodeTableStats(b: Buffer, o: number): TableStats {
  return { tableId: b[o]!, activeCount: u32(b, o + 4), lookupCount: u64(b, o + 8), matchedCount: u64(b, o + 16) };
}

function decodeDesc(b: Buffer, p: number): SwitchDesc {
  return {
    mfrDesc: fixedString(b, p, DESC_STR_LEN),
    hwDesc: fixedString(b, p + DESC_STR_LEN, DESC_STR_LEN),
    swDesc: fixedString(b, p + 2 * DESC_STR_LEN, DESC_STR_LEN),
    serialNum: fixedString(b, p + 3 * DESC_STR_LEN, SERIAL_NUM_LEN),
    dpDesc: fixedString(b, p + 3 * DESC_STR_LEN + SERIAL_NUM_LEN, DESC_STR_LEN),
  };
}

function decodeRequestBody(kind: MultipartKind, b: Buffer, p: number, end: number): MultipartRequestBodies[MultipartKind] {
  const size = end - p;
  switch (kind) {
    case 'desc':
    case 'table':
    case 'group_desc':
    case 'group_features':
    case 'meter_features':
    case 'port_desc':
      exactLength(`${kind} request body`, size, 0, p);
      return null;
    case 'flow':
    case 'aggregate':
      return decodeFlowStatsRequest(b, p, end);
    case 'port_stats':
      exactLength('port stats request body', size, 8, p);
      return { portNo: u32(b, p) };
    case 'queue':
      exactLength('queue stats request body', size, 8, p);
      return { portNo: u32(b, p), queueId: u32(b, p + 4) };
    case 'group':
      exactLength('group stats request body', size, 8, p);
      return { groupId: u32(b, p) };
    case 'meter':
    case 'meter_config':
      exactLength(`${kind} request body`, size, 8, p);
      return { meterId: u32(b, p) };
    case 'table_features':
      return decodeTableFeaturesList(b, p, end);
    case 'experimenter':
      return decodeExperimenterBody(b, p, end);
  }
}

function decodeReplyBody(kind: MultipartKind, b: Buffer, p: number, end: number): MultipartReplyBodies[MultipartKind] {
  const size = end - p;
  switch (kind) {
    case 'desc':
      exactLength('desc reply body', size, DESC_LEN, p);
      return decodeDesc(b, p);
    case 'flow':
      return decodeFlowStatsList(b, p, end);
    case 'aggregate':
      exactLength('aggregate reply body', size, AGGREGATE_STATS_LEN, p);
      return decodeAggregateStats(b, p);
    case 'table':
      return decodeFixedList(b, p, end, TABLE_STATS_LEN, 'table stats', decodeTableStats);
    case 'port_stats':
      return decodeFixedList(b, p, end, PORT_STATS_LEN, 'port stats', decodePortStats);
    case 'queue':
      return decodeFixedList(b, p, end, QUEUE_STATS_LEN, 'queue stats', decodeQueueStats);
    case 'group':
      return decodeGroupStatsList(b, p, end);
    case 'group_desc':
      return decodeGroupDescList(b, p, end);
    case 'group_features':
      exactLength('group features body', size, GROUP_FEATURES_LEN, p);
      return decodeGroupFeatures(b, p);
    case 'meter':
      return decodeMeterStatsList(b, p, end);
    case 'meter_config':
      return decodeMeterConfigList(b, p, end);
    case 'meter_features':
      exactLength('meter features body', size, METER_FEATURES_LEN, p);
      return decodeMeterFeatures(b, p);
    case 'table_features':
      return decodeTableFeaturesList(b, p, end);
    case 'port_desc':
      return decodeFixedList(b, p, end, PORT_DESC_LEN, 'port desc', decodePortDescription);
    case 'experimenter':
      return decodeExperimenterBody(b, p, end);
  }
}

export function decodeMultipartRequest(b: Buffer, o: number, end: number, version: number, xid: number): MultipartRequestMessage {
  minLength('multipart_request', end - o, MULTIPART_HEADER_LEN, o);
  const mpType = kindOf(b, o);
  const body = decodeRequestBody(mpType, b, o + MULTIPART_HEADER_LEN, end);
  return { version, type: 'multipart_request', xid, mpType, flags: u16(b, o + 10), body } as MultipartRequestMessage;
}

export function decodeMultipartReply(b: Buffer, o: number, end: number, version: number, xid: number): MultipartReplyMessage {
  minLength('multipart_reply', end - o, MULTIPART_HEADER_LEN, o);
  const mpType = kindOf(b, o);
  const body = decodeReplyBody(mpType, b, o + MULTIPART_HEADER_LEN, end);
  return { version, type: 'multipart_reply', xid, mpType, flags: u16(b, o + 10), body } as MultipartReplyMessage;
}

function writeMultipartHeader(w: OfWriter, kind: MultipartKind, flags: number): void {
  const code = KIND_NUMBERS.get(kind);
  if (code === undefined) throw new OpenFlowEncodeError('OFP_ENCODE_BAD_VALUE', `unknown multipart type ${kind}`);
  w.u16(code);
  w.u16(flags);
  w.zeros(4);
}

export function encodeMultipartRequest(w: OfWriter, m: MultipartRequestMessage): void {
  writeMultipartHeader(w, m.mpType, m.flags);
  switch (m.mpType) {
    case 'flow':
    case 'aggregate':
      encodeFlowStatsRequest(w, m.body);
      return;
    case 'port_stats':
      w.u32(m.body.portNo);
      w.zeros(4);
      return;
    case 'queue':
      w.u32(m.body.portNo);
      w.u32(m.body.queueId);
      return;
    case 'group':
      w.u32(m.body.groupId);
      w.zeros(4);
      return;
    case 'meter':
    case 'meter_config':
      w.u32(m.body.meterId);
      w.zeros(4);
      return;
    case 'table_features':
      encodeTableFeaturesList(w, m.body);
      return;
    case 'experimenter':
      encodeExperimenterBody(w, m.body);
      return;
    default:
      return; // the remaining request types have no body
  }
}

export function encodeMultipartReply(w: OfWriter, m: MultipartReplyMessage): void {
  writeMultipartHeader(w, m.mpType, m.flags);
  switch (m.mpType) {
    case 'desc':
      w.fixedString(m.body.mfrDesc, DESC_STR_LEN);
      w.fixedString(m.body.hwDesc, DESC_STR_LEN);
      w.fixedString(m.body.swDesc, DESC_STR_LEN);
      w.fixedString(m.body.serialNum, SERIAL_NUM_LEN);
      w.fixedString(m.body.dpDesc, DESC_STR_LEN);
      return;
    case 'flow':
      encodeFlowStatsList(w, m.body);
      return;
    case 'aggregate':
      encodeAggregateStats(w, m.body);
      return;
    case 'table':
      for (const t of m.body) {
        w.u8(t.tableId);
        w.zeros(3);
        w.u32(t.activeCount);
        w.u64(t.lookupCount);
        w.u64(t.matchedCount);
      }
      return;
    case 'port_stats':
      for (const s of m.body) encodePortStats(w, s);
      return;
    case 'queue':
      for (const s of m.body) encodeQueueStats(w, s);
      return;
    case 'group':
      encodeGroupStatsList(w, m.body);
      return;
    case 'group_desc':
      encodeGroupDescList(w, m.body);
      return;
    case 'group_features':
      encodeGroupFeatures(w, m.body);
      return;
    case 'meter':
      encodeMeterStatsList(w, m.body);
      return;
    case 'meter_config':
      encodeMeterConfigList(w, m.body);
      return;
    case 'meter_features':
      encodeMeterFeatures(w, m.body);
      return;
    case 'table_features':
      encodeTableFeaturesList(w, m.body);
      return;
    case 'port_desc':
      for (const p of m.body) encodePortDescription(w, p);
      return;
    case 'experimenter':
      encodeExperimenterBody(w, m.body);
      return;
  }
}
