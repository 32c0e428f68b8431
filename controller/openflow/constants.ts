/**
 * OpenFlow 1.3.5 numeric codes (spec section 7 and openflow.h), as const objects so they
 * inline as literals and can also be walked to print names.
 */

export const OFP_VERSION = 0x04;
export const OFP_HEADER_LEN = 8;
/** The largest message the 16-bit header length can describe. */
export const OFP_MAX_MESSAGE_LEN = 0xffff;
export const OFP_TCP_PORT = 6653;
export const OFP_OLD_TCP_PORT = 6633;

export const MessageType = {
  HELLO: 0,
  ERROR: 1,
  ECHO_REQUEST: 2,
  ECHO_REPLY: 3,
  EXPERIMENTER: 4,
  FEATURES_REQUEST: 5,
  FEATURES_REPLY: 6,
  GET_CONFIG_REQUEST: 7,
  GET_CONFIG_REPLY: 8,
  SET_CONFIG: 9,
  PACKET_IN: 10,
  FLOW_REMOVED: 11,
  PORT_STATUS: 12,
  PACKET_OUT: 13,
  FLOW_MOD: 14,
  GROUP_MOD: 15,
  PORT_MOD: 16,
  TABLE_MOD: 17,
  MULTIPART_REQUEST: 18,
  MULTIPART_REPLY: 19,
  BARRIER_REQUEST: 20,
  BARRIER_REPLY: 21,
  QUEUE_GET_CONFIG_REQUEST: 22,
  QUEUE_GET_CONFIG_REPLY: 23,
  ROLE_REQUEST: 24,
  ROLE_REPLY: 25,
  GET_ASYNC_REQUEST: 26,
  GET_ASYNC_REPLY: 27,
  SET_ASYNC: 28,
  METER_MOD: 29,
} as const;

export const MultipartType = {
  DESC: 0,
  FLOW: 1,
  AGGREGATE: 2,
  TABLE: 3,
  PORT_STATS: 4,
  QUEUE: 5,
  GROUP: 6,
  GROUP_DESC: 7,
  GROUP_FEATURES: 8,
  METER: 9,
  METER_CONFIG: 10,
  METER_FEATURES: 11,
  TABLE_FEATURES: 12,
  PORT_DESC: 13,
  EXPERIMENTER: 0xffff,
} as const;

export const MultipartFlags = { REQ_MORE: 1 << 0, REPLY_MORE: 1 << 0 } as const;

export const HelloElemType = { VERSIONBITMAP: 1 } as const;

/** Reserved port numbers (ofp_port_no). */
export const Port = {
  MAX: 0xffffff00,
  IN_PORT: 0xfffffff8,
  TABLE: 0xfffffff9,
  NORMAL: 0xfffffffa,
  FLOOD: 0xfffffffb,
  ALL: 0xfffffffc,
  CONTROLLER: 0xfffffffd,
  LOCAL: 0xfffffffe,
  ANY: 0xffffffff,
} as const;

export const Table = { MAX: 0xfe, ALL: 0xff } as const;
export const Group = { MAX: 0xffffff00, ALL: 0xfffffffc, ANY: 0xffffffff } as const;
export const Meter = { MAX: 0xffff0000, SLOWPATH: 0xfffffffd, CONTROLLER: 0xfffffffe, ALL: 0xffffffff } as const;
export const Queue = { ALL: 0xffffffff } as const;
export const NO_BUFFER = 0xffffffff;
/** ofp_controller_max_len: send the whole packet to the controller. */
export const CONTROLLER_MAX_LEN_NO_BUFFER = 0xffff;
export const VID_PRESENT = 0x1000;
export const VID_NONE = 0x0000;

export const ConfigFlags = { FRAG_NORMAL: 0, FRAG_DROP: 1, FRAG_REASM: 2, FRAG_MASK: 3 } as const;
export const TableConfig = { DEPRECATED_MASK: 3 } as const;

export const Capabilities = {
  FLOW_STATS: 1 << 0,
  TABLE_STATS: 1 << 1,
  PORT_STATS: 1 << 2,
  GROUP_STATS: 1 << 3,
  IP_REASM: 1 << 5,
  QUEUE_STATS: 1 << 6,
  PORT_BLOCKED: 1 << 8,
} as const;

export const PortConfig = { PORT_DOWN: 1 << 0, NO_RECV: 1 << 2, NO_FWD: 1 << 5, NO_PACKET_IN: 1 << 6 } as const;
export const PortState = { LINK_DOWN: 1 << 0, BLOCKED: 1 << 1, LIVE: 1 << 2 } as const;
export const PortFeatures = {
  F_10MB_HD: 1 << 0,
  F_10MB_FD: 1 << 1,
  F_100MB_HD: 1 << 2,
  F_100MB_FD: 1 << 3,
  F_1GB_HD: 1 << 4,
  F_1GB_FD: 1 << 5,
  F_10GB_FD: 1 << 6,
  F_40GB_FD: 1 << 7,
  F_100GB_FD: 1 << 8,
  F_1TB_FD: 1 << 9,
  F_OTHER: 1 << 10,
  F_COPPER: 1 << 11,
  F_FIBER: 1 << 12,
  F_AUTONEG: 1 << 13,
  F_PAUSE: 1 << 14,
  F_PAUSE_ASYM: 1 << 15,
} as const;
export const PortReason = { ADD: 0, DELETE: 1, MODIFY: 2 } as const;

export const PacketInReason = { NO_MATCH: 0, ACTION: 1, INVALID_TTL: 2 } as const;
export const FlowRemovedReason = { IDLE_TIMEOUT: 0, HARD_TIMEOUT: 1, DELETE: 2, GROUP_DELETE: 3 } as const;

export const FlowModCommand = { ADD: 0, MODIFY: 1, MODIFY_STRICT: 2, DELETE: 3, DELETE_STRICT: 4 } as const;
export const FlowModFlags = {
  SEND_FLOW_REM: 1 << 0,
  CHECK_OVERLAP: 1 << 1,
  RESET_COUNTS: 1 << 2,
  NO_PKT_COUNTS: 1 << 3,
  NO_BYT_COUNTS: 1 << 4,
} as const;

export const GroupModCommand = { ADD: 0, MODIFY: 1, DELETE: 2 } as const;
export const GroupType = { ALL: 0, SELECT: 1, INDIRECT: 2, FF: 3 } as const;
export const GroupCapabilities = { SELECT_WEIGHT: 1 << 0, SELECT_LIVENESS: 1 << 1, CHAINING: 1 << 2, CHAINING_CHECKS: 1 << 3 } as const;

export const MeterModCommand = { ADD: 0, MODIFY: 1, DELETE: 2 } as const;
export const MeterFlags = { KBPS: 1 << 0, PKTPS: 1 << 1, BURST: 1 << 2, STATS: 1 << 3 } as const;
export const MeterBandType = { DROP: 1, DSCP_REMARK: 2, EXPERIMENTER: 0xffff } as const;

export const ControllerRole = { NOCHANGE: 0, EQUAL: 1, MASTER: 2, SLAVE: 3 } as const;

export const MatchType = { STANDARD: 0, OXM: 1 } as const;

export const OxmClass = {
  NXM_0: 0x0000,
  NXM_1: 0x0001,
  OPENFLOW_BASIC: 0x8000,
  EXPERIMENTER: 0xffff,
} as const;

/** ONF's experimenter id, used by the ONF-extension form of tcp_flags (EXT-109). */
export const ONF_EXPERIMENTER_ID = 0x4f4e4600;
export const NICIRA_EXPERIMENTER_ID = 0x00002320;

/** OXM_OF_* field numbers in class OPENFLOW_BASIC (0-39 are OpenFlow 1.3; 41-42 later versions, accepted by OVS). */
export const OxmField = {
  IN_PORT: 0,
  IN_PHY_PORT: 1,
  METADATA: 2,
  ETH_DST: 3,
  ETH_SRC: 4,
  ETH_TYPE: 5,
  VLAN_VID: 6,
  VLAN_PCP: 7,
  IP_DSCP: 8,
  IP_ECN: 9,
  IP_PROTO: 10,
  IPV4_SRC: 11,
  IPV4_DST: 12,
  TCP_SRC: 13,
  TCP_DST: 14,
  UDP_SRC: 15,
  UDP_DST: 16,
  SCTP_SRC: 17,
  SCTP_DST: 18,
  ICMPV4_TYPE: 19,
  ICMPV4_CODE: 20,
  ARP_OP: 21,
  ARP_SPA: 22,
  ARP_TPA: 23,
  ARP_SHA: 24,
  ARP_THA: 25,
  IPV6_SRC: 26,
  IPV6_DST: 27,
  IPV6_FLABEL: 28,
  ICMPV6_TYPE: 29,
  ICMPV6_CODE: 30,
  IPV6_ND_TARGET: 31,
  IPV6_ND_SLL: 32,
  IPV6_ND_TLL: 33,
  MPLS_LABEL: 34,
  MPLS_TC: 35,
  MPLS_BOS: 36,
  PBB_ISID: 37,
  TUNNEL_ID: 38,
  IPV6_EXTHDR: 39,
  PBB_UCA: 41,
  TCP_FLAGS: 42,
} as const;

export const Ipv6ExthdrFlags = {
  NONEXT: 1 << 0,
  ESP: 1 << 1,
  AUTH: 1 << 2,
  DEST: 1 << 3,
  FRAG: 1 << 4,
  ROUTER: 1 << 5,
  HOP: 1 << 6,
  UNREP: 1 << 7,
  UNSEQ: 1 << 8,
} as const;

export const InstructionType = {
  GOTO_TABLE: 1,
  WRITE_METADATA: 2,
  WRITE_ACTIONS: 3,
  APPLY_ACTIONS: 4,
  CLEAR_ACTIONS: 5,
  METER: 6,
  EXPERIMENTER: 0xffff,
} as const;

export const ActionType = {
  OUTPUT: 0,
  COPY_TTL_OUT: 11,
  COPY_TTL_IN: 12,
  SET_MPLS_TTL: 15,
  DEC_MPLS_TTL: 16,
  PUSH_VLAN: 17,
  POP_VLAN: 18,
  PUSH_MPLS: 19,
  POP_MPLS: 20,
  SET_QUEUE: 21,
  GROUP: 22,
  SET_NW_TTL: 23,
  DEC_NW_TTL: 24,
  SET_FIELD: 25,
  PUSH_PBB: 26,
  POP_PBB: 27,
  EXPERIMENTER: 0xffff,
} as const;

export const TableFeaturePropType = {
  INSTRUCTIONS: 0,
  INSTRUCTIONS_MISS: 1,
  NEXT_TABLES: 2,
  NEXT_TABLES_MISS: 3,
  WRITE_ACTIONS: 4,
  WRITE_ACTIONS_MISS: 5,
  APPLY_ACTIONS: 6,
  APPLY_ACTIONS_MISS: 7,
  MATCH: 8,
  WILDCARDS: 10,
  WRITE_SETFIELD: 12,
  WRITE_SETFIELD_MISS: 13,
  APPLY_SETFIELD: 14,
  APPLY_SETFIELD_MISS: 15,
  EXPERIMENTER: 0xfffe,
  EXPERIMENTER_MISS: 0xffff,
} as const;

export const QueuePropType = { MIN_RATE: 1, MAX_RATE: 2, EXPERIMENTER: 0xffff } as const;
export const QUEUE_RATE_DISABLED = 0xffff;

export const ErrorType = {
  HELLO_FAILED: 0,
  BAD_REQUEST: 1,
  BAD_ACTION: 2,
  BAD_INSTRUCTION: 3,
  BAD_MATCH: 4,
  FLOW_MOD_FAILED: 5,
  GROUP_MOD_FAILED: 6,
  PORT_MOD_FAILED: 7,
  TABLE_MOD_FAILED: 8,
  QUEUE_OP_FAILED: 9,
  SWITCH_CONFIG_FAILED: 10,
  ROLE_REQUEST_FAILED: 11,
  METER_MOD_FAILED: 12,
  TABLE_FEATURES_FAILED: 13,
  EXPERIMENTER: 0xffff,
} as const;

/** Error codes per error type, in code order (index = code), with the spec's prefixes. */
export const ErrorCodeNames: Readonly<Record<number, { prefix: string; type: string; codes: readonly string[] }>> = {
  0: { type: 'OFPET_HELLO_FAILED', prefix: 'OFPHFC_', codes: ['INCOMPATIBLE', 'EPERM'] },
  1: {
    type: 'OFPET_BAD_REQUEST',
    prefix: 'OFPBRC_',
    codes: ['BAD_VERSION', 'BAD_TYPE', 'BAD_MULTIPART', 'BAD_EXPERIMENTER', 'BAD_EXP_TYPE', 'EPERM', 'BAD_LEN', 'BUFFER_EMPTY',
      'BUFFER_UNKNOWN', 'BAD_TABLE_ID', 'IS_SLAVE', 'BAD_PORT', 'BAD_PACKET', 'MULTIPART_BUFFER_OVERFLOW'],
  },
  2: {
    type: 'OFPET_BAD_ACTION',
    prefix: 'OFPBAC_',
    codes: ['BAD_TYPE', 'BAD_LEN', 'BAD_EXPERIMENTER', 'BAD_EXP_TYPE', 'BAD_OUT_PORT', 'BAD_ARGUMENT', 'EPERM', 'TOO_MANY',
      'BAD_QUEUE', 'BAD_OUT_GROUP', 'MATCH_INCONSISTENT', 'UNSUPPORTED_ORDER', 'BAD_TAG', 'BAD_SET_TYPE', 'BAD_SET_LEN',
      'BAD_SET_ARGUMENT'],
  },
  3: {
    type: 'OFPET_BAD_INSTRUCTION',
    prefix: 'OFPBIC_',
    codes: ['UNKNOWN_INST', 'UNSUP_INST', 'BAD_TABLE_ID', 'UNSUP_METADATA', 'UNSUP_METADATA_MASK', 'BAD_EXPERIMENTER',
      'BAD_EXP_TYPE', 'BAD_LEN', 'EPERM'],
  },
  4: {
    type: 'OFPET_BAD_MATCH',
    prefix: 'OFPBMC_',
    codes: ['BAD_TYPE', 'BAD_LEN', 'BAD_TAG', 'BAD_DL_ADDR_MASK', 'BAD_NW_ADDR_MASK', 'BAD_WILDCARDS', 'BAD_FIELD',
      'BAD_VALUE', 'BAD_MASK', 'BAD_PREREQ', 'DUP_FIELD', 'EPERM'],
  },
  5: {
    type: 'OFPET_FLOW_MOD_FAILED',
    prefix: 'OFPFMFC_',
    codes: ['UNKNOWN', 'TABLE_FULL', 'BAD_TABLE_ID', 'OVERLAP', 'EPERM', 'BAD_TIMEOUT', 'BAD_COMMAND', 'BAD_FLAGS'],
  },
  6: {
    type: 'OFPET_GROUP_MOD_FAILED',
    prefix: 'OFPGMFC_',
    codes: ['GROUP_EXISTS', 'INVALID_GROUP', 'WEIGHT_UNSUPPORTED', 'OUT_OF_GROUPS', 'OUT_OF_BUCKETS', 'CHAINING_UNSUPPORTED',
      'WATCH_UNSUPPORTED', 'LOOP', 'UNKNOWN_GROUP', 'CHAINED_GROUP', 'BAD_TYPE', 'BAD_COMMAND', 'BAD_BUCKET', 'BAD_WATCH',
      'EPERM'],
  },
  7: { type: 'OFPET_PORT_MOD_FAILED', prefix: 'OFPPMFC_', codes: ['BAD_PORT', 'BAD_HW_ADDR', 'BAD_CONFIG', 'BAD_ADVERTISE', 'EPERM'] },
  8: { type: 'OFPET_TABLE_MOD_FAILED', prefix: 'OFPTMFC_', codes: ['BAD_TABLE', 'BAD_CONFIG', 'EPERM'] },
  9: { type: 'OFPET_QUEUE_OP_FAILED', prefix: 'OFPQOFC_', codes: ['BAD_PORT', 'BAD_QUEUE', 'EPERM'] },
  10: { type: 'OFPET_SWITCH_CONFIG_FAILED', prefix: 'OFPSCFC_', codes: ['BAD_FLAGS', 'BAD_LEN', 'EPERM'] },
  11: { type: 'OFPET_ROLE_REQUEST_FAILED', prefix: 'OFPRRFC_', codes: ['STALE', 'UNSUP', 'BAD_ROLE'] },
  12: {
    type: 'OFPET_METER_MOD_FAILED',
    prefix: 'OFPMMFC_',
    codes: ['UNKNOWN', 'METER_EXISTS', 'INVALID_METER', 'UNKNOWN_METER', 'BAD_COMMAND', 'BAD_FLAGS', 'BAD_RATE', 'BAD_BURST',
      'BAD_BAND', 'BAD_BAND_VALUE', 'OUT_OF_METERS', 'OUT_OF_BANDS'],
  },
  13: {
    type: 'OFPET_TABLE_FEATURES_FAILED',
    prefix: 'OFPTFFC_',
    codes: ['BAD_TABLE', 'BAD_METADATA', 'BAD_TYPE', 'BAD_LEN', 'BAD_ARGUMENT', 'EPERM'],
  },
};

/** "OFPET_BAD_MATCH" for 4; "OFPET_EXPERIMENTER" for 0xffff; "OFPET_UNKNOWN_<n>" otherwise. */
export function errorTypeName(errorType: number): string {
  if (errorType === ErrorType.EXPERIMENTER) return 'OFPET_EXPERIMENTER';
  return ErrorCodeNames[errorType]?.type ?? `OFPET_UNKNOWN_${errorType}`;
}

/** "OFPBMC_BAD_FIELD" for (4, 6); a numeric fallback for codes the spec does not name. */
export function errorCodeName(errorType: number, code: number): string {
  const entry = ErrorCodeNames[errorType];
  const name = entry?.codes[code];
  return entry && name ? entry.prefix + name : `CODE_${code}`;
}

/** Reverse lookup: the key in a const object whose value is `value` (e.g. for printing). */
export function nameOf(table: Readonly<Record<string, number>>, value: number): string | undefined {
  for (const key in table) if (table[key] === value) return key;
  return undefined;
}
