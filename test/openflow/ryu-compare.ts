/**
 * Compares a decoded message with Ryu's JSON decoding of the same bytes (the conformance
 * fixtures). Ryu names fields in snake_case and nests `{ClassName: {...}}`; this maps
 * Ryu's names and structures onto the codec's and checks every field Ryu gives, with two
 * documented exceptions:
 *  - length fields (`len`, `length`, `actions_len`, `match_len`) are not in the decoded
 *    objects; the encoder derives them, so the byte-exact re-encode in the walk proves them;
 *  - Nicira/ONF extension actions (NXAction*) are carried as opaque experimenter bytes:
 *    their experimenter id and subtype are checked, their inner fields are not;
 *  - the same holds for the ONF flow-monitor multipart body (experimenter id and type checked);
 *  - packet-out data that Ryu decodes with its packet library: Ethernet and IPv4 header
 *    fields are checked against the bytes, the ICMP payload is covered by the re-encode.
 */
import { MultipartType } from '../../controller/openflow/constants.js';
import { helloVersions } from '../../controller/openflow/hello.js';
import { BASIC_FIELDS, rawOxmKey } from '../../controller/openflow/match.js';
import type { Match, RawOxm } from '../../controller/openflow/types.js';

type Json = null | boolean | number | string | bigint | Json[] | { [k: string]: Json };
type Obj = Record<string, unknown>;

const LENGTH_FIELDS = new Set(['len', 'length', 'actions_len', 'match_len']);

/** Ryu names of Nicira NXM_1 fields used in the fixtures (class 0x0001, field number). */
const NXM1_FIELDS: Record<string, number> = {
  tunnel_id_nxm: 16, tun_ipv4_src: 31, tun_ipv4_dst: 32, pkt_mark: 33, conj_id: 37, ct_state: 105, ct_mark: 107,
};
for (let i = 0; i < 16; i++) NXM1_FIELDS[`reg${i}`] = i;

/** Ryu's ONF experimenter fields in OpenFlow 1.3 (class 0xFFFF, ONF experimenter id). */
const ONF_FIELDS: Record<string, number> = { pbb_uca: 2560 & 0x7f, tcp_flags: 42 };

/** JSON.parse that keeps integers beyond 2^53 exact (as bigint). */
export function parseRyuJson(text: string): Json {
  const quoted = text.replace(/([:[,]\s*)(-?\d{16,})(?=\s*[,\]}])/g, '$1"__big__$2"');
  return JSON.parse(quoted, (_k, v) => (typeof v === 'string' && v.startsWith('__big__') ? BigInt(v.slice(7)) : v)) as Json;
}

export const camel = (s: string): string => s.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());

function unwrap(x: Json, path: string): [string, Obj] {
  if (x === null || typeof x !== 'object' || Array.isArray(x)) throw new Error(`${path}: expected {Class: {...}}`);
  const keys = Object.keys(x);
  if (keys.length !== 1) throw new Error(`${path}: expected one class key, got ${keys.join(',')}`);
  return [keys[0]!, (x as Obj)[keys[0]!] as Obj];
}

function fail(path: string, ryu: unknown, mine: unknown): never {
  const show = (v: unknown): string => (Buffer.isBuffer(v) ? `<${v.toString('hex')}>` : typeof v === 'bigint' ? `${v}n` : JSON.stringify(v));
  throw new Error(`${path}: Ryu has ${show(ryu)}, codec has ${show(mine)}`);
}

function bytesToInt(b: Buffer): bigint {
  let v = 0n;
  for (const x of b) v = (v << 8n) | BigInt(x);
  return v;
}

/** Scalar comparison: numbers with numbers/bigints, base64 or int lists with Buffers, strings with strings. */
function scalar(path: string, ryu: unknown, mine: unknown): void {
  if (Buffer.isBuffer(mine)) {
    let expected: Buffer;
    if (typeof ryu === 'string') expected = Buffer.from(ryu, 'base64');
    else if (Array.isArray(ryu) && ryu.length * 4 === mine.length) {
      // Ryu gives table-features experimenter data as a list of 32-bit words.
      expected = Buffer.alloc(mine.length);
      (ryu as number[]).forEach((word, i) => expected.writeUInt32BE(word, 4 * i));
    } else if (Array.isArray(ryu)) expected = Buffer.from(ryu as number[]);
    else fail(path, ryu, mine);
    if (!expected.equals(mine)) fail(path, ryu, mine);
    return;
  }
  if (typeof ryu === 'number' || typeof ryu === 'bigint') {
    if ((typeof mine !== 'number' && typeof mine !== 'bigint') || BigInt(ryu) !== BigInt(mine)) fail(path, ryu, mine);
    return;
  }
  if (ryu !== mine) fail(path, ryu, mine);
}

/** Compares Ryu's fields generically: snake -> camel, with per-class renames; lengths skipped. */
function fields(path: string, ryu: Obj, mine: Obj, renames: Record<string, string | null> = {}): void {
  for (const [k, v] of Object.entries(ryu)) {
    if (LENGTH_FIELDS.has(k)) continue;
    const rename = renames[k];
    if (rename === null) continue; // compared by the caller
    const key = rename ?? camel(k);
    if (!(key in mine)) fail(`${path}.${k}`, v, undefined);
    value(`${path}.${k}`, v as Json, mine[key]);
  }
}

function value(path: string, ryu: Json, mine: unknown): void {
  if (Array.isArray(ryu)) {
    if (!Array.isArray(mine) && !Buffer.isBuffer(mine)) fail(path, ryu, mine);
    if (Buffer.isBuffer(mine)) return scalar(path, ryu, mine);
    const list = mine as unknown[];
    if (list.length !== ryu.length) fail(`${path}.length`, ryu.length, list.length);
    ryu.forEach((r, i) => value(`${path}[${i}]`, r, list[i]));
    return;
  }
  if (ryu !== null && typeof ryu === 'object' && typeof ryu !== 'bigint') {
    const [cls, body] = unwrap(ryu, path);
    return structure(`${path}/${cls}`, cls, body, mine as Obj);
  }
  scalar(path, ryu, mine);
}

const ACTION_NAMES: Record<string, [string, number]> = {
  OFPActionOutput: ['output', 0], OFPActionCopyTtlOut: ['copy_ttl_out', 11], OFPActionCopyTtlIn: ['copy_ttl_in', 12],
  OFPActionSetMplsTtl: ['set_mpls_ttl', 15], OFPActionDecMplsTtl: ['dec_mpls_ttl', 16], OFPActionPushVlan: ['push_vlan', 17],
  OFPActionPopVlan: ['pop_vlan', 18], OFPActionPushMpls: ['push_mpls', 19], OFPActionPopMpls: ['pop_mpls', 20],
  OFPActionSetQueue: ['set_queue', 21], OFPActionGroup: ['group', 22], OFPActionSetNwTtl: ['set_nw_ttl', 23],
  OFPActionDecNwTtl: ['dec_nw_ttl', 24], OFPActionSetField: ['set_field', 25], OFPActionPushPbb: ['push_pbb', 26],
  OFPActionPopPbb: ['pop_pbb', 27], OFPActionExperimenterUnknown: ['experimenter', 0xffff],
};
const INSTRUCTION_NAMES: Record<number, string> = {
  1: 'goto_table', 2: 'write_metadata', 3: 'write_actions', 4: 'apply_actions', 5: 'clear_actions', 6: 'meter', 0xffff: 'experimenter',
};
const BAND_NAMES: Record<string, string> = { OFPMeterBandDrop: 'drop', OFPMeterBandDscpRemark: 'dscp_remark', OFPMeterBandExperimenter: 'experimenter' };
const QUEUE_PROP_NAMES: Record<string, string> = { OFPQueuePropMinRate: 'min_rate', OFPQueuePropMaxRate: 'max_rate', OFPQueuePropExperimenter: 'experimenter' };
const TABLE_PROP_TYPES: Record<number, string> = {
  0: 'instructions', 1: 'instructions_miss', 2: 'next_tables', 3: 'next_tables_miss', 4: 'write_actions', 5: 'write_actions_miss',
  6: 'apply_actions', 7: 'apply_actions_miss', 8: 'match', 10: 'wildcards', 12: 'write_setfield', 13: 'write_setfield_miss',
  14: 'apply_setfield', 15: 'apply_setfield_miss', 0xfffe: 'experimenter', 0xffff: 'experimenter_miss',
};

/** Ryu message class -> [codec type, multipart kind]. */
const MESSAGE_CLASSES: Record<string, [string, string?]> = {
  OFPHello: ['hello'], OFPErrorMsg: ['error'], OFPEchoRequest: ['echo_request'], OFPEchoReply: ['echo_reply'],
  OFPExperimenter: ['experimenter'], OFPFeaturesRequest: ['features_request'], OFPSwitchFeatures: ['features_reply'],
  OFPGetConfigRequest: ['get_config_request'], OFPGetConfigReply: ['get_config_reply'], OFPSetConfig: ['set_config'],
  OFPPacketIn: ['packet_in'], OFPFlowRemoved: ['flow_removed'], OFPPortStatus: ['port_status'], OFPPacketOut: ['packet_out'],
  OFPFlowMod: ['flow_mod'], OFPGroupMod: ['group_mod'], OFPPortMod: ['port_mod'], OFPTableMod: ['table_mod'],
  OFPBarrierRequest: ['barrier_request'], OFPBarrierReply: ['barrier_reply'],
  OFPQueueGetConfigRequest: ['queue_get_config_request'], OFPQueueGetConfigReply: ['queue_get_config_reply'],
  OFPRoleRequest: ['role_request'], OFPRoleReply: ['role_reply'], OFPGetAsyncRequest: ['get_async_request'],
  OFPGetAsyncReply: ['get_async_reply'], OFPSetAsync: ['set_async'], OFPMeterMod: ['meter_mod'],
  OFPDescStatsRequest: ['multipart_request', 'desc'], OFPDescStatsReply: ['multipart_reply', 'desc'],
  OFPFlowStatsRequest: ['multipart_request', 'flow'], OFPFlowStatsReply: ['multipart_reply', 'flow'],
  OFPAggregateStatsRequest: ['multipart_request', 'aggregate'], OFPAggregateStatsReply: ['multipart_reply', 'aggregate'],
  OFPTableStatsRequest: ['multipart_request', 'table'], OFPTableStatsReply: ['multipart_reply', 'table'],
  OFPPortStatsRequest: ['multipart_request', 'port_stats'], OFPPortStatsReply: ['multipart_reply', 'port_stats'],
  OFPQueueStatsRequest: ['multipart_request', 'queue'], OFPQueueStatsReply: ['multipart_reply', 'queue'],
  OFPGroupStatsRequest: ['multipart_request', 'group'], OFPGroupStatsReply: ['multipart_reply', 'group'],
  OFPGroupDescStatsRequest: ['multipart_request', 'group_desc'], OFPGroupDescStatsReply: ['multipart_reply', 'group_desc'],
  OFPGroupFeaturesStatsRequest: ['multipart_request', 'group_features'], OFPGroupFeaturesStatsReply: ['multipart_reply', 'group_features'],
  OFPMeterStatsRequest: ['multipart_request', 'meter'], OFPMeterStatsReply: ['multipart_reply', 'meter'],
  OFPMeterConfigStatsRequest: ['multipart_request', 'meter_config'], OFPMeterConfigStatsReply: ['multipart_reply', 'meter_config'],
  OFPMeterFeaturesStatsRequest: ['multipart_request', 'meter_features'], OFPMeterFeaturesStatsReply: ['multipart_reply', 'meter_features'],
  OFPTableFeaturesStatsRequest: ['multipart_request', 'table_features'], OFPTableFeaturesStatsReply: ['multipart_reply', 'table_features'],
  OFPPortDescStatsRequest: ['multipart_request', 'port_desc'], OFPPortDescStatsReply: ['multipart_reply', 'port_desc'],
  OFPExperimenterStatsRequest: ['multipart_request', 'experimenter'], OFPExperimenterStatsReply: ['multipart_reply', 'experimenter'],
  ONFFlowMonitorStatsRequest: ['multipart_request', 'experimenter'],
};

const MP_NUMBERS: Record<string, number> = Object.fromEntries(
  Object.entries(MultipartType).map(([k, v]) => [k.toLowerCase() === 'port_stats' ? 'port_stats' : k.toLowerCase(), v]),
);

/** Which Match key holds the OXM Ryu calls `name`. */
function matchKeyFor(name: string): string {
  const basic = BASIC_FIELDS.find((f) => f.key === camel(name));
  if (basic && !(name in ONF_FIELDS && name !== 'tcp_flags')) return basic.key;
  if (name in NXM1_FIELDS) return rawOxmKey(1, NXM1_FIELDS[name]!);
  if (name in ONF_FIELDS) return rawOxmKey(0xffff, ONF_FIELDS[name]!, 0x4f4e4600);
  throw new Error(`no mapping for Ryu OXM field ${name}`);
}

/** A raw OXM's value as Ryu prints it: dotted quad for the NXM tunnel addresses, otherwise an integer. */
function oxmValue(path: string, ryu: Json, name: string, raw: RawOxm): void {
  // ONF EXT-256 fields (pbb_uca) put a 16-bit experimenter type before the value.
  const value = name === 'pbb_uca' ? raw.value.subarray(2) : raw.value;
  if (typeof ryu === 'string') return scalar(path, ryu, [...value].join('.'));
  scalar(path, ryu, bytesToInt(value));
}

function matchFields(path: string, oxmFields: Json[], m: Match): void {
  const keysInOrder = Object.keys(m).filter((k) => (m as Obj)[k] !== undefined && !k.endsWith('Mask') && k !== 'tcpFlagsEncoding');
  if (keysInOrder.length !== oxmFields.length) fail(`${path}.oxm_fields.length`, oxmFields.length, keysInOrder);
  oxmFields.forEach((tlv, i) => {
    const [, f] = unwrap(tlv, path);
    const key = matchKeyFor(f.field as string);
    if (keysInOrder[i] !== key) fail(`${path}.oxm_fields[${i}].field`, f.field, keysInOrder[i]);
    const mine = (m as Obj)[key];
    const p = `${path}.oxm_fields[${i}]`;
    if (key.startsWith('oxm:')) {
      const raw = mine as RawOxm;
      oxmValue(`${p}.value`, f.value as Json, f.field as string, raw);
      if (f.mask === null) {
        if (raw.hasMask) fail(`${p}.mask`, null, raw.mask);
      } else scalar(`${p}.mask`, f.mask, bytesToInt(raw.mask!));
      return;
    }
    scalar(`${p}.value`, f.value, mine);
    const mask = (m as Obj)[`${key}Mask`];
    if (f.mask === null) {
      if (mask !== undefined) fail(`${p}.mask`, null, mask);
    } else scalar(`${p}.mask`, f.mask, mask);
  });
}

function oxmIdName(header: number, experimenter?: number): string {
  const cls = header >>> 16;
  const field = (header >>> 9) & 0x7f;
  if (cls === 0x8000) return BASIC_FIELDS.find((f) => f.field === field)!.key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
  if (cls === 1) return Object.entries(NXM1_FIELDS).find(([, n]) => n === field)![0];
  if (cls === 0xffff && experimenter === 0x4f4e4600) return Object.entries(ONF_FIELDS).find(([, n]) => n === field)![0];
  return `unknown_${cls}_${field}`;
}

/**
 * Ryu decodes packet-out data with its packet library; the codec keeps the frame as
 * bytes. The Ethernet and IPv4 headers Ryu reports are checked against those bytes.
 */
function packetHeaders(path: string, r: Obj, data: Buffer): void {
  if (!Buffer.isBuffer(data)) fail(path, 'Packet', data);
  const protocols = r.protocols as Json[];
  const [, eth] = unwrap(protocols[0]!, path);
  const mac = (o: number): string => [...data.subarray(o, o + 6)].map((x) => x.toString(16).padStart(2, '0')).join(':');
  scalar(`${path}.ethernet.dst`, eth.dst, mac(0));
  scalar(`${path}.ethernet.src`, eth.src, mac(6));
  scalar(`${path}.ethernet.ethertype`, eth.ethertype, data.readUInt16BE(12));
  const [, ip] = unwrap(protocols[1]!, path);
  scalar(`${path}.ipv4.src`, ip.src, [...data.subarray(26, 30)].join('.'));
  scalar(`${path}.ipv4.dst`, ip.dst, [...data.subarray(30, 34)].join('.'));
  scalar(`${path}.ipv4.proto`, ip.proto, data[23]);
  scalar(`${path}.ipv4.ttl`, ip.ttl, data[22]);
  scalar(`${path}.ipv4.total_length`, ip.total_length, data.readUInt16BE(16));
}

function structure(path: string, cls: string, r: Obj, mine: Obj): void {
  if (mine === undefined || mine === null) fail(path, cls, mine);
  if (cls in MESSAGE_CLASSES) return message(path, cls, r, mine);
  if (cls in ACTION_NAMES) {
    const [name, code] = ACTION_NAMES[cls]!;
    if (mine.type !== name || r.type !== code) fail(`${path}.type`, r.type, mine.type);
    if (cls === 'OFPActionSetField') return matchFields(`${path}.field`, [r.field as Json], mine.field as Match);
    return fields(path, r, mine, { type: null });
  }
  if (cls.startsWith('NXAction')) {
    if (mine.type !== 'experimenter' || r.type !== 0xffff) fail(`${path}.type`, r.type, mine.type);
    scalar(`${path}.experimenter`, r.experimenter, mine.experimenter);
    scalar(`${path}.subtype`, r.subtype, (mine.data as Buffer).readUInt16BE(0));
    return;
  }
  switch (cls) {
    case 'OFPMatch':
      if (r.type !== 1) fail(`${path}.type`, r.type, 1);
      return matchFields(path, r.oxm_fields as Json[], mine as Match);
    case 'OFPInstructionGotoTable':
    case 'OFPInstructionActions':
    case 'OFPInstructionMeter':
    case 'OFPInstructionWriteMetadata':
      if (mine.type !== INSTRUCTION_NAMES[r.type as number]) fail(`${path}.type`, r.type, mine.type);
      if (mine.type === 'clear_actions') {
        if ((r.actions as Json[]).length !== 0) fail(`${path}.actions`, r.actions, []);
        return;
      }
      return fields(path, r, mine, { type: null });
    case 'OFPHelloElemVersionBitmap':
      if (r.type !== 1 || mine.type !== 'versionbitmap') fail(`${path}.type`, r.type, mine.type);
      return value(`${path}.versions`, r.versions as Json, helloVersions([mine as never]));
    case 'OFPPort':
    case 'OFPBucket':
    case 'OFPFlowStats':
    case 'OFPAggregateStats':
    case 'OFPTableStats':
    case 'OFPPortStats':
    case 'OFPQueueStats':
    case 'OFPGroupDescStats':
    case 'OFPDescStats':
    case 'OFPMeterConfigStats':
    case 'OFPMeterFeaturesStats':
    case 'OFPPacketQueue':
      return fields(path, r, mine, { type: 'groupType' });
    case 'OFPGroupStats':
      return fields(path, r, mine, { bucket_stats: 'bucketStats' });
    case 'OFPBucketCounter':
      return fields(path, r, mine);
    case 'OFPMeterStats':
      return fields(path, r, mine, { band_stats: 'bandStats' });
    case 'OFPMeterBandStats':
      return fields(path, r, mine);
    case 'OFPGroupFeaturesStats':
      return fields(path, r, mine, { max_groups: 'maxGroups' });
    case 'OFPTableFeaturesStats':
      return fields(path, r, mine);
    case 'OFPMeterBandDrop':
    case 'OFPMeterBandDscpRemark':
    case 'OFPMeterBandExperimenter':
      if (mine.type !== BAND_NAMES[cls]) fail(`${path}.type`, r.type, mine.type);
      return fields(path, r, mine, { type: null });
    case 'OFPQueuePropMinRate':
    case 'OFPQueuePropMaxRate':
    case 'OFPQueuePropExperimenter':
      if (mine.type !== QUEUE_PROP_NAMES[cls]) fail(`${path}.property`, r.property, mine.type);
      return fields(path, r, mine, { property: null });
    case 'OFPTableFeaturePropInstructions':
    case 'OFPTableFeaturePropNextTables':
    case 'OFPTableFeaturePropActions':
    case 'OFPTableFeaturePropOxm':
    case 'OFPTableFeaturePropExperimenter':
      if (mine.type !== TABLE_PROP_TYPES[r.type as number]) fail(`${path}.type`, r.type, mine.type);
      if ('oxm_ids' in r) {
        const ids = mine.oxmIds as { header: number; experimenter?: number }[];
        const ryuIds = r.oxm_ids as Json[];
        if (ids.length !== ryuIds.length) fail(`${path}.oxm_ids.length`, ryuIds.length, ids.length);
        ryuIds.forEach((id, i) => {
          const [, o] = unwrap(id, path);
          const h = ids[i]!.header;
          if (o.type !== oxmIdName(h, ids[i]!.experimenter)) fail(`${path}.oxm_ids[${i}].type`, o.type, oxmIdName(h, ids[i]!.experimenter));
          scalar(`${path}.oxm_ids[${i}].hasmask`, o.hasmask, (h >>> 8) & 1);
          scalar(`${path}.oxm_ids[${i}].length`, o.length, h & 0xff);
        });
        return;
      }
      return fields(path, r, mine, { type: null, instruction_ids: 'ids', action_ids: 'ids', table_ids: 'tableIds' });
    case 'OFPInstructionId':
    case 'OFPActionId':
      scalar(`${path}.type`, r.type, mine.type);
      scalar(`${path}.len`, r.len, 4 + ((mine.data as Buffer | undefined)?.length ?? 0));
      return;
    case 'OFPExperimenterMultipart':
      return fields(path, r, mine);
    case 'Packet':
      return packetHeaders(path, r, mine as unknown as Buffer);
    default:
      throw new Error(`${path}: no comparison for Ryu class ${cls}`);
  }
}

function message(path: string, cls: string, r: Obj, m: Obj): void {
  const [type, kind] = MESSAGE_CLASSES[cls]!;
  if (m.type !== type) fail(`${path}.(type)`, type, m.type);
  if (kind !== undefined) {
    if (m.mpType !== kind) fail(`${path}.(mpType)`, kind, m.mpType);
    scalar(`${path}.type`, r.type, MP_NUMBERS[kind]);
    scalar(`${path}.flags`, r.flags, m.flags);
    const body = m.body as Obj;
    if (cls === 'ONFFlowMonitorStatsRequest') {
      // Ryu decodes the ONF flow-monitor body; the codec keeps experimenter bodies opaque.
      scalar(`${path}.experimenter`, r.experimenter, body.experimenter);
      scalar(`${path}.exp_type`, r.exp_type, body.expType);
      return;
    }
    if ('body' in r) {
      // Ryu wraps single-record reply bodies (meter features) in a one-element list.
      const ryuBody = Array.isArray(r.body) && !Array.isArray(body) && r.body.length === 1 ? r.body[0]! : r.body;
      return value(`${path}.body`, ryuBody as Json, body);
    }
    // Request bodies are flattened into the Ryu message.
    const rest = Object.fromEntries(Object.entries(r).filter(([k]) => k !== 'type' && k !== 'flags'));
    if (Object.keys(rest).length === 0) return;
    return fields(path, rest, body, { body: null });
  }
  switch (type) {
    case 'error':
      scalar(`${path}.type`, r.type, m.errorType);
      if (r.type === 0xffff) {
        scalar(`${path}.exp_type`, r.exp_type, m.code);
        return fields(path, r, m, { type: null, code: null, exp_type: null });
      }
      return fields(path, r, m, { type: null });
    case 'features_reply':
      return fields(path, r, m, { datapath_id: 'dpid' });
    case 'port_status':
      return fields(path, r, m, { desc: 'port' });
    case 'group_mod':
      return fields(path, r, m, { type: 'groupType' });
    default:
      return fields(path, r, m);
  }
}

/** Compares a decoded message with the Ryu JSON text for the same bytes; throws on the first difference. */
export function compareWithRyu(ryuJson: Json, decoded: unknown, file: string): void {
  value(file, ryuJson, decoded);
}
