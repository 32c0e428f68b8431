/**
 * Floods without a trustworthy source, seen from the destination: a source that forges a
 * new address for every packet never repeats, so no per-source reputation can see it, and
 * a reflection flood comes from innocent servers answering questions nobody asked. Both
 * are plain from where they land:
 *
 *   forged sources   many new sources a second toward one destination, nearly all of them
 *                    one packet and never heard of again (one-shot), far above the
 *                    destination's usual rate of newcomers;
 *   reflection       UDP from reflector service ports (DNS 53, NTP 123, chargen 19, …)
 *                    to a host that sent (almost) no requests to those ports.
 *
 * Each verdict carries its signals with the points they gave (FLOOD_POINTS) and their sum
 * as its score: the new-source rate against the destination's usual one, the one-shot
 * share, for TCP the connection attempts against what the destination answered, the
 * spread of the source addresses (entropy), and for reflection the unsolicited answers.
 *
 * The accounting table gives one flow per conversation, keyed with the port and MAC it
 * entered on (forwarding/app.ts), and the switch's controller meter bounds how many new
 * conversations become flows: what it lets through is a sample of the flood, and each
 * sampled flow says where the flood comes in. Each verdict names those entry points with
 * their share of the forged sources, and whether legitimate sources enter there too (the
 * same port and MAC: the port cannot be blocked whole; the same port, other MACs: the
 * flood's own MAC can be).
 *
 * Pure: snapshots in (`record`, every switch of a round), verdicts out (`verdicts`, once
 * per round). Not to be confused with destinations.ts, the per-destination aggregates
 * that promote per-source detections to many→single.
 */
import type { DetectConfig } from './config.js';
import type { Severity, Signal } from './detection.js';
import { isAnswer } from './features.js';
import { SIGNAL } from './signals.js';
import type { TrafficSnapshot } from '../stats/snapshot.js';

/** Where traffic enters: a switch, its port, and the sender's MAC when the flow names them. */
export interface EntryPoint {
  dpid: string;
  inPort?: number;
  ethSrc?: string;
}

export interface FloodEntry extends EntryPoint {
  /** Forged sources (or reflected packets per second, for reflection) that came in here this round. */
  count: number;
  /** Their share of the flood's. */
  share: number;
  /** The port's receive rate (port counters), packets/s, when the switch reported it. */
  portPps?: number;
  /** Legitimate sources enter at this very port and MAC: it cannot be blocked whole. */
  sharedWithLegitimate: boolean;
  /** Legitimate sources enter at this port behind other MACs: block this MAC only. */
  portShared: boolean;
}

export interface UntrustedFlood {
  kind: 'spoofed' | 'reflection';
  dst: string;
  proto: number;
  /** spoofed: the service port most of the forged sources aimed at. */
  dstPort?: number;
  /** reflection: the reflector service port the answers come from. */
  srcPort?: number;
  /** spoofed: new sources per second, and the one-shot share of them. */
  newSourcesPerSec: number;
  oneShotShare: number;
  /** The destination's usual rate of new sources, learned while it was not flooded. */
  usualNewSourcesPerSec: number;
  /** The flood's rate as best seen: its flows, or the ports it enters on. */
  pps: number;
  entries: FloodEntry[];
  severity: Severity;
  /** The signals' points summed, at most 100. */
  score: number;
  signals: Signal[];
  at: number;
}

/** What each mark of an untrusted flood adds to its verdict's score. */
export const FLOOD_POINTS = {
  newSources: 30,
  oneShot: 30,
  synUnanswered: 20,
  entropy: 10,
  reflection: 60,
  unsolicited: 30,
} as const;

/** Connection attempts at least this many times the destination's answers are unanswered. */
const UNANSWERED_FACTOR = 10;

const entryId = (e: EntryPoint) => `${e.dpid}|${e.inPort ?? ''}|${e.ethSrc ?? ''}`;
const portId = (dpid: string, inPort: number | undefined) => `${dpid}|${inPort ?? ''}`;

interface DestinationRound {
  newSources: number;
  oneShot: number;
  pps: number;
  /** Packets from the round's sources and Σ c·log2 c over them: the sources' entropy. */
  packets: number;
  packetsLogPackets: number;
  sources: number;
  protos: Map<number, number>;
  dstPorts: Map<number, number>;
  entries: Map<string, { entry: EntryPoint; count: number }>;
}

interface ReflectionRound {
  dst: string;
  srcPort: number;
  pps: number;
  entries: Map<string, { entry: EntryPoint; count: number }>;
}

/** A conversation is answered when the other side sends back at least this share of its packets (TCP ACKs alone are ~½). */
const ANSWERED_SHARE = 0.1;
/** A destination's usual rate of new sources (EWMA), learned while it is not flooded. */
const BASELINE_ALPHA = 0.05;
/** The usual rate is never taken below this: a quiet server's first visitors are no flood. */
const BASELINE_FLOOR = 5;

export class DestinationView {
  private round = new Map<string, DestinationRound>();
  private reflections = new Map<string, ReflectionRound>();
  /** "server|port" → the server's own requests to that UDP port this round, packets/s. */
  private requests = new Map<string, number>();
  /** "server>client" → packets the server sent back this round, over every switch. */
  private answered = new Map<string, number>();
  /** Per destination this round: connection attempts (SYN counters) toward it, and its answers to anyone, packets/s. */
  private synPps = new Map<string, number>();
  private answerPps = new Map<string, number>();
  /** Candidate legitimate conversations this round, confirmed once every snapshot is in. */
  private conversations: Array<{ entry: EntryPoint; src: string; dst: string; packets: number }> = [];
  private portPps = new Map<string, number>();
  private intervalMs = 0;
  private readonly baseline = new Map<string, number>();
  /** entry id → legitimate source → last seen; and the port's MACs that carry them. */
  private readonly legitimate = new Map<string, Map<string, number>>();
  private readonly legitimateMacs = new Map<string, Map<string, number>>();
  /** Destinations under a flood of untrusted sources, until when. */
  private readonly flooded = new Map<string, number>();
  /** Destinations that received at least minOneShotSources one-shot newcomers in the last round. */
  private swarmed = new Set<string>();

  constructor(private readonly config: DetectConfig) {}

  /** One switch's snapshot of the round. */
  record(snap: TrafficSnapshot): void {
    const cfg = this.config.untrusted;
    if (snap.intervalMs > this.intervalMs) this.intervalMs = snap.intervalMs;
    for (const p of snap.ports) this.portPps.set(portId(snap.dpid, p.portNo), p.rxPacketRate);
    for (const f of snap.flows) {
      if (f.kind === 'syn' && f.dst) this.synPps.set(f.dst, (this.synPps.get(f.dst) ?? 0) + f.packetRate);
      if (f.kind !== 'accounting' || !f.dst || !f.src || f.proto === undefined) continue;
      const entry: EntryPoint = { dpid: snap.dpid };
      if (f.inPort !== undefined) entry.inPort = f.inPort;
      if (f.ethSrc !== undefined) entry.ethSrc = f.ethSrc;
      if (isAnswer(f)) {
        if (f.packets > 0) {
          const pair = `${f.src}>${f.dst}`;
          this.answered.set(pair, (this.answered.get(pair) ?? 0) + f.packets);
          this.answerPps.set(f.src, (this.answerPps.get(f.src) ?? 0) + f.packetRate);
        }
        if (f.proto === 17 && f.srcPort !== undefined && cfg.reflectorPorts.includes(f.srcPort)) this.reflected(f.dst, f.srcPort, entry, f.packetRate);
        continue;
      }
      if (f.proto === 17 && f.dstPort !== undefined && cfg.reflectorPorts.includes(f.dstPort)) {
        const key = `${f.src}|${f.dstPort}`;
        this.requests.set(key, (this.requests.get(key) ?? 0) + f.packetRate);
      }
      if (f.packets <= 0) continue;
      // New in this poll: the counters began inside it (the installing packet came through the table-miss).
      const isNew = f.packets > f.totalPackets;
      const oneShot = isNew && f.totalPackets === 0;
      let d = this.round.get(f.dst);
      if (!d) this.round.set(f.dst, (d = { newSources: 0, oneShot: 0, pps: 0, packets: 0, packetsLogPackets: 0, sources: 0, protos: new Map(), dstPorts: new Map(), entries: new Map() }));
      d.pps += f.packetRate;
      d.packets += f.packets;
      d.packetsLogPackets += f.packets * Math.log2(f.packets);
      d.sources++;
      if (isNew) d.newSources++;
      if (oneShot) {
        d.oneShot++;
        d.protos.set(f.proto, (d.protos.get(f.proto) ?? 0) + 1);
        if (f.dstPort !== undefined) d.dstPorts.set(f.dstPort, (d.dstPorts.get(f.dstPort) ?? 0) + 1);
        const id = entryId(entry);
        const e = d.entries.get(id);
        if (e) e.count++;
        else d.entries.set(id, { entry, count: 1 });
      } else if (f.packets >= cfg.legitimatePackets) {
        this.conversations.push({ entry, src: f.src, dst: f.dst, packets: f.packets });
      }
    }
  }

  /** The round's verdicts; the round's tallies start over. */
  verdicts(now: number): UntrustedFlood[] {
    this.learnLegitimate(now);
    // A switch's first snapshot has no interval to speak of: its flows are counted as one second's.
    const seconds = this.intervalMs > 0 ? this.intervalMs / 1000 : 1;
    const out: UntrustedFlood[] = [];
    for (const [dst, d] of this.round) {
      const verdict = this.spoofed(dst, d, seconds, now);
      if (verdict) out.push(verdict);
    }
    for (const r of this.reflections.values()) {
      const verdict = this.reflection(r, now);
      if (verdict) out.push(verdict);
    }
    for (const v of out) this.flooded.set(v.dst, now + 10_000);
    for (const [dst, until] of this.flooded) if (until <= now) this.flooded.delete(dst);
    // Newcomers that came and went in numbers this round are no one to hold to account, even
    // before their rate makes a verdict (a round cut short, a first poll of the flood).
    this.swarmed = new Set([...this.round].filter(([, d]) => d.oneShot >= this.config.untrusted.minOneShotSources).map(([dst]) => dst));
    this.round = new Map();
    this.reflections = new Map();
    this.requests = new Map();
    this.answered = new Map();
    this.synPps = new Map();
    this.answerPps = new Map();
    this.conversations = [];
    this.portPps = new Map();
    this.intervalMs = 0;
    return out;
  }

  /**
   * The destination had a verdict within the last 10 s, or this round brought it a swarm of
   * one-shot newcomers: its newcomers' detections are forgeries (or no one's to answer for).
   */
  isFlooded(dst: string): boolean {
    return this.flooded.has(dst) || this.swarmed.has(dst);
  }

  private reflected(dst: string, srcPort: number, entry: EntryPoint, pps: number): void {
    const key = `${dst}|${srcPort}`;
    let r = this.reflections.get(key);
    if (!r) this.reflections.set(key, (r = { dst, srcPort, pps: 0, entries: new Map() }));
    r.pps += pps;
    const id = entryId(entry);
    const e = r.entries.get(id);
    if (e) e.count += pps;
    else r.entries.set(id, { entry, count: pps });
  }

  private spoofed(dst: string, d: DestinationRound, seconds: number, now: number): UntrustedFlood | undefined {
    const cfg = this.config.untrusted;
    const rate = d.newSources / seconds;
    const usual = Math.max(BASELINE_FLOOR, this.baseline.get(dst) ?? BASELINE_FLOOR);
    const oneShotShare = d.newSources > 0 ? d.oneShot / d.newSources : 0;
    const flood = d.oneShot >= cfg.minOneShotSources && rate >= cfg.minNewSourcesPerSec && oneShotShare >= cfg.minOneShotShare && rate >= cfg.baselineFactor * usual;
    if (!flood) {
      this.baseline.set(dst, (this.baseline.get(dst) ?? rate) * (1 - BASELINE_ALPHA) + rate * BASELINE_ALPHA);
      return undefined;
    }
    const proto = topKey(d.protos) ?? 6;
    const dstPort = topKey(d.dstPorts);
    const entries = this.entriesOf(d.entries, d.oneShot);
    const pps = Math.max(d.pps, entries.reduce((sum, e) => sum + (e.portPps ?? 0), 0));
    const signals: Signal[] = [
      { name: SIGNAL.floodNewSources, points: FLOOD_POINTS.newSources, detail: `${Math.round(rate)} new sources/s toward ${dst} (usually ${usual.toFixed(1)}/s)` },
      { name: SIGNAL.floodOneShot, points: FLOOD_POINTS.oneShot, detail: `${Math.round(oneShotShare * 100)} % of them sent one packet and were never heard of again` },
    ];
    const syn = this.synPps.get(dst) ?? 0;
    const answers = this.answerPps.get(dst) ?? 0;
    if (proto === 6 && syn > UNANSWERED_FACTOR * answers) {
      signals.push({ name: SIGNAL.floodSynUnanswered, points: FLOOD_POINTS.synUnanswered, detail: `${Math.round(syn)} connection attempts/s, ${Math.round(answers)} packets/s answered` });
    }
    // Entropy of the sources by packets: log2 of their count when every one sent alike.
    const entropy = d.packets > 0 ? Math.log2(d.packets) - d.packetsLogPackets / d.packets : 0;
    if (d.sources >= cfg.minOneShotSources && entropy >= Math.log2(d.sources) - 1) {
      signals.push({ name: SIGNAL.floodEntropy, points: FLOOD_POINTS.entropy, detail: `source entropy ${entropy.toFixed(1)} bits over ${d.sources} sources: spread evenly, as forged addresses are` });
    }
    signals.push(...entries.map((e) => ({ name: SIGNAL.floodEntry, points: 0, detail: `${Math.round(e.share * 100)} % enter at ${describeEntry(e)}${e.portPps ? ` (${Math.round(e.portPps)} pkt/s on the port)` : ''}` })));
    const verdict: UntrustedFlood = {
      kind: 'spoofed', dst, proto, newSourcesPerSec: rate, oneShotShare, usualNewSourcesPerSec: usual, pps, entries, severity: this.severityOf(pps),
      score: scoreOf(signals), signals, at: now,
    };
    if (dstPort !== undefined) verdict.dstPort = dstPort;
    return verdict;
  }

  private reflection(r: ReflectionRound, now: number): UntrustedFlood | undefined {
    const cfg = this.config.untrusted;
    if (r.pps < cfg.minReflectedPps) return undefined;
    const asked = this.requests.get(`${r.dst}|${r.srcPort}`) ?? 0;
    if (asked > cfg.maxRequestShare * r.pps) return undefined;
    const entries = this.entriesOf(r.entries, r.pps);
    return {
      kind: 'reflection', dst: r.dst, proto: 17, srcPort: r.srcPort, newSourcesPerSec: 0, oneShotShare: 0, usualNewSourcesPerSec: 0, pps: r.pps, entries,
      severity: this.severityOf(r.pps),
      score: FLOOD_POINTS.reflection + FLOOD_POINTS.unsolicited,
      signals: [
        { name: SIGNAL.floodReflection, points: FLOOD_POINTS.reflection, detail: `${Math.round(r.pps)} pkt/s of answers from port ${r.srcPort} toward ${r.dst}` },
        { name: SIGNAL.floodUnsolicited, points: FLOOD_POINTS.unsolicited, detail: `${r.dst} asked ${Math.round(asked)} pkt/s of port ${r.srcPort}: ${Math.round((1 - asked / r.pps) * 100)} % unsolicited` },
        ...entries.map((e) => ({ name: SIGNAL.floodEntry, points: 0, detail: `${Math.round(e.share * 100)} % enter at ${describeEntry(e)}` })),
      ],
      at: now,
    };
  }

  /** The entry points carrying at least `minEntryShare` of a flood, busiest first. */
  private entriesOf(counts: Map<string, { entry: EntryPoint; count: number }>, total: number): FloodEntry[] {
    const min = this.config.untrusted.minEntryShare;
    const out: FloodEntry[] = [];
    for (const [id, { entry, count }] of counts) {
      const share = total > 0 ? count / total : 0;
      if (share < min) continue;
      const port = portId(entry.dpid, entry.inPort);
      const macs = this.legitimateMacs.get(port);
      const e: FloodEntry = {
        ...entry,
        count,
        share,
        sharedWithLegitimate: (this.legitimate.get(id)?.size ?? 0) > 0,
        portShared: macs !== undefined && [...macs.keys()].some((mac) => mac !== (entry.ethSrc ?? '')),
      };
      const pps = this.portPps.get(port);
      if (pps !== undefined) e.portPps = pps;
      out.push(e);
    }
    return out.sort((a, b) => b.count - a.count);
  }

  private severityOf(pps: number): Severity {
    const s = this.config.severity;
    return pps >= s.ppsCritical ? 'critical' : pps >= s.ppsHigh ? 'high' : pps >= s.ppsMedium ? 'medium' : 'low';
  }

  /**
   * Conversations answered in proportion mark where their source enters as legitimate. In
   * proportion, because the answers go to an address, not to an entry point: a flood that
   * forges a client's address from elsewhere is "answered" by the replies to the real
   * client, but with a sliver of what it sends.
   */
  private learnLegitimate(now: number): void {
    const ttl = this.config.untrusted.legitimateTtlMs;
    for (const c of this.conversations) {
      if ((this.answered.get(`${c.dst}>${c.src}`) ?? 0) < ANSWERED_SHARE * c.packets) continue;
      const id = entryId(c.entry);
      let sources = this.legitimate.get(id);
      if (!sources) this.legitimate.set(id, (sources = new Map()));
      sources.set(c.src, now);
      const port = portId(c.entry.dpid, c.entry.inPort);
      let macs = this.legitimateMacs.get(port);
      if (!macs) this.legitimateMacs.set(port, (macs = new Map()));
      macs.set(c.entry.ethSrc ?? '', now);
    }
    for (const [id, sources] of this.legitimate) {
      for (const [src, at] of sources) if (now - at > ttl) sources.delete(src);
      if (sources.size === 0) this.legitimate.delete(id);
    }
    for (const [port, macs] of this.legitimateMacs) {
      for (const [mac, at] of macs) if (now - at > ttl) macs.delete(mac);
      if (macs.size === 0) this.legitimateMacs.delete(port);
    }
  }
}

function scoreOf(signals: readonly Signal[]): number {
  return Math.min(100, signals.reduce((sum, s) => sum + s.points, 0));
}

function topKey(counts: Map<number, number>): number | undefined {
  let best: number | undefined;
  let most = 0;
  for (const [k, n] of counts) if (n > most) [best, most] = [k, n];
  return best;
}

/** "switch 0000000000000001 port 5 (02:00:00:00:00:09)". */
export function describeEntry(e: EntryPoint): string {
  return `switch ${e.dpid}${e.inPort === undefined ? '' : ` port ${e.inPort}`}${e.ethSrc ? ` (${e.ethSrc})` : ''}`;
}
