/**
 * Forwarding and accounting: L2 learning so real topologies work, LLDP link discovery so
 * transit ports are known, and per-source accounting flows at the ingress edge so the
 * counters the detector needs exist. Pure in the Faucet way: every handler takes what
 * happened and `now`, and returns the messages to send; the caller sends them.
 *
 * Bounds (the hard problem of random-source floods): packet-ins are limited in the switch
 * by the controller meter; accounting flows per switch are capped, past the cap a source
 * is accounted in a coarse /24 (/64) flow, and past the aggregate cap not at all; the
 * accounting flow-mods a switch is sent are limited per second (a flood that forges a new
 * address per packet would otherwise have the controller rewrite the table as fast as the
 * controller meter lets packet-ins through); repeated packet-ins for a flow being
 * installed are ignored for a short hold time.
 */
import ipaddr from 'ipaddr.js';
import type { Match, OfpMessage, PacketInMessage, PacketOutMessage, PortDescription } from '../openflow/index.js';
import { NO_BUFFER, OFP_VERSION, Port } from '../openflow/constants.js';
import { cookieFor, FlowPurpose, PRIORITY, TABLE, TIMEOUTS, purposeOf } from '../../flows/layout.js';
import { addFlow, goto } from './pipeline.js';
import { buildLldp, ETH_TYPE, parseLldp, parsePacket, type PacketSummary } from './packet.js';

export interface ForwardingOptions {
  /** per switch: per-source accounting flows before falling back to aggregates */
  maxAccountingFlows: number;
  /** per switch: aggregate (/24, /64) accounting flows */
  maxAggregateFlows: number;
  accountingIdleTimeout: number;
  forwardingIdleTimeout: number;
  /** ignore repeated packet-ins for a flow we just installed, for this long */
  installHoldMs: number;
  /**
   * per switch: this many new conversations within `surgeWindowMs` is a surge (a flood of new
   * sources beginning): the controller polls at once instead of waiting for the next round
   */
  surgeConversations: number;
  surgeWindowMs: number;
  /** per switch: conversations given accounting flows per second at most (one flow-mod each, two for TCP with its SYN counter; burst: one second's worth) */
  maxAccountingInstallsPerSec: number;
}

export const defaultForwardingOptions: ForwardingOptions = {
  maxAccountingFlows: 20_000,
  maxAggregateFlows: 2_048,
  accountingIdleTimeout: TIMEOUTS.accountingIdle,
  forwardingIdleTimeout: TIMEOUTS.forwardingIdle,
  installHoldMs: 2_000,
  maxAccountingInstallsPerSec: 500,
  surgeConversations: 40,
  surgeWindowMs: 250,
};

/** Ports above this are reserved (LOCAL, CONTROLLER, ...) and never carry LLDP. */
const MAX_PHYSICAL_PORT = 0xffffff00;
/** Linux picks ephemeral ports from 32768 up; a port below that on one side names the service. */
const EPHEMERAL_FLOOR = 32768;
/** Ports below this are assigned services (IANA "system ports"). */
const WELL_KNOWN_LIMIT = 1024;
const TCP_SYN = 0x002;
const TCP_ACK = 0x010;
const TCP_RST = 0x004;

interface SwitchState {
  ports: Map<number, PortDescription>;
  /** MAC → port learned on this switch */
  macs: Map<string, number>;
  /** ports that lead to another switch (from LLDP) */
  transitPorts: Set<number>;
  accountingFlows: number;
  aggregateFlows: number;
  /** accounting key → time installed, to swallow packet-ins that race the flow-mod */
  recent: Map<string, number>;
  /** aggregate keys installed (the cap counts these) */
  aggregates: Set<string>;
  /** accounting installs left in the current budget, refilled with time */
  installTokens: number;
  tokensAt: number;
  /** new conversations since surgeFrom; a surge is reported once per window */
  surgeFrom: number;
  surgeCount: number;
  surgeReported: boolean;
}

export interface AccountingKey {
  /**
   * Where the conversation enters the switch: one source on two ports is two flows, so a
   * flood forging the address of a host on another port is told apart from that host (and
   * blocked where it enters, not where the host lives).
   */
  inPort?: number;
  /**
   * The sender's MAC as it entered: hosts sharing a port (behind a plain switch) are told
   * apart by it, so a spoofed flood entering beside legitimate clients can be stopped at
   * its own MAC.
   */
  ethSrc?: string;
  src: string;
  dst: string;
  proto: number;
  /** the service side's port: dst port for client→server, src port for server→client */
  port?: number;
  portIsSource?: boolean;
  /** ICMP/ICMPv6 type: echo replies and errors are answers, told apart from requests */
  icmpType?: number;
  v6: boolean;
}

export class ForwardingApp {
  private readonly switches = new Map<string, SwitchState>();
  /** Counts for metrics and tests. */
  readonly counters = { packetIns: 0, accountingInstalled: 0, aggregateInstalled: 0, capped: 0, overBudget: 0, learned: 0, linksFound: 0 };

  constructor(private readonly opts: ForwardingOptions = defaultForwardingOptions) {}

  switchState(dpid: string): Readonly<SwitchState> | undefined {
    return this.switches.get(dpid);
  }

  /** A ready switch: remember its ports and probe each with LLDP for neighbours. */
  switchUp(dpid: string, ports: Iterable<PortDescription>): OfpMessage[] {
    const state: SwitchState = {
      ports: new Map(), macs: new Map(), transitPorts: new Set(),
      accountingFlows: 0, aggregateFlows: 0, recent: new Map(), aggregates: new Set(),
      installTokens: this.opts.maxAccountingInstallsPerSec, tokensAt: -Infinity,
      surgeFrom: -Infinity, surgeCount: 0, surgeReported: false,
    };
    for (const p of ports) state.ports.set(p.portNo, p);
    this.switches.set(dpid, state);
    return this.probeLinks(dpid);
  }

  switchDown(dpid: string): void {
    this.switches.delete(dpid);
    // Links that led to this switch are no longer transit on its neighbours only once they
    // are rediscovered; keeping them marked is the safe side (no double accounting).
  }

  portChanged(dpid: string, port: PortDescription, deleted: boolean): OfpMessage[] {
    const s = this.switches.get(dpid);
    if (!s) return [];
    if (deleted) {
      s.ports.delete(port.portNo);
      s.transitPorts.delete(port.portNo);
      for (const [mac, p] of s.macs) if (p === port.portNo) s.macs.delete(mac);
      return [];
    }
    s.ports.set(port.portNo, port);
    return port.portNo < MAX_PHYSICAL_PORT ? [this.lldpOut(dpid, port)] : [];
  }

  /** LLDP probes out of every physical port: neighbours answer through their packet-ins. */
  probeLinks(dpid: string): OfpMessage[] {
    const s = this.switches.get(dpid);
    if (!s) return [];
    const out: OfpMessage[] = [];
    for (const p of s.ports.values()) if (p.portNo < MAX_PHYSICAL_PORT) out.push(this.lldpOut(dpid, p));
    return out;
  }

  private lldpOut(dpid: string, port: PortDescription): PacketOutMessage {
    return {
      version: OFP_VERSION, type: 'packet_out', xid: 0, bufferId: NO_BUFFER, inPort: Port.CONTROLLER,
      actions: [{ type: 'output', port: port.portNo, maxLen: 0 }],
      data: buildLldp(dpid, port.portNo, port.hwAddr),
    };
  }

  /** A flow left the switch: free its slot under the cap. */
  flowRemoved(dpid: string, cookie: bigint): void {
    const s = this.switches.get(dpid);
    if (!s) return;
    const purpose = purposeOf(cookie);
    if (purpose === FlowPurpose.accounting) s.accountingFlows = Math.max(0, s.accountingFlows - 1);
  }

  packetIn(dpid: string, msg: PacketInMessage, now: number): OfpMessage[] {
    const s = this.switches.get(dpid);
    if (!s) return [];
    this.counters.packetIns++;
    const inPort = msg.match.inPort;
    if (inPort === undefined) return [];
    const pkt = parsePacket(msg.data);
    if (!pkt) return [];
    if (pkt.ethType === ETH_TYPE.lldp) return this.lldpIn(s, inPort, msg.data);
    const out: OfpMessage[] = [];
    this.learn(s, pkt, inPort, out);
    if (pkt.ipSrc && pkt.ipDst && pkt.ipProto !== undefined && !s.transitPorts.has(inPort) && isAccountable(pkt.ipSrc, pkt.ipDst)) {
      this.account(s, pkt, inPort, now, out);
    }
    return out;
  }

  /**
   * Our own LLDP came back in on `inPort`: that port faces another switch. Packets arriving
   * there were accounted at their ingress edge already, so they skip accounting here. (The
   * far side learns the same from its own probe.)
   */
  private lldpIn(s: SwitchState, inPort: number, data: Buffer): OfpMessage[] {
    if (!parseLldp(data) || s.transitPorts.has(inPort)) return [];
    s.transitPorts.add(inPort);
    this.counters.linksFound++;
    return [addFlow({
      table: TABLE.accounting, priority: PRIORITY.accounting.transit, cookie: cookieFor(FlowPurpose.transit),
      match: { inPort }, instructions: [goto(TABLE.forwarding)],
    })];
  }

  /** Learn where eth_src lives; install forwarding to it so replies never flood. */
  private learn(s: SwitchState, pkt: PacketSummary, inPort: number, out: OfpMessage[]): void {
    const mac = pkt.ethSrc;
    if (isMulticast(mac)) return;
    if (s.macs.get(mac) === inPort) return;
    s.macs.set(mac, inPort);
    this.counters.learned++;
    out.push(addFlow({
      table: TABLE.forwarding, priority: PRIORITY.forwarding.learned, cookie: cookieFor(FlowPurpose.forwarding),
      idleTimeout: this.opts.forwardingIdleTimeout,
      match: { ethDst: mac },
      instructions: [{ type: 'apply_actions', actions: [{ type: 'output', port: inPort, maxLen: 0 }] }],
    }));
  }

  private account(s: SwitchState, pkt: PacketSummary, inPort: number, now: number, out: OfpMessage[]): void {
    const key = { ...accountingKey(pkt), inPort, ethSrc: pkt.ethSrc };
    const id = `${inPort}|${pkt.ethSrc}|${key.src}|${key.dst}|${key.proto}|${key.port ?? key.icmpType ?? ''}|${key.portIsSource ? 's' : 'd'}`;
    const seen = s.recent.get(id);
    if (seen !== undefined && now - seen < this.opts.installHoldMs) return;
    this.noteNewConversation(s, now);
    if (!this.takeInstallToken(s, now)) {
      // Not accounted now: the conversation's next packet-in may be, once the budget refills.
      this.counters.overBudget++;
      return;
    }
    if (s.recent.size > 4 * this.opts.maxAccountingFlows) pruneOlderThan(s.recent, now - this.opts.installHoldMs);
    s.recent.set(id, now);

    if (s.accountingFlows < this.opts.maxAccountingFlows) {
      s.accountingFlows++;
      this.counters.accountingInstalled++;
      out.push(...accountingFlows(key, this.opts.accountingIdleTimeout));
      return;
    }
    // Past the cap: one coarse flow per source subnet keeps the counters without the table.
    const agg = aggregateMatch(key);
    if (s.aggregates.has(agg.id)) return;
    if (s.aggregates.size >= this.opts.maxAggregateFlows) {
      this.counters.capped++;
      return;
    }
    s.aggregates.add(agg.id);
    this.counters.aggregateInstalled++;
    out.push(addFlow({
      table: TABLE.accounting, priority: PRIORITY.accounting.aggregate, cookie: cookieFor(FlowPurpose.aggregate),
      idleTimeout: this.opts.accountingIdleTimeout, notifyRemoved: true,
      match: agg.match, instructions: [goto(TABLE.forwarding)],
    }));
  }

  /**
   * Whether a surge of new conversations began on the switch since the last call said so:
   * at most once per surge window. The caller polls the switch at once.
   */
  takeSurge(dpid: string): boolean {
    const s = this.switches.get(dpid);
    if (!s || s.surgeReported || s.surgeCount < this.opts.surgeConversations) return false;
    s.surgeReported = true;
    return true;
  }

  private noteNewConversation(s: SwitchState, now: number): void {
    if (now - s.surgeFrom >= this.opts.surgeWindowMs) {
      s.surgeFrom = now;
      s.surgeCount = 0;
      s.surgeReported = false;
    }
    s.surgeCount++;
  }

  private takeInstallToken(s: SwitchState, now: number): boolean {
    const perSec = this.opts.maxAccountingInstallsPerSec;
    const elapsed = s.tokensAt === -Infinity ? Infinity : Math.max(0, now - s.tokensAt);
    s.installTokens = Math.min(perSec, s.installTokens + (elapsed * perSec) / 1000);
    s.tokensAt = now;
    if (s.installTokens < 1) return false;
    s.installTokens--;
    return true;
  }

  /** An aggregate flow left the switch: its subnet may be aggregated again. */
  aggregateRemoved(dpid: string, match: Match): void {
    const s = this.switches.get(dpid);
    if (!s) return;
    const id = match.ipv4Src ? `4|${match.ipv4Src}` : `6|${match.ipv6Src}`;
    s.aggregates.delete(id);
  }
}

/**
 * Link housekeeping is not a source's traffic: a host with no address yet (DHCP from
 * 0.0.0.0, IPv6 duplicate-address detection from ::) and IPv6 link-local multicast
 * (neighbour discovery, MLD) would otherwise get accounting flows, scores and monitor
 * decisions of their own. That traffic never leaves the link, so nothing is lost.
 */
export function isAccountable(src: string, dst: string): boolean {
  if (src === '0.0.0.0' || src === '::') return false;
  return !/^ff[0-9a-f]2:/i.test(dst);
}

function isMulticast(mac: string): boolean {
  return (parseInt(mac.slice(0, 2), 16) & 1) === 1;
}

function pruneOlderThan(map: Map<string, number>, cutoff: number): void {
  for (const [k, t] of map) if (t < cutoff) map.delete(k);
}

export function accountingKey(pkt: PacketSummary): AccountingKey {
  const key: AccountingKey = { src: pkt.ipSrc!, dst: pkt.ipDst!, proto: pkt.ipProto!, v6: pkt.ethType === ETH_TYPE.ipv6 };
  if ((key.proto === 1 || key.proto === 58) && pkt.icmpType !== undefined) key.icmpType = pkt.icmpType;
  if (pkt.dstPort !== undefined && pkt.srcPort !== undefined) {
    // Key by the service port so one client's many connections share one flow, and a
    // server's replies to them too. Without TCP flags to go by: a well-known port (< 1024)
    // names the service; else a port below the ephemeral range facing one inside it does;
    // otherwise the destination.
    // A TCP segment says it outright: SYN alone opens (the destination is the service),
    // SYN+ACK or RST answers (the source is the service, or the closed port). A server answering a SYN flood from arbitrary client
    // ports must not look like a server sending to many ports.
    const { srcPort, dstPort } = pkt;
    const flags = pkt.ipProto === 6 ? (pkt.tcpFlags ?? 0) & (TCP_SYN | TCP_ACK | TCP_RST) : 0;
    const replyFromService = flags === (TCP_SYN | TCP_ACK) || (flags & TCP_RST) !== 0 ? true
      : flags === TCP_SYN ? false
        : srcPort < WELL_KNOWN_LIMIT
          ? dstPort >= WELL_KNOWN_LIMIT
          : dstPort >= EPHEMERAL_FLOOR && srcPort < EPHEMERAL_FLOOR;
    if (replyFromService) {
      key.port = srcPort;
      key.portIsSource = true;
    } else {
      key.port = dstPort;
    }
  }
  return key;
}

export function accountingMatch(key: AccountingKey): Match {
  const m: Match = key.v6
    ? { ethType: ETH_TYPE.ipv6, ipProto: key.proto, ipv6Src: key.src, ipv6Dst: key.dst }
    : { ethType: ETH_TYPE.ipv4, ipProto: key.proto, ipv4Src: key.src, ipv4Dst: key.dst };
  if (key.inPort !== undefined) m.inPort = key.inPort;
  if (key.ethSrc !== undefined) m.ethSrc = key.ethSrc;
  if (key.port !== undefined) {
    if (key.proto === 6) m[key.portIsSource ? 'tcpSrc' : 'tcpDst'] = key.port;
    else if (key.proto === 17) m[key.portIsSource ? 'udpSrc' : 'udpDst'] = key.port;
  }
  if (key.icmpType !== undefined) m[key.v6 ? 'icmpv6Type' : 'icmpv4Type'] = key.icmpType;
  return m;
}

/** The accounting flow for a conversation; for TCP also its SYN and RST counters. */
export function accountingFlows(key: AccountingKey, idleTimeout: number): OfpMessage[] {
  const match = accountingMatch(key);
  const flows: OfpMessage[] = [addFlow({
    table: TABLE.accounting, priority: PRIORITY.accounting.perSource, cookie: cookieFor(FlowPurpose.accounting),
    idleTimeout, notifyRemoved: true, match, instructions: [goto(TABLE.forwarding)],
  })];
  if (key.proto === 6 && !key.portIsSource) {
    // SYN set, ACK clear: connection attempts. With the forward flow's count and the
    // reverse flow's, this gives the handshake ratio a SYN flood gives away.
    flows.push(addFlow({
      table: TABLE.accounting, priority: PRIORITY.accounting.syn, cookie: cookieFor(FlowPurpose.syn),
      idleTimeout, notifyRemoved: true, match: { ...match, tcpFlags: 0x002, tcpFlagsMask: 0x012 },
      instructions: [goto(TABLE.forwarding)],
    }));
    // RST set: answers, not traffic of the sender's own. The owner of an address a SYN flood
    // forges resets every SYN-ACK it never asked for, as fast as the flood comes, on this very
    // conversation; counted apart, that backscatter never makes the owner look like a flooder.
    flows.push(addFlow({
      table: TABLE.accounting, priority: PRIORITY.accounting.rst, cookie: cookieFor(FlowPurpose.rst),
      idleTimeout, notifyRemoved: true, match: { ...match, tcpFlags: TCP_RST, tcpFlagsMask: TCP_RST },
      instructions: [goto(TABLE.forwarding)],
    }));
  }
  return flows;
}

function aggregateMatch(key: AccountingKey): { id: string; match: Match } {
  if (key.v6) {
    const net = ipaddr.IPv6.isValid(key.src) ? `${ipaddr.IPv6.parse(key.src).parts.slice(0, 4).map((g) => g.toString(16)).join(':')}::` : key.src;
    return { id: `6|${net}`, match: { ethType: ETH_TYPE.ipv6, ipv6Src: net, ipv6SrcMask: 'ffff:ffff:ffff:ffff::' } };
  }
  const net = key.src.split('.').slice(0, 3).join('.') + '.0';
  return { id: `4|${net}`, match: { ethType: ETH_TYPE.ipv4, ipv4Src: net, ipv4SrcMask: '255.255.255.0' } };
}
