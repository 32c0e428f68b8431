/**
 * Turns raw OpenFlow counters into per-interval deltas: the pure half of the stats poller.
 * A flow is known by (table, priority, cookie, match); a counter that went down, or a flow
 * younger than last time, was re-added (count from zero); a flow-removed message gives a
 * flow's final counters, so the packets between the last poll and its removal still count.
 */
import ipaddr from 'ipaddr.js';
import type { FlowRemovedMessage, FlowStats, FlowStatsEntry, Match, MeterStats, PortStats } from '../openflow/index.js';
import { FlowPurpose, purposeOf } from '../../flows/layout.js';
import type { FlowDelta, FlowKind, MeterDelta, PortDelta } from './snapshot.js';

interface Seen {
  packets: bigint;
  bytes: bigint;
  durationSec: number;
  /** poll generation when last seen, to forget flows that vanished silently */
  generation: number;
}

const KIND_BY_PURPOSE: Partial<Record<FlowPurpose, FlowKind>> = {
  [FlowPurpose.accounting]: 'accounting',
  [FlowPurpose.syn]: 'syn',
  [FlowPurpose.rst]: 'rst',
  [FlowPurpose.aggregate]: 'aggregate',
  [FlowPurpose.drop]: 'drop',
  [FlowPurpose.selectiveDrop]: 'drop',
  [FlowPurpose.rateLimit]: 'meter',
  [FlowPurpose.throttleVictim]: 'meter',
};

/** 1 for an accounting flow seen for the first time (its triggering packet), else 0. */
function firstPacket(cookie: bigint): bigint {
  return purposeOf(cookie) === FlowPurpose.accounting ? 1n : 0n;
}

export function flowKind(cookie: bigint): FlowKind {
  const purpose = purposeOf(cookie);
  return (purpose !== undefined && KIND_BY_PURPOSE[purpose]) || 'other';
}

/** Identity of a flow entry: what OpenFlow itself uses (table, priority, match) plus cookie. */
export function flowKey(tableId: number, priority: number, cookie: bigint, match: Match): string {
  let key = `${tableId}|${priority}|${cookie}`;
  for (const k in match) {
    const v = (match as Record<string, unknown>)[k];
    key += `|${k}=${typeof v === 'object' && v !== null ? JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : x)) : String(v)}`;
  }
  return key;
}

/** Bits set in a mask (a prefix length for the contiguous masks ofguard installs). */
function prefixLength(mask: string | undefined): number | undefined {
  if (mask === undefined || !ipaddr.isValid(mask)) return undefined;
  let bits = 0;
  for (let byte of ipaddr.parse(mask).toByteArray()) for (; byte; byte &= byte - 1) bits++;
  return bits;
}

/** Fills the address/port fields of a FlowDelta from an ofguard match. */
function describeMatch(match: Match, d: FlowDelta): void {
  d.src = match.ipv4Src ?? match.ipv6Src ?? '';
  // A full-length mask is a host match: no prefix, so every consumer sees one spelling.
  const srcPrefix = prefixLength(match.ipv4SrcMask ?? match.ipv6SrcMask);
  if (srcPrefix !== undefined && srcPrefix < (match.ipv6Src !== undefined ? 128 : 32)) d.srcPrefix = srcPrefix;
  const dst = match.ipv4Dst ?? match.ipv6Dst;
  if (dst !== undefined) d.dst = dst;
  const dstPrefix = prefixLength(match.ipv4DstMask ?? match.ipv6DstMask);
  if (dstPrefix !== undefined && dstPrefix < (match.ipv6Dst !== undefined ? 128 : 32)) d.dstPrefix = dstPrefix;
  if (match.ipProto !== undefined) d.proto = match.ipProto;
  const dstPort = match.tcpDst ?? match.udpDst;
  if (dstPort !== undefined) d.dstPort = dstPort;
  const srcPort = match.tcpSrc ?? match.udpSrc;
  if (srcPort !== undefined) d.srcPort = srcPort;
  const icmpType = match.icmpv4Type ?? match.icmpv6Type;
  if (icmpType !== undefined) d.icmpType = icmpType;
  if (match.inPort !== undefined) d.inPort = match.inPort;
  if (match.ethSrc !== undefined) d.ethSrc = match.ethSrc;
}

/** What the tracker reads of a flow-stats entry (decoded, or the poller's fast-path entry). */
export type TrackedEntry = Pick<FlowStatsEntry, 'tableId' | 'priority' | 'cookie' | 'packetCount' | 'byteCount' | 'durationSec' | 'match' | 'meterId'>;

/** One poll being read into a FlowCounterTracker (see begin()). */
export interface FlowPoll {
  add(entry: TrackedEntry): void;
  finish(removed: readonly FlowRemovedMessage[], intervalMs: number): FlowDelta[];
}

export class FlowCounterTracker {
  private readonly seen = new Map<string, Seen>();
  private generation = 0;

  /** Number of flows being tracked (bounded by what the switch holds). */
  get size(): number {
    return this.seen.size;
  }

  /**
   * One poll's flow stats (and the flow-removed messages since the previous poll) → deltas.
   * `intervalMs` is the time since the previous poll (0 for the first).
   */
  update(dpid: string, stats: readonly FlowStats[], removed: readonly FlowRemovedMessage[], intervalMs: number): FlowDelta[] {
    const poll = this.begin(dpid);
    for (const f of stats) {
      let meterId = 0;
      for (const ins of f.instructions) if (ins.type === 'meter') meterId = ins.meterId;
      poll.add({ ...f, meterId });
    }
    return poll.finish(removed, intervalMs);
  }

  /**
   * The streaming form of update(), for the poller's fast path: entries are added as the
   * reply is read (an added entry may be a reused object: only its numbers and match are
   * kept), then finish() adds the removed flows, sets the rates and returns the deltas.
   * Nothing is remembered until finish(): a poll that failed half-way counts nothing twice.
   */
  begin(dpid: string): FlowPoll {
    const out: FlowDelta[] = [];
    const updates: Array<[string, Seen]> = [];
    return {
      add: (f) => {
        const key = flowKey(f.tableId, f.priority, f.cookie, f.match);
        const prev = this.seen.get(key);
        const reset = !prev || f.packetCount < prev.packets || f.byteCount < prev.bytes || f.durationSec < prev.durationSec;
        // The packet that made the controller install an accounting flow went through the
        // table-miss rule, not the flow: count it, or a scan's one-packet probes vanish.
        const dp = reset ? f.packetCount + firstPacket(f.cookie) : f.packetCount - prev.packets;
        const db = reset ? f.byteCount : f.byteCount - prev.bytes;
        updates.push([key, { packets: f.packetCount, bytes: f.byteCount, durationSec: f.durationSec, generation: 0 }]);
        const d = this.delta(dpid, f.tableId, f.cookie, f.match, dp, db, f.packetCount, f.byteCount, f.durationSec, false);
        if (f.meterId) d.meterId = f.meterId;
        out.push(d);
      },
      finish: (removed, intervalMs) => {
        const gen = ++this.generation;
        for (const [key, seen] of updates) {
          seen.generation = gen;
          this.seen.set(key, seen);
        }
        for (const r of removed) {
          const key = flowKey(r.tableId, r.priority, r.cookie, r.match);
          const prev = this.seen.get(key);
          this.seen.delete(key);
          const dp = prev && r.packetCount >= prev.packets ? r.packetCount - prev.packets : r.packetCount + (prev ? 0n : firstPacket(r.cookie));
          const db = prev && r.byteCount >= prev.bytes ? r.byteCount - prev.bytes : r.byteCount;
          out.push(this.delta(dpid, r.tableId, r.cookie, r.match, dp, db, r.packetCount, r.byteCount, r.durationSec, true));
        }
        // Flows gone without a flow-removed message (deleted, or no SEND_FLOW_REM) are forgotten.
        for (const [key, s] of this.seen) if (s.generation !== gen) this.seen.delete(key);
        const seconds = intervalMs > 0 ? intervalMs / 1000 : 0;
        for (const d of out) {
          // A flow first seen in this poll lived for durationSec at most; rate over what it lived.
          const span = seconds > 0 ? seconds : Math.max(d.durationSec, 1);
          d.packetRate = d.packets / span;
          d.byteRate = d.bytes / span;
        }
        return out;
      },
    };
  }

  /** Rates are set by finish(), once the poll's interval is known. */
  private delta(dpid: string, table: number, cookie: bigint, match: Match, dp: bigint, db: bigint,
    totalPackets: bigint, totalBytes: bigint, durationSec: number, removed: boolean): FlowDelta {
    const packets = Number(dp), bytes = Number(db);
    const d: FlowDelta = {
      dpid, table, cookie, kind: flowKind(cookie), src: '',
      packets, bytes, packetRate: 0, byteRate: 0,
      totalPackets: Number(totalPackets), totalBytes: Number(totalBytes), durationSec,
    };
    if (removed) d.removed = true;
    describeMatch(match, d);
    return d;
  }
}

interface PortSeen { s: PortStats }

export class PortCounterTracker {
  private readonly seen = new Map<number, PortSeen>();

  /** `speedKbps`: each port's current speed as the switch describes it (0 when unknown). */
  update(dpid: string, stats: readonly PortStats[], intervalMs: number, speedKbps: (portNo: number) => number = () => 0): PortDelta[] {
    const seconds = intervalMs > 0 ? intervalMs / 1000 : 1;
    const out: PortDelta[] = [];
    const diff = (now: bigint, before: bigint | undefined) => Number(before === undefined || now < before ? now : now - before);
    for (const p of stats) {
      const prev = this.seen.get(p.portNo)?.s;
      const d: PortDelta = {
        dpid, portNo: p.portNo,
        rxPackets: diff(p.rxPackets, prev?.rxPackets), txPackets: diff(p.txPackets, prev?.txPackets),
        rxBytes: diff(p.rxBytes, prev?.rxBytes), txBytes: diff(p.txBytes, prev?.txBytes),
        rxDropped: diff(p.rxDropped, prev?.rxDropped), txDropped: diff(p.txDropped, prev?.txDropped),
        rxPacketRate: 0, txPacketRate: 0, rxByteRate: 0, txByteRate: 0, speedKbps: speedKbps(p.portNo),
      };
      d.rxPacketRate = d.rxPackets / seconds; d.txPacketRate = d.txPackets / seconds;
      d.rxByteRate = d.rxBytes / seconds; d.txByteRate = d.txBytes / seconds;
      this.seen.set(p.portNo, { s: p });
      out.push(d);
    }
    return out;
  }
}

export class MeterCounterTracker {
  private readonly seen = new Map<number, MeterStats>();

  update(dpid: string, stats: readonly MeterStats[], intervalMs: number): MeterDelta[] {
    const seconds = intervalMs > 0 ? intervalMs / 1000 : 1;
    const out: MeterDelta[] = [];
    const present = new Set<number>();
    for (const m of stats) {
      present.add(m.meterId);
      const prev = this.seen.get(m.meterId);
      const reset = !prev || m.packetInCount < prev.packetInCount || m.durationSec < prev.durationSec;
      const dropped = m.bandStats.reduce((sum, b) => sum + b.packetBandCount, 0n);
      const prevDropped = prev ? prev.bandStats.reduce((sum, b) => sum + b.packetBandCount, 0n) : 0n;
      const packets = Number(reset ? m.packetInCount : m.packetInCount - prev.packetInCount);
      out.push({
        dpid, meterId: m.meterId, flowCount: m.flowCount, packets,
        bytes: Number(reset ? m.byteInCount : m.byteInCount - prev.byteInCount),
        droppedPackets: Number(reset ? dropped : dropped - prevDropped),
        packetRate: packets / seconds,
      });
      this.seen.set(m.meterId, m);
    }
    for (const id of this.seen.keys()) if (!present.has(id)) this.seen.delete(id);
    return out;
  }
}
