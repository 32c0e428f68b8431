/**
 * Mitigation templates: a Decision → the one guard-table flow (and the meter) that carries
 * it out in a switch. Pure; the plan decides which of these a switch still needs.
 *
 *   monitor          src → goto accounting, own cookie: the flow's counters show everything
 *                    the flagged source sends, with no effect on its traffic
 *   rate-limit       src → meter (per source) → goto accounting
 *   throttle-victim  dst → meter (per victim, many→single) → goto accounting
 *   selective-drop   src + proto [+ dst port] [+ dst] [+ in_port] → no instructions (drop)
 *   drop             src or src/prefix [+ in_port] → drop
 *   whitelist        src CIDR → goto accounting, above every drop
 *   flood            (target.flood: forged or reflected sources, any src) in_port [+ eth_src]
 *                    + dst + proto [+ TCP SYN without ACK] [+ UDP source port] → meter or drop
 *
 * A decision scoped to one switch (target.dpid) also matches target.inPort there, so a
 * spoofed trusted address is blocked only where the forged traffic enters.
 */
import ipaddr from 'ipaddr.js';
import { applyMeter, encodeMessage, flowMod, gotoTable, meterMod, OpenFlowEncodeError } from '../openflow/index.js';
import type { FlowModMessage, Instruction, Match, MeterBand, MeterModMessage } from '../openflow/index.js';
import { FlowModFlags, MeterFlags, MeterModCommand, Port } from '../openflow/constants.js';
import { cookieFor, FlowPurpose, PRIORITY, purposeOf, TABLE, TIMEOUTS } from '../../flows/layout.js';
import type { Decision, MitigationAction } from '../policy/decision.js';
import { MitigateError } from './errors.js';

/** What a guard flow does to the packets it matches. */
export type GuardEffect = 'allow' | 'monitor' | 'meter' | 'drop';

export interface GuardFlow {
  cookie: bigint;
  priority: number;
  match: Match;
  effect: GuardEffect;
  /** Seconds; 0 = permanent (whitelist flows only). */
  hardTimeout: number;
}

export interface MeterSpec {
  flags: number;
  bands: MeterBand[];
}

export interface DecisionTemplate {
  decisionId: number;
  flow: GuardFlow;
  /** Present for meter effects: the meter the flow points at (its id is chosen per switch). */
  meter?: MeterSpec;
}

/** OpenFlow's hard_timeout is 16 bits: longer decisions are renewed before the switch drops them. */
export const MAX_HARD_TIMEOUT = 0xffff;

const ETH_IPV4 = 0x0800;
const ETH_IPV6 = 0x86dd;
const IP_TCP = 6;
const IP_UDP = 17;
const IP_SCTP = 132;
const TCP_SYN = 0x002;
const TCP_ACK = 0x010;

const PURPOSE: Record<MitigationAction, FlowPurpose> = {
  monitor: FlowPurpose.monitor,
  'rate-limit': FlowPurpose.rateLimit,
  'throttle-victim': FlowPurpose.throttleVictim,
  'selective-drop': FlowPurpose.selectiveDrop,
  drop: FlowPurpose.drop,
};

const MITIGATION_PURPOSES: ReadonlySet<number> = new Set([
  FlowPurpose.whitelist, FlowPurpose.monitor, FlowPurpose.rateLimit, FlowPurpose.throttleVictim,
  FlowPurpose.selectiveDrop, FlowPurpose.drop,
]);

/** Is this one of the guard-table flows the enforcer owns (not the pipeline's LLDP/default)? */
export function isMitigationCookie(cookie: bigint): boolean {
  const purpose = purposeOf(cookie);
  return purpose !== undefined && MITIGATION_PURPOSES.has(purpose);
}

/** When the switch should let go of a decision's flow: its expiry plus the grace (ms). */
export function switchExpiryMs(decision: Pick<Decision, 'expiresAt'>): number {
  return decision.expiresAt + TIMEOUTS.mitigationGrace * 1000;
}

/**
 * Seconds from `installAt` until the decision expires, plus the grace, within 1..65535.
 * Never 0: a hard timeout of 0 would make the flow permanent.
 */
export function hardTimeoutFor(decision: Pick<Decision, 'expiresAt' | 'createdAt' | 'updatedAt'>,
  installAt: number = decision.updatedAt ?? decision.createdAt): number {
  const seconds = Math.ceil((switchExpiryMs(decision) - installAt) / 1000);
  return Math.min(MAX_HARD_TIMEOUT, Math.max(1, seconds));
}

interface Prefix {
  family: 'ipv4' | 'ipv6';
  /** Network address, host bits cleared, in the codec's spelling. */
  address: string;
  bits: number;
  full: number;
}

function prefixOf(text: string, bits: number | undefined, what: string): Prefix {
  let addr: ipaddr.IPv4 | ipaddr.IPv6;
  let mapped = false;
  try {
    const parsed = ipaddr.parse(text);
    mapped = parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress();
    addr = ipaddr.process(text);
  } catch {
    throw new MitigateError('MITIGATE_BAD_TARGET', `${what} is not an IPv4 or IPv6 address: ${JSON.stringify(text)}`);
  }
  const family = addr.kind();
  const full = family === 'ipv4' ? 32 : 128;
  // An IPv4-mapped prefix (::ffff:a.b.c.d/120) is the IPv4 network it maps (/24).
  const length = bits === undefined ? full : mapped ? bits - 96 : bits;
  // A /0 matches every packet of the family (only ever forced by the operator: policy/address.ts isWide).
  if (!Number.isInteger(length) || length < 0 || length > full) {
    throw new MitigateError('MITIGATE_BAD_TARGET', `bad prefix length ${String(bits)} for ${what} ${text}`);
  }
  const network = length === full ? addr
    : family === 'ipv4' ? ipaddr.IPv4.networkAddressFromCIDR(`${addr.toString()}/${length}`)
      : ipaddr.IPv6.networkAddressFromCIDR(`${addr.toString()}/${length}`);
  return { family, address: network.toString(), bits: length, full };
}

function maskText(p: Prefix): string {
  return p.family === 'ipv4'
    ? ipaddr.IPv4.subnetMaskFromPrefixLength(p.bits).toString()
    : ipaddr.IPv6.subnetMaskFromPrefixLength(p.bits).toString();
}

interface MatchParts {
  inPort?: number;
  ethSrc?: string;
  src?: Prefix;
  dst?: Prefix;
  proto?: number;
  dstPort?: number;
  srcPort?: number;
  /** Connection attempts only: TCP SYN set, ACK clear. */
  synOnly?: boolean;
}

/** Builds the OXM match in wire order (prerequisites first), which is also key order. */
function buildMatch(parts: MatchParts): Match {
  const family = parts.src?.family ?? parts.dst?.family;
  if (parts.src && parts.dst && parts.src.family !== parts.dst.family) {
    throw new MitigateError('MITIGATE_BAD_TARGET', `source ${parts.src.address} and destination ${parts.dst.address} are different IP versions`);
  }
  const m: Match = {};
  if (parts.inPort !== undefined) m.inPort = parts.inPort;
  if (parts.ethSrc !== undefined) m.ethSrc = parts.ethSrc;
  m.ethType = family === 'ipv6' ? ETH_IPV6 : ETH_IPV4;
  if (parts.proto !== undefined) m.ipProto = parts.proto;
  const v6 = family === 'ipv6';
  // A /0 source is no address field at all: the eth_type alone matches the whole family.
  if (parts.src && parts.src.bits > 0) {
    if (v6) m.ipv6Src = parts.src.address; else m.ipv4Src = parts.src.address;
    if (parts.src.bits < parts.src.full) {
      if (v6) m.ipv6SrcMask = maskText(parts.src); else m.ipv4SrcMask = maskText(parts.src);
    }
  }
  if (parts.dst) {
    if (v6) m.ipv6Dst = parts.dst.address; else m.ipv4Dst = parts.dst.address;
    if (parts.dst.bits < parts.dst.full) {
      if (v6) m.ipv6DstMask = maskText(parts.dst); else m.ipv4DstMask = maskText(parts.dst);
    }
  }
  if (parts.dstPort !== undefined) {
    if (parts.proto === IP_TCP) m.tcpDst = parts.dstPort;
    else if (parts.proto === IP_UDP) m.udpDst = parts.dstPort;
    else if (parts.proto === IP_SCTP) m.sctpDst = parts.dstPort;
  }
  if (parts.srcPort !== undefined) {
    if (parts.proto === IP_TCP) m.tcpSrc = parts.srcPort;
    else if (parts.proto === IP_UDP) m.udpSrc = parts.srcPort;
  }
  if (parts.synOnly && parts.proto === IP_TCP) {
    m.tcpFlags = TCP_SYN;
    m.tcpFlagsMask = TCP_SYN | TCP_ACK;
  }
  return m;
}

/** Protocols whose port OpenFlow can match; for others (ICMP...) a selective drop covers the protocol. */
function hasPorts(proto: number | undefined): boolean {
  return proto === IP_TCP || proto === IP_UDP || proto === IP_SCTP;
}

/** The codec writes fixed-width fields as they come: a value past the field's width would wrap, so it is refused here. */
function assertFits(value: number | undefined, max: number, what: string, code: 'MITIGATE_BAD_TARGET' | 'MITIGATE_BAD_DECISION'): void {
  if (value !== undefined && !(Number.isInteger(value) && value >= 0 && value <= max)) {
    throw new MitigateError(code, `${what} ${String(value)} is not an integer 0-${max}`);
  }
}

function meterSpecFor(decision: Decision): MeterSpec {
  const rate = decision.rate;
  if (!rate || !(rate.rate > 0)) {
    throw new MitigateError('MITIGATE_BAD_DECISION', `decision ${decision.id} (${decision.action}) has no meter rate`);
  }
  const burst = rate.burst !== undefined && rate.burst > 0 ? Math.round(rate.burst) : 0;
  assertFits(Math.round(rate.rate), 0xffff_ffff, `decision ${decision.id}: meter rate`, 'MITIGATE_BAD_DECISION');
  assertFits(burst, 0xffff_ffff, `decision ${decision.id}: meter burst`, 'MITIGATE_BAD_DECISION');
  const flags = (rate.unit === 'kbps' ? MeterFlags.KBPS : MeterFlags.PKTPS) | MeterFlags.STATS | (burst ? MeterFlags.BURST : 0);
  return { flags, bands: [{ type: 'drop', rate: Math.max(1, Math.round(rate.rate)), burstSize: burst }] };
}

/** The guard flow (and meter) for one decision. `installAt` starts the hard timeout. */
export function templateFor(decision: Decision, installAt: number = decision.updatedAt ?? decision.createdAt): DecisionTemplate {
  const t = decision.target;
  assertFits(t.proto, 0xff, 'protocol', 'MITIGATE_BAD_TARGET');
  assertFits(t.dstPort, 0xffff, 'destination port', 'MITIGATE_BAD_TARGET');
  assertFits(t.inPort, Port.MAX, 'ingress port', 'MITIGATE_BAD_TARGET');
  // A victim throttle matches every source (0.0.0.0/0 in its target): only its destination counts.
  if (decision.action === 'throttle-victim') return victimTemplate(decision, installAt);
  // So does a flood of forged or reflected sources: where it enters is what it is matched by.
  if (t.flood) return floodTemplate(decision, installAt);
  const src = prefixOf(t.src, t.srcPrefix, 'source');
  // in_port means something only on the one switch the decision is scoped to.
  const inPort = t.dpid !== undefined ? t.inPort : undefined;
  const cookie = cookieFor(PURPOSE[decision.action], decision.id);
  const hardTimeout = hardTimeoutFor(decision, installAt);
  const flow = (priority: number, match: Match, effect: GuardEffect): GuardFlow => ({ cookie, priority, match, effect, hardTimeout });
  const G = PRIORITY.guard;

  switch (decision.action) {
    case 'monitor':
      return { decisionId: decision.id, flow: flow(G.monitor + src.bits, buildMatch({ inPort, src }), 'monitor') };
    case 'rate-limit':
      return {
        decisionId: decision.id,
        flow: flow(G.meter + 200 + src.bits, buildMatch({ inPort, src }), 'meter'),
        meter: meterSpecFor(decision),
      };
    case 'selective-drop': {
      const dst = t.dst !== undefined ? prefixOf(t.dst, undefined, 'destination') : undefined;
      const dstPort = hasPorts(t.proto) ? t.dstPort : undefined;
      const parts: MatchParts = { inPort, src, dst, proto: t.proto, dstPort };
      // One point per field the drop narrows on: the narrower drop wins where two overlap.
      const fields = 1 + Number(dst !== undefined) + Number(t.proto !== undefined) + Number(dstPort !== undefined) + Number(inPort !== undefined);
      return { decisionId: decision.id, flow: flow(G.selectiveDrop + fields, buildMatch(parts), 'drop') };
    }
    case 'drop':
      return { decisionId: decision.id, flow: flow(G.drop, buildMatch({ inPort, src }), 'drop') };
  }
}

/** Server-level throttle (many→single): one meter on everything sent to the victim. */
function victimTemplate(decision: Decision, installAt: number): DecisionTemplate {
  const t = decision.target;
  if (!t.dst) throw new MitigateError('MITIGATE_BAD_DECISION', `decision ${decision.id} throttles a victim but names none`);
  const dst = prefixOf(t.dst, undefined, 'victim');
  const inPort = t.dpid !== undefined ? t.inPort : undefined;
  return {
    decisionId: decision.id,
    flow: {
      cookie: cookieFor(PURPOSE[decision.action], decision.id), priority: PRIORITY.guard.meter + dst.bits,
      match: buildMatch({ inPort, dst }), effect: 'meter', hardTimeout: hardTimeoutFor(decision, installAt),
    },
    meter: meterSpecFor(decision),
  };
}

/**
 * Throws the MitigateError that keeps a decision from becoming flows, if any: its template
 * (MITIGATE_BAD_TARGET, MITIGATE_BAD_DECISION), then the codec's word on the flow-mod and
 * meter-mod a switch would be sent (MITIGATE_NOT_ENCODABLE). Checked once per version of a
 * decision, so one that can never be installed is refused on its own, before any batch.
 */
export function assertExpressible(decision: Decision): void {
  const template = templateFor(decision);
  const what = `decision ${decision.id} (${decision.action})`;
  // The meter id is chosen per switch; any valid one encodes the same way.
  assertEncodable(guardFlowMod(template.flow, template.meter ? 1 : undefined), what);
  if (template.meter) assertEncodable(meterModFor(template.meter, 1), what);
}

/** The whitelist's allow flows, each one checked like a decision's (throws MitigateError). */
export function assertWhitelistExpressible(cidrs: readonly string[]): void {
  whitelistFlows(cidrs).forEach((flow, i) => assertEncodable(guardFlowMod(flow), `whitelist entry ${JSON.stringify(cidrs[i])}`));
}

function assertEncodable(msg: FlowModMessage | MeterModMessage, what: string): void {
  try {
    encodeMessage(msg);
  } catch (err) {
    if (!(err instanceof OpenFlowEncodeError)) throw err;
    throw new MitigateError('MITIGATE_NOT_ENCODABLE', `${what}: ${err.message}`);
  }
}

/**
 * A flood whose sources cannot be trusted, matched where it enters (the switch it is scoped
 * to, the port, the sender's MAC when others share that port), toward its victim, for its
 * protocol: connection attempts only for TCP, the reflector's source port for reflection.
 * A drop ranks with the selective drops (one point per field it narrows on), a meter above
 * the per-source meters: the narrowest rule wins where two overlap.
 */
function floodTemplate(decision: Decision, installAt: number): DecisionTemplate {
  const t = decision.target;
  if (!t.dst) throw new MitigateError('MITIGATE_BAD_DECISION', `decision ${decision.id} answers a flood but names no victim`);
  if (t.dpid === undefined || t.inPort === undefined) {
    throw new MitigateError('MITIGATE_BAD_DECISION', `decision ${decision.id} answers a flood but names no entry point (switch and port)`);
  }
  if (t.proto === undefined) throw new MitigateError('MITIGATE_BAD_DECISION', `decision ${decision.id} answers a flood but names no protocol`);
  const parts: MatchParts = { inPort: t.inPort, dst: prefixOf(t.dst, undefined, 'victim'), proto: t.proto };
  if (t.ethSrc !== undefined) parts.ethSrc = t.ethSrc;
  if (t.synOnly && t.proto === IP_TCP) parts.synOnly = true;
  if (t.srcPort !== undefined && (t.proto === IP_TCP || t.proto === IP_UDP)) parts.srcPort = t.srcPort;
  const fields = 3 + Number(parts.ethSrc !== undefined) + Number(parts.synOnly === true) + Number(parts.srcPort !== undefined);
  const cookie = cookieFor(PURPOSE[decision.action], decision.id);
  const hardTimeout = hardTimeoutFor(decision, installAt);
  const match = buildMatch(parts);
  switch (decision.action) {
    case 'rate-limit':
    case 'throttle-victim':
      return { decisionId: decision.id, flow: { cookie, priority: PRIORITY.guard.meter + 300 + fields, match, effect: 'meter', hardTimeout }, meter: meterSpecFor(decision) };
    case 'selective-drop':
    case 'drop':
      return { decisionId: decision.id, flow: { cookie, priority: PRIORITY.guard.selectiveDrop + fields, match, effect: 'drop', hardTimeout } };
    case 'monitor':
      return { decisionId: decision.id, flow: { cookie, priority: PRIORITY.guard.monitor + fields, match, effect: 'monitor', hardTimeout } };
  }
}

/** Allow flows for whitelisted networks: above every drop, permanent, no flow-removed. */
export function whitelistFlows(cidrs: readonly string[]): GuardFlow[] {
  const cookie = cookieFor(FlowPurpose.whitelist);
  return cidrs.map((text) => {
    const slash = text.indexOf('/');
    const src = slash < 0 ? prefixOf(text, undefined, 'whitelist entry') : prefixOf(text.slice(0, slash), Number(text.slice(slash + 1)), 'whitelist entry');
    return { cookie, priority: PRIORITY.guard.whitelist, match: buildMatch({ src }), effect: 'allow' as const, hardTimeout: 0 };
  });
}

/** Instructions for an effect: a drop has none (OpenFlow drops a packet with no actions). */
export function guardInstructions(effect: GuardEffect, meterId?: number): Instruction[] {
  switch (effect) {
    case 'drop':
      return [];
    case 'meter':
      if (meterId === undefined) throw new MitigateError('MITIGATE_BAD_DECISION', 'a metered flow needs a meter id');
      return [applyMeter(meterId), gotoTable(TABLE.accounting)];
    case 'allow':
    case 'monitor':
      return [gotoTable(TABLE.accounting)];
  }
}

/** The ADD flow-mod for a guard flow. Mitigation flows ask for flow-removed (final counters). */
export function guardFlowMod(flow: GuardFlow, meterId?: number): FlowModMessage {
  return flowMod({
    tableId: TABLE.guard,
    cookie: flow.cookie,
    priority: flow.priority,
    hardTimeout: flow.hardTimeout,
    flags: flow.effect === 'allow' ? 0 : FlowModFlags.SEND_FLOW_REM,
    match: flow.match,
    instructions: guardInstructions(flow.effect, meterId),
  });
}

export function meterModFor(spec: MeterSpec, meterId: number, command: number = MeterModCommand.ADD): MeterModMessage {
  return meterMod({ command, meterId, flags: spec.flags, bands: spec.bands });
}
