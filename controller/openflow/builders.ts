/**
 * Small composable builders for the messages the controller sends (in the manner of
 * faucet's valve_of.py): spec defaults filled in, everything overridable. xid defaults
 * to 0; the switch connection assigns real xids when it sends.
 */
import {
  CONTROLLER_MAX_LEN_NO_BUFFER, FlowModCommand, Group, MeterModCommand, NO_BUFFER, OFP_VERSION, Port, Table,
} from './constants.js';
import { versionBitmap } from './hello.js';
import type { Action, FlowModMessage, HelloMessage, Instruction, MeterModMessage } from './types.js';

/** OFP_DEFAULT_PRIORITY. */
const DEFAULT_PRIORITY = 0x8000;

type Body<M> = Omit<M, 'version' | 'type' | 'xid'> & { xid?: number };

export function hello(versions: readonly number[] = [OFP_VERSION], xid = 0): HelloMessage {
  return { version: OFP_VERSION, type: 'hello', xid, elements: [versionBitmap(versions)] };
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

// Actions and instructions.

export function output(port: number, maxLen = port === Port.CONTROLLER ? CONTROLLER_MAX_LEN_NO_BUFFER : 0): Action {
  return { type: 'output', port, maxLen };
}

export function applyActions(actions: Action[]): Instruction {
  return { type: 'apply_actions', actions };
}

export function gotoTable(tableId: number): Instruction {
  return { type: 'goto_table', tableId };
}

export function applyMeter(meterId: number): Instruction {
  return { type: 'meter', meterId };
}

