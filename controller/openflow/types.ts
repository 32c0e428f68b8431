/**
 * The decoded form of every OpenFlow 1.3 message: a tagged union on `type`. Field names
 * are the spec's in camelCase; 64-bit values are bigint so round trips are exact; MAC and
 * IP addresses are text. `decode(encode(m))` deep-equals `m` and `encode(decode(b))` is
 * byte-identical to `b` for every well-formed message (padding is written as zeros).
 */

// ---------------------------------------------------------------------------------------
// Match (OXM)
// ---------------------------------------------------------------------------------------

/**
 * An OXM TLV the codec has no friendly field for (Nicira NXM registers, ct_state, other
 * experimenter fields, later-version basic fields, or a basic field of unexpected shape).
 * Carried as bytes so nothing is lost.
 */
export interface RawOxm {
  oxmClass: number;
  field: number;
  hasMask: boolean;
  /** Only for oxmClass 0xFFFF: the experimenter id that follows the header. */
  experimenter?: number;
  /** The payload after the header (and experimenter id); without the mask. */
  value: Buffer;
  mask?: Buffer;
}

/** Key under which a RawOxm sits in a Match: `oxm:<class hex4>:<field>` or `oxm:ffff:<exp hex8>:<field>`. */
export type RawOxmKey = `oxm:${string}`;

/**
 * An OXM match as a flat object. Key order is wire order: the decoder inserts fields in
 * the order they arrived and the encoder writes them in key order, so re-encoding is byte
 * exact. `xMask` sits with `x`; a field without its mask key is unmasked.
 */
export interface Match {
  inPort?: number;
  inPhyPort?: number;
  metadata?: bigint;
  metadataMask?: bigint;
  ethDst?: string;
  ethDstMask?: string;
  ethSrc?: string;
  ethSrcMask?: string;
  ethType?: number;
  /** Includes the OFPVID_PRESENT bit (0x1000) as on the wire. */
  vlanVid?: number;
  vlanVidMask?: number;
  vlanPcp?: number;
  ipDscp?: number;
  ipEcn?: number;
  ipProto?: number;
  ipv4Src?: string;
  ipv4SrcMask?: string;
  ipv4Dst?: string;
  ipv4DstMask?: string;
  tcpSrc?: number;
  tcpDst?: number;
  udpSrc?: number;
  udpDst?: number;
  sctpSrc?: number;
  sctpDst?: number;
  icmpv4Type?: number;
  icmpv4Code?: number;
  arpOp?: number;
  arpSpa?: string;
  arpSpaMask?: string;
  arpTpa?: string;
  arpTpaMask?: string;
  arpSha?: string;
  arpShaMask?: string;
  arpTha?: string;
  arpThaMask?: string;
  ipv6Src?: string;
  ipv6SrcMask?: string;
  ipv6Dst?: string;
  ipv6DstMask?: string;
  ipv6Flabel?: number;
  ipv6FlabelMask?: number;
  icmpv6Type?: number;
  icmpv6Code?: number;
  ipv6NdTarget?: string;
  ipv6NdSll?: string;
  ipv6NdTll?: string;
  mplsLabel?: number;
  mplsTc?: number;
  mplsBos?: number;
  pbbIsid?: number;
  pbbIsidMask?: number;
  tunnelId?: bigint;
  tunnelIdMask?: bigint;
  ipv6Exthdr?: number;
  ipv6ExthdrMask?: number;
  pbbUca?: number;
  tcpFlags?: number;
  tcpFlagsMask?: number;
  /**
   * tcp_flags is written as the standard OXM field 42 (Open vSwitch accepts it in 1.3).
   * The decoder also reads the ONF experimenter form (class 0xFFFF, experimenter
   * 0x4F4E4600, field 42) and then sets this to 'onf' so re-encoding keeps that form.
   */
  tcpFlagsEncoding?: 'onf';
  [raw: RawOxmKey]: RawOxm | undefined;
}

// ---------------------------------------------------------------------------------------
// Actions and instructions
// ---------------------------------------------------------------------------------------

export type Action =
  | { type: 'output'; port: number; maxLen: number }
  | { type: 'copy_ttl_out' }
  | { type: 'copy_ttl_in' }
  | { type: 'set_mpls_ttl'; mplsTtl: number }
  | { type: 'dec_mpls_ttl' }
  | { type: 'push_vlan'; ethertype: number }
  | { type: 'pop_vlan' }
  | { type: 'push_mpls'; ethertype: number }
  | { type: 'pop_mpls'; ethertype: number }
  | { type: 'set_queue'; queueId: number }
  | { type: 'group'; groupId: number }
  | { type: 'set_nw_ttl'; nwTtl: number }
  | { type: 'dec_nw_ttl' }
  /** `field` holds exactly one match field (friendly or raw). */
  | { type: 'set_field'; field: Match }
  | { type: 'push_pbb'; ethertype: number }
  | { type: 'pop_pbb' }
  /** Experimenter actions (Nicira and others): the bytes after the experimenter id, padding included. */
  | { type: 'experimenter'; experimenter: number; data: Buffer }
  | { type: 'unknown'; actionType: number; data: Buffer };

export type ActionTypeName = Action['type'];

export type Instruction =
  | { type: 'goto_table'; tableId: number }
  | { type: 'write_metadata'; metadata: bigint; metadataMask: bigint }
  | { type: 'write_actions'; actions: Action[] }
  | { type: 'apply_actions'; actions: Action[] }
  | { type: 'clear_actions' }
  | { type: 'meter'; meterId: number }
  | { type: 'experimenter'; experimenter: number; data: Buffer }
  | { type: 'unknown'; instructionType: number; data: Buffer };

// ---------------------------------------------------------------------------------------
// Shared structures
// ---------------------------------------------------------------------------------------

export type HelloElement =
  | { type: 'versionbitmap'; bitmaps: number[] }
  | { type: 'unknown'; elementType: number; data: Buffer };

/** ofp_port (64 bytes). */
export interface PortDescription {
  portNo: number;
  hwAddr: string;
  name: string;
  config: number;
  state: number;
  curr: number;
  advertised: number;
  supported: number;
  peer: number;
  currSpeed: number;
  maxSpeed: number;
}

export interface Bucket {
  weight: number;
  watchPort: number;
  watchGroup: number;
  actions: Action[];
}

export type MeterBand =
  | { type: 'drop'; rate: number; burstSize: number }
  | { type: 'dscp_remark'; rate: number; burstSize: number; precLevel: number }
  | { type: 'experimenter'; rate: number; burstSize: number; experimenter: number; data: Buffer }
  | { type: 'unknown'; bandType: number; rate: number; burstSize: number; data: Buffer };

export type QueueProperty =
  | { type: 'min_rate'; rate: number }
  | { type: 'max_rate'; rate: number }
  | { type: 'experimenter'; experimenter: number; data: Buffer }
  | { type: 'unknown'; propertyType: number; data: Buffer };

export interface PacketQueue {
  queueId: number;
  port: number;
  properties: QueueProperty[];
}

/** An instruction or action id in table features: its type, plus any bytes after the 4-byte header (experimenter id...). */
export interface TlvId {
  type: number;
  data?: Buffer;
}

/** An OXM id in table features: the 32-bit OXM header, plus the experimenter id for class 0xFFFF. */
export interface OxmId {
  header: number;
  experimenter?: number;
}

export type TableFeatureProperty =
  | { type: 'instructions' | 'instructions_miss'; ids: TlvId[] }
  | { type: 'next_tables' | 'next_tables_miss'; tableIds: number[] }
  | {
    type: 'write_actions' | 'write_actions_miss' | 'apply_actions' | 'apply_actions_miss';
    ids: TlvId[];
  }
  | {
    type: 'match' | 'wildcards' | 'write_setfield' | 'write_setfield_miss' | 'apply_setfield' | 'apply_setfield_miss';
    oxmIds: OxmId[];
  }
  | { type: 'experimenter' | 'experimenter_miss'; experimenter: number; expType: number; data: Buffer }
  | { type: 'unknown'; propertyType: number; data: Buffer };

export interface TableFeatures {
  tableId: number;
  name: string;
  metadataMatch: bigint;
  metadataWrite: bigint;
  config: number;
  maxEntries: number;
  properties: TableFeatureProperty[];
}

export interface FlowStats {
  tableId: number;
  durationSec: number;
  durationNsec: number;
  priority: number;
  idleTimeout: number;
  hardTimeout: number;
  flags: number;
  cookie: bigint;
  packetCount: bigint;
  byteCount: bigint;
  match: Match;
  instructions: Instruction[];
}

export interface FlowStatsRequest {
  tableId: number;
  outPort: number;
  outGroup: number;
  cookie: bigint;
  cookieMask: bigint;
  match: Match;
}

export interface AggregateStats {
  packetCount: bigint;
  byteCount: bigint;
  flowCount: number;
}

export interface TableStats {
  tableId: number;
  activeCount: number;
  lookupCount: bigint;
  matchedCount: bigint;
}

export interface PortStats {
  portNo: number;
  rxPackets: bigint;
  txPackets: bigint;
  rxBytes: bigint;
  txBytes: bigint;
  rxDropped: bigint;
  txDropped: bigint;
  rxErrors: bigint;
  txErrors: bigint;
  rxFrameErr: bigint;
  rxOverErr: bigint;
  rxCrcErr: bigint;
  collisions: bigint;
  durationSec: number;
  durationNsec: number;
}

export interface QueueStats {
  portNo: number;
  queueId: number;
  txBytes: bigint;
  txPackets: bigint;
  txErrors: bigint;
  durationSec: number;
  durationNsec: number;
}

export interface GroupStats {
  groupId: number;
  refCount: number;
  packetCount: bigint;
  byteCount: bigint;
  durationSec: number;
  durationNsec: number;
  bucketStats: { packetCount: bigint; byteCount: bigint }[];
}

export interface GroupDesc {
  groupType: number;
  groupId: number;
  buckets: Bucket[];
}

export interface GroupFeatures {
  types: number;
  capabilities: number;
  /** Indexed by group type (all, select, indirect, fast failover). */
  maxGroups: [number, number, number, number];
  actions: [number, number, number, number];
}

export interface MeterStats {
  meterId: number;
  flowCount: number;
  packetInCount: bigint;
  byteInCount: bigint;
  durationSec: number;
  durationNsec: number;
  bandStats: { packetBandCount: bigint; byteBandCount: bigint }[];
}

export interface MeterConfig {
  flags: number;
  meterId: number;
  bands: MeterBand[];
}

export interface MeterFeatures {
  maxMeter: number;
  bandTypes: number;
  capabilities: number;
  maxBands: number;
  maxColor: number;
}

export interface SwitchDesc {
  mfrDesc: string;
  hwDesc: string;
  swDesc: string;
  serialNum: string;
  dpDesc: string;
}

export interface ExperimenterBody {
  experimenter: number;
  expType: number;
  data: Buffer;
}

/** Request body per multipart type. `null` where the request has no body. */
export interface MultipartRequestBodies {
  desc: null;
  flow: FlowStatsRequest;
  aggregate: FlowStatsRequest;
  table: null;
  port_stats: { portNo: number };
  queue: { portNo: number; queueId: number };
  group: { groupId: number };
  group_desc: null;
  group_features: null;
  meter: { meterId: number };
  meter_config: { meterId: number };
  meter_features: null;
  table_features: TableFeatures[];
  port_desc: null;
  experimenter: ExperimenterBody;
}

export interface MultipartReplyBodies {
  desc: SwitchDesc;
  flow: FlowStats[];
  aggregate: AggregateStats;
  table: TableStats[];
  port_stats: PortStats[];
  queue: QueueStats[];
  group: GroupStats[];
  group_desc: GroupDesc[];
  group_features: GroupFeatures;
  meter: MeterStats[];
  meter_config: MeterConfig[];
  meter_features: MeterFeatures;
  table_features: TableFeatures[];
  port_desc: PortDescription[];
  experimenter: ExperimenterBody;
}

export type MultipartKind = keyof MultipartRequestBodies;

// ---------------------------------------------------------------------------------------
// Messages
// ---------------------------------------------------------------------------------------

export interface Header<T extends string> {
  /** 4 for OpenFlow 1.3; hello and error may carry another version during negotiation. */
  version: number;
  type: T;
  xid: number;
}

export interface HelloMessage extends Header<'hello'> {
  elements: HelloElement[];
}
export interface ErrorMessage extends Header<'error'> {
  errorType: number;
  /** The error code; for errorType 0xFFFF (experimenter) this is exp_type. */
  code: number;
  /** Only when errorType is 0xFFFF. */
  experimenter?: number;
  data: Buffer;
}
export interface EchoRequestMessage extends Header<'echo_request'> {
  data: Buffer;
}
export interface EchoReplyMessage extends Header<'echo_reply'> {
  data: Buffer;
}
export interface ExperimenterMessage extends Header<'experimenter'>, ExperimenterBody {}
export type FeaturesRequestMessage = Header<'features_request'>;
export interface FeaturesReplyMessage extends Header<'features_reply'> {
  dpid: bigint;
  nBuffers: number;
  nTables: number;
  auxiliaryId: number;
  capabilities: number;
  reserved: number;
}
export type GetConfigRequestMessage = Header<'get_config_request'>;
export interface GetConfigReplyMessage extends Header<'get_config_reply'> {
  flags: number;
  missSendLen: number;
}
export interface SetConfigMessage extends Header<'set_config'> {
  flags: number;
  missSendLen: number;
}
export interface PacketInMessage extends Header<'packet_in'> {
  bufferId: number;
  totalLen: number;
  reason: number;
  tableId: number;
  cookie: bigint;
  match: Match;
  data: Buffer;
}
export interface FlowRemovedMessage extends Header<'flow_removed'> {
  cookie: bigint;
  priority: number;
  reason: number;
  tableId: number;
  durationSec: number;
  durationNsec: number;
  idleTimeout: number;
  hardTimeout: number;
  packetCount: bigint;
  byteCount: bigint;
  match: Match;
}
export interface PortStatusMessage extends Header<'port_status'> {
  reason: number;
  port: PortDescription;
}
export interface PacketOutMessage extends Header<'packet_out'> {
  bufferId: number;
  inPort: number;
  actions: Action[];
  data: Buffer;
}
export interface FlowModMessage extends Header<'flow_mod'> {
  cookie: bigint;
  cookieMask: bigint;
  tableId: number;
  command: number;
  idleTimeout: number;
  hardTimeout: number;
  priority: number;
  bufferId: number;
  outPort: number;
  outGroup: number;
  flags: number;
  match: Match;
  instructions: Instruction[];
}
export interface GroupModMessage extends Header<'group_mod'> {
  command: number;
  groupType: number;
  groupId: number;
  buckets: Bucket[];
}
export interface PortModMessage extends Header<'port_mod'> {
  portNo: number;
  hwAddr: string;
  config: number;
  mask: number;
  advertise: number;
}
export interface TableModMessage extends Header<'table_mod'> {
  tableId: number;
  config: number;
}

type MultipartRequestVariants = {
  [K in MultipartKind]: Header<'multipart_request'> & { mpType: K; flags: number; body: MultipartRequestBodies[K] };
};
type MultipartReplyVariants = {
  [K in MultipartKind]: Header<'multipart_reply'> & { mpType: K; flags: number; body: MultipartReplyBodies[K] };
};
/** Narrow on `mpType` to get the body type: `if (m.mpType === 'flow') m.body // FlowStats[]`. */
export type MultipartRequestMessage = MultipartRequestVariants[MultipartKind];
export type MultipartReplyMessage = MultipartReplyVariants[MultipartKind];
export type MultipartRequestOf<K extends MultipartKind> = MultipartRequestVariants[K];
export type MultipartReplyOf<K extends MultipartKind> = MultipartReplyVariants[K];

export type BarrierRequestMessage = Header<'barrier_request'>;
export type BarrierReplyMessage = Header<'barrier_reply'>;
export interface QueueGetConfigRequestMessage extends Header<'queue_get_config_request'> {
  port: number;
}
export interface QueueGetConfigReplyMessage extends Header<'queue_get_config_reply'> {
  port: number;
  queues: PacketQueue[];
}
export interface RoleRequestMessage extends Header<'role_request'> {
  role: number;
  generationId: bigint;
}
export interface RoleReplyMessage extends Header<'role_reply'> {
  role: number;
  generationId: bigint;
}
export type GetAsyncRequestMessage = Header<'get_async_request'>;
/** Each mask pair is [master/equal role, slave role]. */
export interface AsyncConfig {
  packetInMask: [number, number];
  portStatusMask: [number, number];
  flowRemovedMask: [number, number];
}
export interface GetAsyncReplyMessage extends Header<'get_async_reply'>, AsyncConfig {}
export interface SetAsyncMessage extends Header<'set_async'>, AsyncConfig {}
export interface MeterModMessage extends Header<'meter_mod'> {
  command: number;
  flags: number;
  meterId: number;
  bands: MeterBand[];
}

export type OfpMessage =
  | HelloMessage
  | ErrorMessage
  | EchoRequestMessage
  | EchoReplyMessage
  | ExperimenterMessage
  | FeaturesRequestMessage
  | FeaturesReplyMessage
  | GetConfigRequestMessage
  | GetConfigReplyMessage
  | SetConfigMessage
  | PacketInMessage
  | FlowRemovedMessage
  | PortStatusMessage
  | PacketOutMessage
  | FlowModMessage
  | GroupModMessage
  | PortModMessage
  | TableModMessage
  | MultipartRequestMessage
  | MultipartReplyMessage
  | BarrierRequestMessage
  | BarrierReplyMessage
  | QueueGetConfigRequestMessage
  | QueueGetConfigReplyMessage
  | RoleRequestMessage
  | RoleReplyMessage
  | GetAsyncRequestMessage
  | GetAsyncReplyMessage
  | SetAsyncMessage
  | MeterModMessage;

export type OfpMessageType = OfpMessage['type'];
/** The message variant for a type name: `MessageOf<'flow_mod'>` is FlowModMessage. */
export type MessageOf<T extends OfpMessageType> = Extract<OfpMessage, { type: T }>;

/** Wire type number per message name, and back. */
export const MESSAGE_TYPE_NAMES: readonly OfpMessageType[] = [
  'hello', 'error', 'echo_request', 'echo_reply', 'experimenter', 'features_request', 'features_reply',
  'get_config_request', 'get_config_reply', 'set_config', 'packet_in', 'flow_removed', 'port_status', 'packet_out',
  'flow_mod', 'group_mod', 'port_mod', 'table_mod', 'multipart_request', 'multipart_reply', 'barrier_request',
  'barrier_reply', 'queue_get_config_request', 'queue_get_config_reply', 'role_request', 'role_reply',
  'get_async_request', 'get_async_reply', 'set_async', 'meter_mod',
];

export const MULTIPART_KIND_NAMES: Readonly<Record<number, MultipartKind>> = {
  0: 'desc',
  1: 'flow',
  2: 'aggregate',
  3: 'table',
  4: 'port_stats',
  5: 'queue',
  6: 'group',
  7: 'group_desc',
  8: 'group_features',
  9: 'meter',
  10: 'meter_config',
  11: 'meter_features',
  12: 'table_features',
  13: 'port_desc',
  0xffff: 'experimenter',
};
