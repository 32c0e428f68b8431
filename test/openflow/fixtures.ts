/**
 * Hand-written byte fixtures for the messages the controller sends and receives most.
 * Bytes are written out field by field from the OpenFlow 1.3.5 spec — never produced by
 * the encoder under test — next to the object each must decode to.
 */
import type { OfpMessage } from '../../controller/openflow/index.js';

export interface Fixture {
  name: string;
  bytes: Buffer;
  message: OfpMessage;
}

const hex = (lines: string[]): Buffer => Buffer.from(lines.map((l) => l.replace(/#.*$/, '').replace(/\s+/g, '')).join(''), 'hex');

export const fixtures: Fixture[] = [
  {
    name: 'hello with version bitmap',
    bytes: hex([
      '04', '# version 1.3',
      '00', '# OFPT_HELLO',
      '0010', '# length 16',
      '00000001', '# xid 1',
      '0001', '# element type OFPHET_VERSIONBITMAP',
      '0008', '# element length 8',
      '00000010', '# bitmap: bit 4 = OpenFlow 1.3',
    ]),
    message: { version: 4, type: 'hello', xid: 1, elements: [{ type: 'versionbitmap', bitmaps: [0x10] }] },
  },
  {
    name: 'features request',
    bytes: hex(['04', '05', '# OFPT_FEATURES_REQUEST', '0008', '00000002']),
    message: { version: 4, type: 'features_request', xid: 2 },
  },
  {
    name: 'features reply',
    bytes: hex([
      '04', '06', '# OFPT_FEATURES_REPLY', '0020', '# length 32', '00000002',
      '0000000000000abc', '# datapath_id',
      '00000100', '# n_buffers 256',
      'fe', '# n_tables 254',
      '00', '# auxiliary_id',
      '0000', '# pad',
      '0000004f', '# capabilities: flow, table, port, group stats, queue stats',
      '00000000', '# reserved',
    ]),
    message: { version: 4, type: 'features_reply', xid: 2, dpid: 0xabcn, nBuffers: 256, nTables: 254, auxiliaryId: 0, capabilities: 0x4f, reserved: 0 },
  },
  {
    name: 'flow-mod: guard drop-rate flow with match, meter and goto',
    bytes: hex([
      '04', '0e', '# OFPT_FLOW_MOD', '0070', '# length 112', '00000003',
      '0f00000000000007', '# cookie',
      '0000000000000000', '# cookie_mask',
      '00', '# table_id 0',
      '00', '# command OFPFC_ADD',
      '0000', '# idle_timeout',
      '012c', '# hard_timeout 300',
      '7530', '# priority 30000',
      'ffffffff', '# buffer_id OFP_NO_BUFFER',
      'ffffffff', '# out_port OFPP_ANY',
      'ffffffff', '# out_group OFPG_ANY',
      '0001', '# flags OFPFF_SEND_FLOW_REM',
      '0000', '# pad',
      '0001', '# match type OXM', '0029', '# match length 41',
      '80000004', '00000001', '# OXM in_port = 1',
      '80000a02', '0800', '# OXM eth_type = 0x0800',
      '80001708', '0a000001', 'ffffff00', '# OXM ipv4_src = 10.0.0.1/255.255.255.0 (masked)',
      '80001401', '06', '# OXM ip_proto = 6',
      '80001c02', '0016', '# OXM tcp_dst = 22',
      '00000000000000', '# match padding to 48',
      '0006', '0008', '00000005', '# instruction meter 5',
      '0001', '0008', '01', '000000', '# instruction goto_table 1',
    ]),
    message: {
      version: 4, type: 'flow_mod', xid: 3, cookie: 0x0f00000000000007n, cookieMask: 0n, tableId: 0, command: 0, idleTimeout: 0,
      hardTimeout: 300, priority: 30000, bufferId: 0xffffffff, outPort: 0xffffffff, outGroup: 0xffffffff, flags: 1,
      match: { inPort: 1, ethType: 0x0800, ipv4Src: '10.0.0.1', ipv4SrcMask: '255.255.255.0', ipProto: 6, tcpDst: 22 },
      instructions: [{ type: 'meter', meterId: 5 }, { type: 'goto_table', tableId: 1 }],
    },
  },
  {
    name: 'meter-mod: add 1000 pkt/s drop band',
    bytes: hex([
      '04', '1d', '# OFPT_METER_MOD', '0020', '# length 32', '00000004',
      '0000', '# command OFPMC_ADD',
      '000a', '# flags OFPMF_PKTPS | OFPMF_STATS',
      '00000005', '# meter_id 5',
      '0001', '# band type OFPMBT_DROP', '0010', '# band length 16',
      '000003e8', '# rate 1000',
      '00000064', '# burst_size 100',
      '00000000', '# pad',
    ]),
    message: { version: 4, type: 'meter_mod', xid: 4, command: 0, flags: 0x0a, meterId: 5, bands: [{ type: 'drop', rate: 1000, burstSize: 100 }] },
  },
  {
    name: 'multipart flow-stats request for table 1',
    bytes: hex([
      '04', '12', '# OFPT_MULTIPART_REQUEST', '0038', '# length 56', '00000005',
      '0001', '# OFPMP_FLOW', '0000', '# flags', '00000000', '# pad',
      '01', '000000', '# table_id 1, pad',
      'ffffffff', '# out_port ANY', 'ffffffff', '# out_group ANY', '00000000', '# pad',
      '0f00000000000000', '# cookie', 'ff00000000000000', '# cookie_mask',
      '0001', '0004', '00000000', '# empty OXM match, padded to 8',
    ]),
    message: {
      version: 4, type: 'multipart_request', xid: 5, mpType: 'flow', flags: 0,
      body: { tableId: 1, outPort: 0xffffffff, outGroup: 0xffffffff, cookie: 0x0f00000000000000n, cookieMask: 0xff00000000000000n, match: {} },
    },
  },
  {
    name: 'multipart flow-stats reply with one entry',
    bytes: hex([
      '04', '13', '# OFPT_MULTIPART_REPLY', '0070', '# length 112', '00000005',
      '0001', '# OFPMP_FLOW', '0000', '# flags (no more)', '00000000', '# pad',
      '0060', '# entry length 96', '01', '# table_id', '00', '# pad',
      '0000003c', '# duration_sec 60', '00000064', '# duration_nsec 100',
      '4e20', '# priority 20000', '003c', '# idle_timeout 60', '0000', '# hard_timeout', '0000', '# flags', '00000000', '# pad',
      '0f01000000000009', '# cookie',
      '000000000000000c', '# packet_count 12',
      '0000000000000488', '# byte_count 1160',
      '0001', '0012', '# match OXM, length 18',
      '80000a02', '0800', '# eth_type 0x0800',
      '80001604', '0a000002', '# ipv4_src 10.0.0.2',
      '000000000000', '# match padding to 24',
      '0004', '0018', '00000000', '# apply_actions, length 24',
      '0000', '0010', '00000002', 'ffff', '000000000000', '# output port 2, max_len 0xffff',
    ]),
    message: {
      version: 4, type: 'multipart_reply', xid: 5, mpType: 'flow', flags: 0,
      body: [{
        tableId: 1, durationSec: 60, durationNsec: 100, priority: 20000, idleTimeout: 60, hardTimeout: 0, flags: 0,
        cookie: 0x0f01000000000009n, packetCount: 12n, byteCount: 1160n, match: { ethType: 0x0800, ipv4Src: '10.0.0.2' },
        instructions: [{ type: 'apply_actions', actions: [{ type: 'output', port: 2, maxLen: 0xffff }] }],
      }],
    },
  },
  {
    name: 'barrier request',
    bytes: hex(['04', '14', '# OFPT_BARRIER_REQUEST', '0008', '00000006']),
    message: { version: 4, type: 'barrier_request', xid: 6 },
  },
  {
    name: 'barrier reply',
    bytes: hex(['04', '15', '# OFPT_BARRIER_REPLY', '0008', '00000006']),
    message: { version: 4, type: 'barrier_reply', xid: 6 },
  },
  {
    name: 'packet-in (table miss) with a 14-byte frame',
    bytes: hex([
      '04', '0a', '# OFPT_PACKET_IN', '0038', '# length 56', '00000000',
      'ffffffff', '# buffer_id NO_BUFFER', '000e', '# total_len 14', '00', '# reason NO_MATCH', '01', '# table_id 1',
      '0000000000000000', '# cookie',
      '0001', '000c', '80000004', '00000003', '00000000', '# match in_port 3, padded to 16',
      '0000', '# pad before the frame',
      'ffffffffffff', '0a0000000001', '0806', '# Ethernet: broadcast, src 0a:00:00:00:00:01, ARP',
    ]),
    message: {
      version: 4, type: 'packet_in', xid: 0, bufferId: 0xffffffff, totalLen: 14, reason: 0, tableId: 1, cookie: 0n,
      match: { inPort: 3 }, data: Buffer.from('ffffffffffff0a00000000010806', 'hex'),
    },
  },
  {
    name: 'packet-out flooding a frame',
    bytes: hex([
      '04', '0d', '# OFPT_PACKET_OUT', '0036', '# length 54', '00000007',
      'ffffffff', '# buffer_id NO_BUFFER', 'fffffffd', '# in_port CONTROLLER',
      '0010', '# actions_len 16', '000000000000', '# pad',
      '0000', '0010', 'fffffffb', '0000', '000000000000', '# output FLOOD, max_len 0',
      '0102030405060708090a0b0c0d0e', '# 14 bytes of frame',
    ]),
    message: {
      version: 4, type: 'packet_out', xid: 7, bufferId: 0xffffffff, inPort: 0xfffffffd,
      actions: [{ type: 'output', port: 0xfffffffb, maxLen: 0 }], data: Buffer.from('0102030405060708090a0b0c0d0e', 'hex'),
    },
  },
];
