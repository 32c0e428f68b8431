/**
 * A fake network of several fake switches (after Faucet's FakeOFNetwork): hosts on switch
 * ports, links between switches, and traffic that walks each switch's tables as Open
 * vSwitch would — the guard table (drops, meters with their bands), the accounting table
 * (the highest-priority match counts; a miss reaches the real ForwardingApp as a
 * packet-in, whose flow-mods are applied), then on to the next switch towards the
 * destination host. Every flow, meter and port counts what it saw, so the real
 * StatsPoller reads real-looking counters, and the real Enforcer installs into the same
 * tables. Time is a ManualClock; nothing opens a socket.
 *
 * `defend()` puts the product's parts on top, wired as Guard wires them: poller → Core →
 * Enforcer, with the policy's tick. A test runs simulated seconds with `run()` and asks
 * the tables what happened.
 */
import ipaddr from 'ipaddr.js';
import type { FlowStatsEntry, MeterStats, MultipartKind, MultipartReplyBodies, MultipartRequestBodies, OfpMessage, PacketInMessage, PortStats } from '../../controller/openflow/index.js';
import { ManualClock, type Timers } from '../../controller/clock.js';
import { silentLogger } from '../../controller/log.js';
import { ForwardingApp, defaultForwardingOptions, type ForwardingOptions } from '../../controller/forwarding/app.js';
import { basePipeline } from '../../controller/forwarding/pipeline.js';
import { parseLldp } from '../../controller/forwarding/packet.js';
import { TABLE } from '../../flows/layout.js';
import { StatsPoller, type PollerConnection } from '../../controller/stats/poller.js';
import { Core, type RoundResult } from '../../controller/core/core.js';
import { DetectionEngine } from '../../controller/detect/engine.js';
import type { DetectConfigInput } from '../../controller/detect/config.js';
import { PolicyEngine, type EngineResult } from '../../controller/policy/engine.js';
import type { PolicyConfigInput } from '../../controller/policy/config.js';
import { Enforcer } from '../../controller/mitigate/enforcer.js';
import { FakeTable, FakeTableSwitch, type FakeFlow, type Packet } from './fake-table.js';
import { portDesc } from './fake-switch.js';

/** Timers that fire only when a test says so (the poller's round deadline never needs to). */
export const idleTimers: Timers = { setTimeout: () => undefined, clearTimeout: () => {} };

export interface Host {
  name: string;
  ip: string;
  mac: string;
  dpid: string;
  port: number;
}

/** A packet as a host sends it; `src` may be forged. */
export interface HostPacket extends Omit<Packet, 'inPort'> {
  bytes?: number;
}

/** A steady stream from a host, `pps` packets per second while it runs. */
export interface TrafficSource {
  host: string;
  packet: HostPacket;
  pps: number;
  from: number;
  until: number;
  /** Fractions of a packet carried from one step to the next. */
  carry: number;
  /** Every packet forges a new source address (hping3 --rand-source): a seeded sequence. */
  forgeSources?: { next: number };
}

export interface PathStep {
  dpid: string;
  inPort: number;
  /** What the guard table did: the packets that went on. */
  passed: number;
}

const MAX_PHYSICAL_PORT = 0xffffff00;

/** One fake switch: a FakeTable with counters, behind both the enforcer's and the poller's interfaces. */
export class FakeNetSwitch extends FakeTableSwitch implements PollerConnection {
  readonly ports = new Map<number, ReturnType<typeof portDesc>>();
  readonly portCounters = new Map<number, { rxPackets: bigint; txPackets: bigint; rxBytes: bigint; txBytes: bigint }>();
  isReady = true;
  /** Token buckets of the meters: packets allowed so far this second. */
  private readonly buckets = new Map<number, { at: number; tokens: number }>();

  constructor(dpid: string, private readonly clock: ManualClock) {
    super(dpid, new FakeTable(), () => clock.now());
  }

  addPort(no: number): void {
    this.ports.set(no, { ...portDesc(no), currSpeed: 1_000_000 });
    this.portCounters.set(no, { rxPackets: 0n, txPackets: 0n, rxBytes: 0n, txBytes: 0n });
  }

  async visitFlowStats(body: MultipartRequestBodies['flow'], visit: (entry: FlowStatsEntry) => void): Promise<number> {
    if (this.closed) throw new Error('closed');
    const stats = this.table.flowStats(body, this.clock.now());
    for (const f of stats) {
      let meterId = 0;
      for (const i of f.instructions) if (i.type === 'meter') meterId = i.meterId;
      const { instructions: _i, ...entry } = f;
      visit({ ...entry, meterId });
    }
    return stats.length;
  }

  override async multipart<K extends MultipartKind>(mpType: K, body: MultipartRequestBodies[K]): Promise<MultipartReplyBodies[K]> {
    if (this.closed) throw new Error('closed');
    if (mpType === 'port_stats') return this.portStats() as MultipartReplyBodies[K];
    if (mpType === 'meter') return this.meterStats() as MultipartReplyBodies[K];
    return super.multipart(mpType, body);
  }

  private portStats(): PortStats[] {
    return [...this.portCounters].map(([portNo, c]) => ({
      portNo, ...c, rxDropped: 0n, txDropped: 0n, rxErrors: 0n, txErrors: 0n, rxFrameErr: 0n, rxOverErr: 0n, rxCrcErr: 0n,
      collisions: 0n, durationSec: 0, durationNsec: 0,
    }));
  }

  private meterStats(): MeterStats[] {
    const now = this.clock.now();
    return [...this.table.meters.values()].map((m) => ({
      meterId: m.meterId,
      flowCount: this.table.flows.filter((f) => f.instructions.some((i) => i.type === 'meter' && i.meterId === m.meterId)).length,
      packetInCount: m.packetsIn, byteInCount: m.bytesIn,
      durationSec: Math.floor((now - m.addedAt) / 1000), durationNsec: 0,
      bandStats: [{ packetBandCount: m.dropped, byteBandCount: 0n }],
    }));
  }

  /** How many of `count` packets a meter lets through now (pktps bands; a band's rate per second, burst of one second). */
  meterPass(meterId: number, count: number, bytes: number): number {
    const meter = this.table.meters.get(meterId);
    if (!meter) return count;
    const rate = Math.min(...meter.bands.map((b) => b.rate));
    const now = this.clock.now();
    const bucket = this.buckets.get(meterId) ?? { at: now, tokens: rate };
    bucket.tokens = Math.min(rate, bucket.tokens + (rate * (now - bucket.at)) / 1000);
    bucket.at = now;
    const passed = Math.min(count, Math.floor(bucket.tokens));
    bucket.tokens -= passed;
    this.buckets.set(meterId, bucket);
    meter.packetsIn += BigInt(count);
    meter.bytesIn += BigInt(count * bytes);
    meter.dropped += BigInt(count - passed);
    return passed;
  }
}

export class FakeNetwork {
  readonly clock: ManualClock;
  readonly switches = new Map<string, FakeNetSwitch>();
  readonly hosts = new Map<string, Host>();
  readonly forwarding: ForwardingApp;
  /** "dpid:port" → the switch port at the other end of a link. */
  private readonly links = new Map<string, { dpid: string; port: number }>();
  private readonly sources: TrafficSource[] = [];
  /** Packet-ins the forwarding app was given (one per missed burst). */
  packetIns = 0;

  constructor(opts: { start?: number; forwarding?: Partial<ForwardingOptions> } = {}) {
    this.clock = new ManualClock(opts.start ?? 1_700_000_000_000);
    this.forwarding = new ForwardingApp({ ...defaultForwardingOptions, ...opts.forwarding });
  }

  addSwitch(dpid: string, ports: number): FakeNetSwitch {
    const sw = new FakeNetSwitch(dpid, this.clock);
    for (let no = 1; no <= ports; no++) sw.addPort(no);
    this.switches.set(dpid, sw);
    return sw;
  }

  addHost(name: string, ip: string, dpid: string, port: number): Host {
    const n = this.hosts.size + 1;
    const host: Host = { name, ip, mac: `02:00:00:00:${(n >> 8).toString(16).padStart(2, '0')}:${(n & 0xff).toString(16).padStart(2, '0')}`, dpid, port };
    this.hosts.set(name, host);
    return host;
  }

  link(a: string, portA: number, b: string, portB: number): void {
    this.links.set(`${a}:${portA}`, { dpid: b, port: portB });
    this.links.set(`${b}:${portB}`, { dpid: a, port: portA });
  }

  /** Every switch gets the base pipeline and meets the forwarding app; LLDP finds the links. */
  start(): void {
    for (const sw of this.switches.values()) {
      this.deliverAll(sw, basePipeline({ packetInRate: 1000, missSendLen: 128 }));
      this.deliverAll(sw, this.forwarding.switchUp(sw.dpid, sw.ports.values()));
    }
    // Probed again now that every switch has its LLDP flow (as the controller does).
    for (const sw of this.switches.values()) this.deliverAll(sw, this.forwarding.probeLinks(sw.dpid));
  }

  /** A steady stream from `host` for `seconds` (from now). */
  stream(host: string, packet: HostPacket, pps: number, seconds: number): void {
    const now = this.clock.now();
    this.sources.push({ host, packet, pps, from: now, until: now + seconds * 1000, carry: 0 });
  }

  /**
   * A stream whose every packet forges a new source address, as `hping3 --rand-source`
   * does (from 198.18.0.0/15 onward, never an address of the network's own hosts).
   */
  streamForged(host: string, packet: HostPacket, pps: number, seconds: number, seed = 1): void {
    const now = this.clock.now();
    this.sources.push({ host, packet, pps, from: now, until: now + seconds * 1000, carry: 0, forgeSources: { next: seed * 7919 } });
  }

  /** `count` packets from `host` now; returns the path the first switch's decision let through. */
  send(hostName: string, packet: HostPacket, count: number): PathStep[] {
    const host = this.hosts.get(hostName);
    if (!host) throw new Error(`no host ${hostName}`);
    const dst = [...this.hosts.values()].find((h) => h.ip === packet.dst);
    const bytes = packet.bytes ?? 60;
    const path: PathStep[] = [];
    let at: { dpid: string; port: number } | undefined = { dpid: host.dpid, port: host.port };
    let left = count;
    for (let hops = 0; at && left > 0 && hops < 16; hops++) {
      const sw = this.switches.get(at.dpid)!;
      const inPort = at.port;
      this.countPort(sw, inPort, 'rx', left, bytes);
      left = this.throughSwitch(sw, { ...packet, inPort, ethSrc: host.mac }, host, dst, left, bytes);
      path.push({ dpid: sw.dpid, inPort, passed: left });
      if (left === 0 || !dst) break;
      if (dst.dpid === sw.dpid) {
        this.countPort(sw, dst.port, 'tx', left, bytes);
        break;
      }
      const out = this.portTowards(sw.dpid, dst.dpid);
      if (out === undefined) break;
      this.countPort(sw, out, 'tx', left, bytes);
      at = this.links.get(`${sw.dpid}:${out}`);
    }
    return path;
  }

  /** Moves time on by `ms`, sending what the streams send meanwhile, and expires hard timeouts. */
  advance(ms: number): void {
    const to = this.clock.now() + ms;
    this.clock.set(to);
    for (const s of this.sources) {
      const from = Math.max(s.from, to - ms);
      const until = Math.min(s.until, to);
      if (until <= from) continue;
      const exact = (s.pps * (until - from)) / 1000 + s.carry;
      const n = Math.floor(exact);
      s.carry = exact - n;
      if (n <= 0) continue;
      if (!s.forgeSources) {
        this.send(s.host, s.packet, n);
        continue;
      }
      for (let i = 0; i < n; i++) {
        const k = s.forgeSources.next++;
        this.send(s.host, { ...s.packet, src: `198.${18 + ((k >> 16) & 1)}.${(k >> 8) & 0xff}.${k & 0xff}` }, 1);
      }
    }
    for (const sw of this.switches.values()) sw.table.expire(to);
  }

  /** The flows of a switch's guard table that belong to decisions (cookie purpose ≥ whitelist). */
  guardFlows(dpid: string): FakeFlow[] {
    return this.switches.get(dpid)!.table.flows.filter((f) => f.tableId === TABLE.guard && f.priority > 0 && f.priority < 65000);
  }

  private throughSwitch(sw: FakeNetSwitch, p: Packet, host: Host, dst: Host | undefined, count: number, bytes: number): number {
    let table: number = TABLE.guard;
    let left = count;
    for (let step = 0; step < 4; step++) {
      const flow = sw.table.matching(p, table);
      if (!flow) return left;
      flow.packets += BigInt(left);
      flow.bytes += BigInt(left * bytes);
      let next: number | undefined;
      let toController = false;
      for (const i of flow.instructions) {
        if (i.type === 'meter') left = sw.meterPass(i.meterId, left, bytes);
        if (i.type === 'goto_table') next = i.tableId;
        if (i.type === 'apply_actions' && i.actions.some((a) => a.type === 'output' && a.port === 0xfffffffd)) toController = true;
      }
      if (toController && table === TABLE.accounting) this.packetIn(sw, p, host, dst, bytes);
      // No instructions at all: OpenFlow drops the packet.
      if (flow.instructions.length === 0) return 0;
      if (left === 0 || next === undefined || next === TABLE.forwarding) return left;
      table = next;
    }
    return left;
  }

  /** The first packet of a conversation the accounting table does not know reaches the forwarding app. */
  private packetIn(sw: FakeNetSwitch, p: Packet, host: Host, dst: Host | undefined, bytes: number): void {
    this.packetIns++;
    const msg: PacketInMessage = {
      version: 4, type: 'packet_in', xid: 0, bufferId: 0xffffffff, totalLen: bytes, reason: 0, tableId: TABLE.accounting,
      cookie: 0n, match: { inPort: p.inPort! }, data: frameOf(p, host.mac, dst?.mac ?? 'ff:ff:ff:ff:ff:ff'),
    };
    this.deliverAll(sw, this.forwarding.packetIn(sw.dpid, msg, this.clock.now()));
  }

  /** Applies what the controller sends a switch; LLDP packet-outs come back in on the linked switch. */
  private deliverAll(sw: FakeNetSwitch, msgs: OfpMessage[]): void {
    const mods = msgs.filter((m) => m.type !== 'packet_out');
    if (mods.length) sw.sendBatch(mods);
    for (const m of msgs) {
      if (m.type !== 'packet_out') continue;
      const lldp = parseLldp(m.data);
      if (!lldp) continue;
      for (const a of m.actions) {
        if (a.type !== 'output' || a.port >= MAX_PHYSICAL_PORT) continue;
        const peer = this.links.get(`${sw.dpid}:${a.port}`);
        if (!peer) continue;
        const msg: PacketInMessage = { version: 4, type: 'packet_in', xid: 0, bufferId: 0xffffffff, totalLen: m.data.length, reason: 1, tableId: 0, cookie: 0n, match: { inPort: peer.port }, data: m.data };
        const target = this.switches.get(peer.dpid)!;
        this.deliverAll(target, this.forwarding.packetIn(peer.dpid, msg, this.clock.now()));
      }
    }
  }

  private countPort(sw: FakeNetSwitch, port: number, dir: 'rx' | 'tx', packets: number, bytes: number): void {
    const c = sw.portCounters.get(port);
    if (!c) return;
    c[`${dir}Packets`] += BigInt(packets);
    c[`${dir}Bytes`] += BigInt(packets * bytes);
  }

  /** The port of `from` on a shortest path to `to` (breadth-first over the links). */
  private portTowards(from: string, to: string): number | undefined {
    const firstHop = new Map<string, number>();
    const queue = [from];
    const seen = new Set([from]);
    while (queue.length) {
      const at = queue.shift()!;
      if (at === to) return firstHop.get(at);
      for (const [key, peer] of this.links) {
        const [dpid, port] = key.split(':');
        if (dpid !== at || seen.has(peer.dpid)) continue;
        seen.add(peer.dpid);
        firstHop.set(peer.dpid, at === from ? Number(port) : firstHop.get(at)!);
        queue.push(peer.dpid);
      }
    }
    return undefined;
  }
}

/** An Ethernet frame for a packet-in: enough headers for forwarding/packet.ts to read. */
export function frameOf(p: Packet, ethSrc: string, ethDst: string): Buffer {
  const v6 = ipaddr.parse(p.src).kind() === 'ipv6';
  const l4 = p.proto === 6 ? 20 : p.proto === 17 ? 8 : 8;
  const ipLen = v6 ? 40 : 20;
  const buf = Buffer.alloc(14 + ipLen + l4);
  Buffer.from(ethDst.split(':').map((h) => parseInt(h, 16))).copy(buf, 0);
  Buffer.from(ethSrc.split(':').map((h) => parseInt(h, 16))).copy(buf, 6);
  buf.writeUInt16BE(v6 ? 0x86dd : 0x0800, 12);
  const ip = 14;
  if (v6) {
    buf[ip] = 0x60;
    buf.writeUInt16BE(l4, ip + 4);
    buf[ip + 6] = p.proto ?? 59;
    buf[ip + 7] = 64;
    Buffer.from(ipaddr.parse(p.src).toByteArray()).copy(buf, ip + 8);
    Buffer.from(ipaddr.parse(p.dst).toByteArray()).copy(buf, ip + 24);
  } else {
    buf[ip] = 0x45;
    buf.writeUInt16BE(ipLen + l4, ip + 2);
    buf[ip + 8] = 64;
    buf[ip + 9] = p.proto ?? 0;
    Buffer.from(ipaddr.parse(p.src).toByteArray()).copy(buf, ip + 12);
    Buffer.from(ipaddr.parse(p.dst).toByteArray()).copy(buf, ip + 16);
  }
  const t = ip + ipLen;
  if (p.proto === 6 || p.proto === 17) {
    buf.writeUInt16BE(p.srcPort ?? 40000, t);
    buf.writeUInt16BE(p.dstPort ?? 0, t + 2);
    if (p.proto === 6) {
      buf.writeUInt16BE(0x5000 | (p.tcpFlags ?? 0), t + 12);
    }
  } else if (p.proto === 1 || p.proto === 58) {
    buf[t] = p.icmpType ?? 8;
  }
  return buf;
}

export interface DefenceOptions {
  detect?: DetectConfigInput;
  policy?: PolicyConfigInput;
  pollIntervalMs?: number;
}

export interface Defence {
  core: Core;
  poller: StatsPoller;
  enforcer: Enforcer;
  /** Every decision event so far, in order. */
  events: Array<{ at: number; kind: 'decision' | 'ended'; decision: EngineResult['decisions'][number] }>;
  /** Runs `seconds` of simulated time: traffic every 100 ms, a poll round every interval, the tick every second. */
  run(seconds: number): Promise<void>;
  rounds: RoundResult[];
}

/** The product's parts on the fake network, wired as Guard wires them (no store, no sockets). */
export async function defend(net: FakeNetwork, opts: DefenceOptions = {}): Promise<Defence> {
  const clock = net.clock;
  const detect = new DetectionEngine(opts.detect ?? {});
  const policy = new PolicyEngine(opts.policy ?? {}, clock);
  const core = new Core({ detect, policy, detectWhitelist: detect.config.whitelist });
  const intervalMs = opts.pollIntervalMs ?? 1000;
  const poller = new StatsPoller({ intervalMs, clock, timers: idleTimers, logger: silentLogger });
  const enforcer = new Enforcer({ clock, logger: silentLogger, scope: 'ingress', whitelist: policy.config.whitelist, ingress: core.ingress });
  for (const sw of net.switches.values()) {
    poller.add(sw);
    await enforcer.switchUp(sw);
  }
  const events: Defence['events'] = [];
  const rounds: RoundResult[] = [];
  const apply = async (r: EngineResult) => {
    for (const d of r.ended) events.push({ at: clock.now(), kind: 'ended', decision: d });
    for (const d of r.decisions) events.push({ at: clock.now(), kind: 'decision', decision: d });
    if (r.decisions.length || r.ended.length) await enforcer.apply(r);
  };
  let nextPoll = clock.now() + intervalMs;
  let nextTick = clock.now() + 1000;
  const run = async (seconds: number) => {
    const end = clock.now() + seconds * 1000;
    while (clock.now() < end) {
      net.advance(100);
      const now = clock.now();
      if (now >= nextTick) {
        nextTick += 1000;
        await apply(core.tick(now));
      }
      if (now >= nextPoll) {
        nextPoll += intervalMs;
        const result = core.round(await poller.pollRound());
        rounds.push(result);
        await apply(result);
      }
    }
  };
  return { core, poller, enforcer, events, run, rounds };
}
