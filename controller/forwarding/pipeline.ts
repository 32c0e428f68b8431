/**
 * The base pipeline every switch gets on connect (see flows/layout.ts), and the small
 * flow-mod shapes the forwarding app installs. Pure: returns messages, sends nothing.
 */
import type { FlowModMessage, Instruction, Match, MeterModMessage, OfpMessage } from '../openflow/index.js';
import { flowDelete, flowMod, meterMod } from '../openflow/index.js';
import { FlowModCommand, FlowModFlags, Meter, MeterFlags, MeterModCommand, Port, Table } from '../openflow/constants.js';
import { cookieFor, FlowPurpose, PRIORITY, TABLE } from '../../flows/layout.js';

export interface FlowSpec {
  table: number;
  priority: number;
  match: Match;
  instructions: Instruction[];
  cookie: bigint;
  idleTimeout?: number;
  hardTimeout?: number;
  /** ask the switch for a flow-removed message (final counters) */
  notifyRemoved?: boolean;
}

export function addFlow(spec: FlowSpec): FlowModMessage {
  return flowMod({
    cookie: spec.cookie, tableId: spec.table, priority: spec.priority,
    idleTimeout: spec.idleTimeout ?? 0, hardTimeout: spec.hardTimeout ?? 0,
    flags: spec.notifyRemoved ? FlowModFlags.SEND_FLOW_REM : 0,
    match: spec.match, instructions: spec.instructions,
  });
}

/** Deletes every flow in `table` (or all tables) whose cookie matches under the mask. */
export function deleteFlows(opts: { table?: number; cookie: bigint; cookieMask: bigint; match?: Match; priority?: number; strict?: boolean }): FlowModMessage {
  return flowDelete({
    cookie: opts.cookie, cookieMask: opts.cookieMask, tableId: opts.table ?? Table.ALL,
    command: opts.strict ? FlowModCommand.DELETE_STRICT : FlowModCommand.DELETE,
    priority: opts.priority ?? 0, match: opts.match ?? {},
  });
}

export const goto = (tableId: number): Instruction => ({ type: 'goto_table', tableId });
export const toController = (maxLen: number): Instruction => ({
  type: 'apply_actions', actions: [{ type: 'output', port: Port.CONTROLLER, maxLen }],
});

export interface PipelineOptions {
  /** packet-ins per second the switch may send us (controller meter) */
  packetInRate: number;
  /** bytes of each packet a packet-in carries */
  missSendLen: number;
}

/**
 * Messages that (re)build the base pipeline: first remove every ofguard pipeline/forwarding
 * flow left from an earlier session (mitigation flows stay: reconciliation owns them), then
 * the controller meter that bounds packet-ins, then the table-miss and structural flows.
 */
export function basePipeline(opts: PipelineOptions): OfpMessage[] {
  const pipelineCookie = cookieFor(FlowPurpose.pipeline);
  const meter: MeterModMessage = meterMod({
    meterId: Meter.CONTROLLER, flags: MeterFlags.PKTPS | MeterFlags.BURST | MeterFlags.STATS,
    bands: [{ type: 'drop', rate: opts.packetInRate, burstSize: Math.max(1, Math.round(opts.packetInRate / 10)) }],
  });
  const purge = (purpose: FlowPurpose) => deleteFlows({ cookie: cookieFor(purpose), cookieMask: 0xffff_ff00_0000_0000n });
  // The controller meter (OFPM_CONTROLLER) applies to every packet the switch sends us and
  // to nothing else, so it is never named in a flow: a `meter` instruction would drop the
  // forwarded packet too, and legitimate new flows with it, during a random-source flood.
  const reportAndForward = (): Instruction[] => [toController(opts.missSendLen), goto(TABLE.forwarding)];
  return [
    // A switch that never met ofguard may hold flows from another controller: those go too.
    deleteFlows({ cookie: 0n, cookieMask: 0n, table: TABLE.forwarding }),
    deleteFlows({ cookie: 0n, cookieMask: 0n, table: TABLE.accounting }),
    purge(FlowPurpose.pipeline),
    deleteOtherControllersGuardFlows(),
    meterMod({ meterId: Meter.CONTROLLER, command: MeterModCommand.DELETE }),
    meter,
    // table 0, guard: LLDP to us for link discovery; everything else on to accounting
    addFlow({ table: TABLE.guard, priority: PRIORITY.guard.lldp, match: { ethType: 0x88cc }, cookie: pipelineCookie,
      instructions: [toController(0xffff)] }),
    addFlow({ table: TABLE.guard, priority: PRIORITY.guard.default, match: {}, cookie: pipelineCookie, instructions: [goto(TABLE.accounting)] }),
    // table 1, accounting: new IP conversations are reported to us (metered) and forwarded at once
    addFlow({ table: TABLE.accounting, priority: PRIORITY.accounting.miss + 10, match: { ethType: 0x0800 }, cookie: pipelineCookie,
      instructions: reportAndForward() }),
    addFlow({ table: TABLE.accounting, priority: PRIORITY.accounting.miss + 10, match: { ethType: 0x86dd }, cookie: pipelineCookie,
      instructions: reportAndForward() }),
    addFlow({ table: TABLE.accounting, priority: PRIORITY.accounting.miss, match: {}, cookie: pipelineCookie, instructions: [goto(TABLE.forwarding)] }),
    // table 2, forwarding: unknown destinations are flooded, and we see them to learn
    addFlow({ table: TABLE.forwarding, priority: PRIORITY.forwarding.miss, match: {}, cookie: pipelineCookie,
      instructions: [{ type: 'apply_actions', actions: [
        { type: 'output', port: Port.FLOOD, maxLen: 0 },
        { type: 'output', port: Port.CONTROLLER, maxLen: opts.missSendLen },
      ] }] }),
  ];
}

/** Guard-table flows without our cookie come from another controller: remove them. */
function deleteOtherControllersGuardFlows(): FlowModMessage {
  // OpenFlow deletes by cookie *match*, not mismatch; flows with cookie 0 are the common
  // leftovers (ovs-ofctl add-flow, simple controllers), so those are what we clear.
  return deleteFlows({ table: TABLE.guard, cookie: 0n, cookieMask: 0xffff_ffff_ffff_ffffn });
}
