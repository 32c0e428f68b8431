/**
 * An in-memory OpenFlow 1.3 switch table (after Faucet's fakeoftable): applies flow-mods
 * (add / modify / modify_strict / delete / delete_strict, cookie masks, priorities,
 * overlapping matches, hard timeouts) and meter-mods (deleting a meter deletes its flows,
 * as Open vSwitch does), answers flow-stats and meter-config requests, and says what
 * happens to a packet: dropped, metered, or on to table N.
 *
 * It is written from the spec, not from the enforcer's code, so a test that applies the
 * enforcer's messages here checks them against an independent model.
 * `FakeTableSwitch` wraps it in the connection interface the enforcer talks to.
 */
import { EventEmitter } from 'node:events';
import ipaddr from 'ipaddr.js';
import type {
  ErrorMessage, FlowModMessage, FlowStats, FlowStatsRequest, Instruction, Match, MeterBand, MeterConfig, MeterModMessage,
  MultipartKind, MultipartReplyBodies, MultipartRequestBodies, OfpMessage,
} from '../../controller/openflow/index.js';
import { ErrorType, FlowModCommand, Meter, MeterModCommand, OFP_VERSION, Table } from '../../controller/openflow/constants.js';
import { SwitchError } from '../../controller/switch/connection.js';

export interface FakeFlow {
  tableId: number;
  priority: number;
  cookie: bigint;
  match: Match;
  instructions: Instruction[];
  hardTimeout: number;
  idleTimeout: number;
  flags: number;
  installedAt: number;
  /** What the flow matched (test/support/fake-network.ts counts traffic here). */
  packets: bigint;
  bytes: bigint;
}

export interface FakeMeter {
  meterId: number;
  flags: number;
  bands: MeterBand[];
  addedAt: number;
  /** Packets and bytes that entered the meter; packets its band dropped. */
  packetsIn: bigint;
  bytesIn: bigint;
  dropped: bigint;
}

export interface Packet {
  src: string;
  dst: string;
  /** IP protocol (6 TCP, 17 UDP, 1 ICMP...). */
  proto?: number;
  dstPort?: number;
  srcPort?: number;
  /** TCP flags (0x002 SYN, 0x010 ACK, ...). */
  tcpFlags?: number;
  icmpType?: number;
  inPort?: number;
  ethSrc?: string;
}

export type Verdict =
  | { outcome: 'drop'; cookie: bigint; priority: number }
  | { outcome: 'continue'; table: number; meterId?: number; cookie: bigint; priority: number }
  | { outcome: 'output'; cookie: bigint; priority: number }
  | { outcome: 'miss' };

export interface SwitchErrorCode {
  errorType: number;
  code: number;
}

const err = (errorType: number, code: number): SwitchErrorCode => ({ errorType, code });
const TABLE_FULL = err(ErrorType.FLOW_MOD_FAILED, 1);
const BAD_PREREQ = err(ErrorType.BAD_MATCH, 9);
const METER_EXISTS = err(ErrorType.METER_MOD_FAILED, 1);
const INVALID_METER = err(ErrorType.METER_MOD_FAILED, 2);
const UNKNOWN_METER = err(ErrorType.METER_MOD_FAILED, 3);
const OUT_OF_METERS = err(ErrorType.METER_MOD_FAILED, 10);

const IP_FIELDS: Record<string, { family: 4 | 6; mask: string }> = {
  ipv4Src: { family: 4, mask: 'ipv4SrcMask' },
  ipv4Dst: { family: 4, mask: 'ipv4DstMask' },
  ipv6Src: { family: 6, mask: 'ipv6SrcMask' },
  ipv6Dst: { family: 6, mask: 'ipv6DstMask' },
};

function bytesOf(text: string): number[] {
  return ipaddr.parse(text).toByteArray();
}

/** One match field as (value bytes, mask bytes) for comparison; non-IP fields as text. */
function fieldOf(match: Match, key: string): { value: number[]; mask: number[] } | string | undefined {
  const m = match as Record<string, unknown>;
  const v = m[key];
  if (v === undefined) return undefined;
  const ip = IP_FIELDS[key];
  if (ip) {
    const value = bytesOf(v as string);
    const maskText = m[ip.mask] as string | undefined;
    const mask = maskText ? bytesOf(maskText) : value.map(() => 0xff);
    return { value: value.map((b, i) => b & mask[i]!), mask };
  }
  return typeof v === 'bigint' ? `${v}n` : String(v);
}

function keysOf(match: Match): string[] {
  return Object.keys(match).filter((k) => !k.endsWith('Mask') && (match as Record<string, unknown>)[k] !== undefined);
}

function sameField(a: ReturnType<typeof fieldOf>, b: ReturnType<typeof fieldOf>): boolean {
  if (typeof a === 'string' || typeof b === 'string' || !a || !b) return a === b;
  return a.value.every((x, i) => x === b.value[i]) && a.mask.every((x, i) => x === b.mask[i]);
}

/** Strict: the same fields with the same values and masks. */
export function sameMatch(a: Match, b: Match): boolean {
  const ka = keysOf(a).sort();
  const kb = keysOf(b).sort();
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && sameField(fieldOf(a, k), fieldOf(b, k)));
}

/** Non-strict: the flow's match is at least as specific as the request's on every request field. */
function covers(request: Match, flow: Match): boolean {
  for (const key of keysOf(request)) {
    const r = fieldOf(request, key);
    const f = fieldOf(flow, key);
    if (f === undefined) return false;
    if (typeof r === 'string' || typeof f === 'string') {
      if (r !== f) return false;
      continue;
    }
    for (let i = 0; i < r!.mask.length; i++) {
      if ((f.mask[i]! & r!.mask[i]!) !== r!.mask[i] || (f.value[i]! & r!.mask[i]!) !== r!.value[i]) return false;
    }
  }
  return true;
}

function prerequisitesHold(m: Match): boolean {
  const v4 = m.ipv4Src !== undefined || m.ipv4Dst !== undefined;
  const v6 = m.ipv6Src !== undefined || m.ipv6Dst !== undefined;
  if (v4 && m.ethType !== 0x0800) return false;
  if (v6 && m.ethType !== 0x86dd) return false;
  if (m.ipProto !== undefined && m.ethType !== 0x0800 && m.ethType !== 0x86dd) return false;
  if (m.tcpDst !== undefined && m.ipProto !== 6) return false;
  if (m.udpDst !== undefined && m.ipProto !== 17) return false;
  if (m.sctpDst !== undefined && m.ipProto !== 132) return false;
  return true;
}

function packetMatch(p: Packet): Match {
  const v6 = ipaddr.parse(p.src).kind() === 'ipv6';
  const m: Match = {};
  if (p.inPort !== undefined) m.inPort = p.inPort;
  if (p.ethSrc !== undefined) m.ethSrc = p.ethSrc;
  m.ethType = v6 ? 0x86dd : 0x0800;
  if (p.proto !== undefined) m.ipProto = p.proto;
  if (v6) {
    m.ipv6Src = p.src;
    m.ipv6Dst = p.dst;
  } else {
    m.ipv4Src = p.src;
    m.ipv4Dst = p.dst;
  }
  if (p.dstPort !== undefined) {
    if (p.proto === 6) m.tcpDst = p.dstPort;
    if (p.proto === 17) m.udpDst = p.dstPort;
    if (p.proto === 132) m.sctpDst = p.dstPort;
  }
  if (p.srcPort !== undefined) {
    if (p.proto === 6) m.tcpSrc = p.srcPort;
    if (p.proto === 17) m.udpSrc = p.srcPort;
  }
  if (p.proto === 6) m.tcpFlags = p.tcpFlags ?? 0;
  if (p.icmpType !== undefined) {
    if (p.proto === 1) m.icmpv4Type = p.icmpType;
    if (p.proto === 58) m.icmpv6Type = p.icmpType;
  }
  return m;
}

function cookieHits(flow: FakeFlow, cookie: bigint, mask: bigint): boolean {
  return (flow.cookie & mask) === (cookie & mask);
}

export class FakeTable {
  flows: FakeFlow[] = [];
  readonly meters = new Map<number, FakeMeter>();

  constructor(readonly opts: { maxFlows?: number; maxMeters?: number } = {}) {}

  /** Applies one flow-mod or meter-mod at time `now`; the error a switch would send, if any. */
  apply(msg: OfpMessage, now = 0): SwitchErrorCode | undefined {
    if (msg.type === 'flow_mod') return this.flowMod(msg, now);
    if (msg.type === 'meter_mod') return this.meterMod(msg, now);
    return undefined;
  }

  private flowMod(m: FlowModMessage, now: number): SwitchErrorCode | undefined {
    const inTable = (f: FakeFlow) => m.tableId === Table.ALL || f.tableId === m.tableId;
    switch (m.command) {
      case FlowModCommand.ADD: {
        if (!prerequisitesHold(m.match)) return BAD_PREREQ;
        for (const i of m.instructions) if (i.type === 'meter' && !this.meters.has(i.meterId)) return UNKNOWN_METER;
        const at = this.flows.findIndex((f) => f.tableId === m.tableId && f.priority === m.priority && sameMatch(f.match, m.match));
        const flow: FakeFlow = {
          tableId: m.tableId, priority: m.priority, cookie: m.cookie, match: m.match, instructions: m.instructions,
          hardTimeout: m.hardTimeout, idleTimeout: m.idleTimeout, flags: m.flags, installedAt: now, packets: 0n, bytes: 0n,
        };
        if (at >= 0) {
          this.flows[at] = flow;
          return undefined;
        }
        if (this.opts.maxFlows !== undefined && this.flows.length >= this.opts.maxFlows) return TABLE_FULL;
        this.flows.push(flow);
        return undefined;
      }
      case FlowModCommand.MODIFY:
      case FlowModCommand.MODIFY_STRICT: {
        const strict = m.command === FlowModCommand.MODIFY_STRICT;
        for (const f of this.flows) {
          if (!inTable(f) || !cookieHits(f, m.cookie, m.cookieMask)) continue;
          if (strict ? f.priority === m.priority && sameMatch(f.match, m.match) : covers(m.match, f.match)) f.instructions = m.instructions;
        }
        return undefined;
      }
      case FlowModCommand.DELETE:
      case FlowModCommand.DELETE_STRICT: {
        const strict = m.command === FlowModCommand.DELETE_STRICT;
        this.flows = this.flows.filter((f) => !(inTable(f) && cookieHits(f, m.cookie, m.cookieMask)
          && (strict ? f.priority === m.priority && sameMatch(f.match, m.match) : covers(m.match, f.match))));
        return undefined;
      }
    }
    return err(ErrorType.FLOW_MOD_FAILED, 6);
  }

  private meterMod(m: MeterModMessage, now: number): SwitchErrorCode | undefined {
    if (m.meterId === 0 || (m.meterId > Meter.MAX && m.meterId !== Meter.CONTROLLER && m.meterId !== Meter.ALL)) return INVALID_METER;
    switch (m.command) {
      case MeterModCommand.ADD:
        if (this.meters.has(m.meterId)) return METER_EXISTS;
        if (this.opts.maxMeters !== undefined && this.meters.size >= this.opts.maxMeters) return OUT_OF_METERS;
        this.meters.set(m.meterId, { meterId: m.meterId, flags: m.flags, bands: m.bands, addedAt: now, packetsIn: 0n, bytesIn: 0n, dropped: 0n });
        return undefined;
      case MeterModCommand.MODIFY: {
        const held = this.meters.get(m.meterId);
        if (!held) return UNKNOWN_METER;
        this.meters.set(m.meterId, { ...held, flags: m.flags, bands: m.bands });
        return undefined;
      }
      case MeterModCommand.DELETE: {
        const ids = m.meterId === Meter.ALL ? [...this.meters.keys()] : [m.meterId];
        if (m.meterId !== Meter.ALL && !this.meters.has(m.meterId)) return UNKNOWN_METER;
        for (const id of ids) {
          this.meters.delete(id);
          // Open vSwitch removes the flows that use a deleted meter.
          this.flows = this.flows.filter((f) => !f.instructions.some((i) => i.type === 'meter' && i.meterId === id));
        }
        return undefined;
      }
    }
    return err(ErrorType.METER_MOD_FAILED, 4);
  }

  /** Removes flows whose hard timeout has run out by `now`; returns them. */
  expire(now: number): FakeFlow[] {
    const gone = this.flows.filter((f) => f.hardTimeout > 0 && f.installedAt + f.hardTimeout * 1000 <= now);
    this.flows = this.flows.filter((f) => !gone.includes(f));
    return gone;
  }

  flowStats(req: FlowStatsRequest, now: number): FlowStats[] {
    return this.flows
      .filter((f) => (req.tableId === Table.ALL || f.tableId === req.tableId) && cookieHits(f, req.cookie, req.cookieMask) && covers(req.match, f.match))
      .map((f) => {
        const ms = Math.max(0, now - f.installedAt);
        return {
          tableId: f.tableId, durationSec: Math.floor(ms / 1000), durationNsec: (ms % 1000) * 1e6, priority: f.priority,
          idleTimeout: f.idleTimeout, hardTimeout: f.hardTimeout, flags: f.flags, cookie: f.cookie,
          packetCount: f.packets, byteCount: f.bytes, match: f.match, instructions: f.instructions,
        };
      });
  }

  meterConfigs(): MeterConfig[] {
    return [...this.meters.values()].map((m) => ({ flags: m.flags, meterId: m.meterId, bands: m.bands }));
  }

  /** The highest-priority flow of `table` that matches the packet. */
  matching(p: Packet, table = 0): FakeFlow | undefined {
    const pm = packetMatch(p);
    let best: FakeFlow | undefined;
    for (const f of this.flows) {
      if (f.tableId !== table || !covers(f.match, pm)) continue;
      if (!best || f.priority > best.priority) best = f;
    }
    return best;
  }

  /** What table `table` does with the packet. */
  lookup(p: Packet, table = 0): Verdict {
    const f = this.matching(p, table);
    if (!f) return { outcome: 'miss' };
    let meterId: number | undefined;
    let next: number | undefined;
    let outputs = false;
    for (const i of f.instructions) {
      if (i.type === 'meter') meterId = i.meterId;
      if (i.type === 'goto_table') next = i.tableId;
      if ((i.type === 'apply_actions' || i.type === 'write_actions') && i.actions.some((a) => a.type === 'output')) outputs = true;
    }
    if (next !== undefined) return { outcome: 'continue', table: next, ...(meterId !== undefined ? { meterId } : {}), cookie: f.cookie, priority: f.priority };
    if (outputs) return { outcome: 'output', cookie: f.cookie, priority: f.priority };
    return { outcome: 'drop', cookie: f.cookie, priority: f.priority };
  }

  isDropped(p: Packet, table = 0): boolean {
    return this.lookup(p, table).outcome === 'drop';
  }
}

/** Everything the fake switch was sent, barriers included, in order. */
export type WireEvent = { kind: 'message'; xid: number; message: OfpMessage } | { kind: 'barrier' };

/**
 * A FakeTable behind the connection interface the enforcer uses: messages apply at once,
 * errors are delivered as `switch_error` events before the next barrier resolves (as a
 * switch answers errors before the barrier reply), multipart requests read the table.
 */
export class FakeTableSwitch extends EventEmitter<{ switch_error: [SwitchError, ErrorMessage] }> {
  closed = false;
  /** A switch that stops answering: barriers fail as a timeout would. */
  stalled = false;
  readonly wire: WireEvent[] = [];
  /** Makes the switch refuse matching messages with the given error (e.g. unsupported match). */
  refuse?: (msg: OfpMessage) => SwitchErrorCode | undefined;
  private nextXid = 1;
  private pendingErrors: Array<{ msg: OfpMessage; error: SwitchErrorCode; xid: number }> = [];

  constructor(readonly dpid: string, readonly table: FakeTable, private readonly now: () => number = () => 0) {
    super();
  }

  sendBatch(msgs: OfpMessage[]): number[] {
    return msgs.map((m) => {
      const xid = m.xid || this.nextXid++;
      const msg = { ...m, xid } as OfpMessage;
      this.wire.push({ kind: 'message', xid, message: msg });
      const error = this.refuse?.(msg) ?? this.table.apply(msg, this.now());
      if (error) this.pendingErrors.push({ msg, error, xid });
      return xid;
    });
  }

  async barrier(): Promise<void> {
    if (this.closed) throw new Error('closed');
    if (this.stalled) throw new Error('barrier timed out');
    this.wire.push({ kind: 'barrier' });
    await Promise.resolve();
    const errors = this.pendingErrors;
    this.pendingErrors = [];
    for (const e of errors) {
      const msg: ErrorMessage = { version: OFP_VERSION, type: 'error', xid: e.xid, errorType: e.error.errorType, code: e.error.code, data: Buffer.alloc(0) };
      this.emit('switch_error', new SwitchError(this.dpid, e.error.errorType, e.error.code, e.msg), msg);
    }
  }

  async multipart<K extends MultipartKind>(mpType: K, body: MultipartRequestBodies[K]): Promise<MultipartReplyBodies[K]> {
    if (this.closed) throw new Error('closed');
    switch (mpType) {
      case 'flow':
        return this.table.flowStats(body as FlowStatsRequest, this.now()) as MultipartReplyBodies[K];
      case 'meter_config':
        return this.table.meterConfigs() as MultipartReplyBodies[K];
      case 'meter_features':
        return { maxMeter: this.table.opts.maxMeters ?? 262144, bandTypes: 1, capabilities: 0xf, maxBands: 8, maxColor: 0 } as MultipartReplyBodies[K];
      default:
        throw new Error(`fake switch does not answer ${mpType}`);
    }
  }

  /** Messages sent, without barriers. */
  messages(): OfpMessage[] {
    return this.wire.flatMap((e) => (e.kind === 'message' ? [e.message] : []));
  }

  clearWire(): void {
    this.wire.length = 0;
  }
}
