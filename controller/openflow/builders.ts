/**
 * Small composable builders for the messages the controller sends (in the manner of
 * faucet's valve_of.py): spec defaults filled in, everything overridable. xid defaults
 * to 0; the switch connection assigns real xids when it sends.
 */
import {
  CONTROLLER_MAX_LEN_NO_BUFFER, FlowModCommand, Group, MeterModCommand, NO_BUFFER, OFP_VERSION, Port, Table,
} from './constants.js';
import { versionBitmap } from './hello.js';
import type {
  Action, BarrierRequestMessage, EchoReplyMessage, EchoRequestMessage, FeaturesRequestMessage, FlowModMessage,
  GetConfigRequestMessage, HelloMessage, Instruction, Match, MeterBand, MeterModMessage, MultipartKind,
  MultipartRequestBodies, MultipartRequestOf, PacketOutMessage, RoleRequestMessage, SetConfigMessage,
} from './types.js';

/** OFP_DEFAULT_PRIORITY. */
export const DEFAULT_PRIORITY = 0x8000;

type Body<M> = Omit<M, 'version' | 'type' | 'xid'> & { xid?: number };

export function hello(versions: readonly number[] = [OFP_VERSION], xid = 0): HelloMessage {
  return { version: OFP_VERSION, type: 'hello', xid, elements: [versionBitmap(versions)] };
}

export function featuresRequest(xid = 0): FeaturesRequestMessage {
  return { version: OFP_VERSION, type: 'features_request', xid };
}

export function getConfigRequest(xid = 0): GetConfigRequestMessage {
  return { version: OFP_VERSION, type: 'get_config_request', xid };
}

export function setConfig(flags: number, missSendLen: number, xid = 0): SetConfigMessage {
  return { version: OFP_VERSION, type: 'set_config', xid, flags, missSendLen };
}

export function echoRequest(data: Buffer = Buffer.alloc(0), xid = 0): EchoRequestMessage {
  return { version: OFP_VERSION, type: 'echo_request', xid, data };
}

/** The reply to an echo request: same xid, same data. */
export function echoReply(request: Pick<EchoRequestMessage, 'xid' | 'data'>): EchoReplyMessage {
  return { version: OFP_VERSION, type: 'echo_reply', xid: request.xid, data: request.data };
}

export function barrierRequest(xid = 0): BarrierRequestMessage {
  return { version: OFP_VERSION, type: 'barrier_request', xid };
}

export function roleRequest(role: number, generationId: bigint, xid = 0): RoleRequestMessage {
  return { version: OFP_VERSION, type: 'role_request', xid, role, generationId };
}

/** A flow-mod with the spec's defaults: add, table 0, default priority, no buffer, any port/group. */
export function flowMod(fields: Partial<Body<FlowModMessage>> = {}): FlowModMessage {
  return {
    version: OFP_VERSION,
    type: 'flow_mod',
    xid: fields.xid ?? 0,
    cookie: fields.cookie ?? 0n,
    cookieMask: fields.cookieMask ?? 0n,
    tableId: fields.tableId ?? 0,
    command: fields.command ?? FlowModCommand.ADD,
    idleTimeout: fields.idleTimeout ?? 0,
    hardTimeout: fields.hardTimeout ?? 0,
    priority: fields.priority ?? DEFAULT_PRIORITY,
    bufferId: fields.bufferId ?? NO_BUFFER,
    outPort: fields.outPort ?? Port.ANY,
    outGroup: fields.outGroup ?? Group.ANY,
    flags: fields.flags ?? 0,
    match: fields.match ?? {},
    instructions: fields.instructions ?? [],
  };
}

/** A delete flow-mod; by default across all tables, restricted by match and cookie/mask. */
export function flowDelete(fields: Partial<Body<FlowModMessage>> = {}): FlowModMessage {
  return flowMod({ tableId: Table.ALL, ...fields, command: fields.command ?? FlowModCommand.DELETE });
}

export function meterMod(fields: Partial<Body<MeterModMessage>> & { meterId: number }): MeterModMessage {
  return {
    version: OFP_VERSION,
    type: 'meter_mod',
    xid: fields.xid ?? 0,
    command: fields.command ?? MeterModCommand.ADD,
    flags: fields.flags ?? 0,
    meterId: fields.meterId,
    bands: fields.bands ?? [],
  };
}

export function meterDelete(meterId: number, xid = 0): MeterModMessage {
  return meterMod({ command: MeterModCommand.DELETE, meterId, xid });
}

export function dropBand(rate: number, burstSize = 0): MeterBand {
  return { type: 'drop', rate, burstSize };
}

export function packetOut(fields: Partial<Body<PacketOutMessage>> & { actions: Action[] }): PacketOutMessage {
  return {
    version: OFP_VERSION,
    type: 'packet_out',
    xid: fields.xid ?? 0,
    bufferId: fields.bufferId ?? NO_BUFFER,
    inPort: fields.inPort ?? Port.CONTROLLER,
    actions: fields.actions,
    data: fields.data ?? Buffer.alloc(0),
  };
}

/** A multipart request; the body defaults suit "everything" for flow/aggregate/port/queue/group/meter. */
export function multipartRequest<K extends MultipartKind>(
  mpType: K, body?: Partial<NonNullable<MultipartRequestBodies[K]>> | MultipartRequestBodies[K], xid = 0, flags = 0,
): MultipartRequestOf<K> {
  return { version: OFP_VERSION, type: 'multipart_request', xid, mpType, flags, body: requestBody(mpType, body) } as MultipartRequestOf<K>;
}

function requestBody(mpType: MultipartKind, body: unknown): unknown {
  const given = (body ?? {}) as Record<string, unknown>;
  switch (mpType) {
    case 'flow':
    case 'aggregate':
      return { tableId: Table.ALL, outPort: Port.ANY, outGroup: Group.ANY, cookie: 0n, cookieMask: 0n, match: {}, ...given };
    case 'port_stats':
      return { portNo: Port.ANY, ...given };
    case 'queue':
      return { portNo: Port.ANY, queueId: 0xffffffff, ...given };
    case 'group':
      return { groupId: Group.ALL, ...given };
    case 'meter':
    case 'meter_config':
      return { meterId: 0xffffffff, ...given };
    case 'table_features':
      return body ?? [];
    case 'experimenter':
      return body;
    default:
      return null;
  }
}

// Actions and instructions.

export function output(port: number, maxLen = port === Port.CONTROLLER ? CONTROLLER_MAX_LEN_NO_BUFFER : 0): Action {
  return { type: 'output', port, maxLen };
}

export function setField(field: Match): Action {
  return { type: 'set_field', field };
}

export function applyActions(actions: Action[]): Instruction {
  return { type: 'apply_actions', actions };
}

export function writeActions(actions: Action[]): Instruction {
  return { type: 'write_actions', actions };
}

export function gotoTable(tableId: number): Instruction {
  return { type: 'goto_table', tableId };
}

export function applyMeter(meterId: number): Instruction {
  return { type: 'meter', meterId };
}

export function writeMetadata(metadata: bigint, metadataMask: bigint): Instruction {
  return { type: 'write_metadata', metadata, metadataMask };
}
