/**
 * Turns TrafficSnapshots into per-source and per-destination behaviour, with bounded
 * memory: sources live in typed-array slots (source-table.ts), the long tail in a
 * count-min sketch until it grows heavy, destinations in a small capped table. Pure: all
 * time comes from the snapshot's `now`.
 *
 * ingest() does a constant amount of work per FlowDelta (no allocation in the flow loop)
 * and then evaluates only the sources touched in the interval, returning the ones that
 * cross a candidate gate with their feature vector. What they are (classifier) and how
 * serious (patterns) is decided elsewhere.
 */
import type { FlowDelta, TrafficSnapshot } from '../stats/snapshot.js';
import type { FlowPositions } from './brute-force.js';
import type { DetectConfig } from './config.js';
import { DestinationTable, type DestinationSummary } from './destinations.js';
import { alphaForHalfLife, ewmaSeed, ewmaUpdate, zScore } from './ewma.js';
import { hash32, hashString, parseIPv4 } from './ip.js';
import { BloomFilter, CountMinSketch } from './sketch.js';
import { SourceTable } from './source-table.js';
import { SlotDistinct, SlotWindows, bitsForDistinct } from './windows.js';

/** The feature vector, in this order (classifier.ts standardises it). */
export const FEATURE_NAMES = [
  'packetRate',
  'byteRate',
  'meanPacketSize',
  'connRate',
  'synShare',
  'synPerReply',
  'rxTxRatio',
  'tcpShare',
  'udpShare',
  'icmpShare',
  'icmpErrorRate',
  'distinctDsts',
  'distinctPorts',
  'targetShare',
  'zScore',
  'packetsPerConn',
] as const;
export type FeatureName = (typeof FEATURE_NAMES)[number];
export const FEATURE_COUNT = FEATURE_NAMES.length;
export const F = Object.fromEntries(FEATURE_NAMES.map((n, i) => [n, i])) as { [K in FeatureName]: number };

/** Short-window metrics per source. */
const W_PKT = 0;
const W_SYN = 1;
/** Packets the source received (reverse-direction flows from its servers). */
const W_RX = 2;
/** Flows that appeared during the interval: "connections" for UDP and ICMP. */
const W_NEWFLOW = 3;
/** Bytes are not ringed: the mean packet size is smoothed instead (S_SIZE), 19 MB less per million sources. */
const W_METRICS = 4;

/** Smoothed per-source ratios. */
const S_TCP = 0;
const S_UDP = 1;
const S_ICMP = 2;
const S_ICMPERR = 3;
const S_TARGET = 4;
/** Mean packet size, smoothed per interval. */
const S_SIZE = 5;
const S_COUNT = 6;

const D_DST = 0;
const D_PORT = 1;

const FLAG_PORT_ZERO = 1;
const FLAG_MITIGATED = 2;
const FLAG_LAND = 4;

export interface Candidate {
  slot: number;
  /** Source address, or the network address when srcPrefix is set. */
  src: string;
  srcPrefix?: number;
  /** Busiest destination, protocol and port of the interval. */
  dst?: string;
  proto?: number;
  dstPort?: number;
  dpid: string;
  inPort?: number;
  features: Float64Array;
  /** TCP/UDP to port 0 seen in the interval. */
  portZero: boolean;
  /** Source address equal to the destination (LAND). */
  land: boolean;
  /** Some of the traffic was counted by ofguard's own drop/meter flows. */
  mitigated: boolean;
  /** First time this source has ever been seen (bloom filter). */
  firstSeen: boolean;
  /** The busiest destination's state, when it is tracked. */
  target?: DestinationSummary;
  /** Passed no volume gate: evaluated only because it is watched (blocklisted). */
  quiet?: boolean;
}

/** A source's state at a second entry port of its switch is kept under "<address>@<port>". */
const ENTRY_MARK = '@';

/** The address of a source-state key (without the entry mark). */
function addressPart(key: string): string {
  const at = key.indexOf(ENTRY_MARK);
  return at < 0 ? key : key.slice(0, at);
}

/** A source's busiest SYN counter names its entry point when it carries at least this share of its busiest flow. */
const ENTRY_SYN_SHARE = 0.25;

export class FeatureExtractor {
  readonly config: DetectConfig;
  readonly sources: SourceTable;
  readonly destinations: DestinationTable;
  private readonly windows: SlotWindows;
  /** Distinct destinations (counter D_DST) and destination ports (D_PORT). */
  private readonly distinct: SlotDistinct;
  private readonly baseline: Float32Array;
  /** Intervals seen, saturating at 255 (only the warm-up, at most 250, is ever asked). */
  private readonly samples: Uint8Array;
  private readonly shares: Float32Array;
  /** Seconds since the Unix epoch; 0 = free slot. */
  private readonly lastSeen: Uint32Array;
  /** Seconds since the Unix epoch (4 bytes instead of 8: a million of them). */
  private readonly firstSeenSec: Uint32Array;
  /** 1 + index of the switch that reports this source (see ownerTakeoverMs). */
  private readonly owner: Uint16Array;
  /** The port the source's flows enter its owner switch on (0: not known yet); another port gets a state of its own. */
  private readonly entryPort: Uint32Array;
  /** This snapshot: a source's slot → the slots of its address at other ports of its switch (answers are shared among them). */
  private readonly secondEntries = new Map<number, number[]>();
  /** Position in `touched` (sparse-set membership test: no per-slot stamp needed). */
  private readonly posOf: Int32Array;
  private readonly newSource: Uint8Array;
  private readonly sketch: CountMinSketch;
  private readonly seen: BloomFilter;
  private readonly baselineAlpha: number;
  /** candidate.minDistinct as bitmap bits set: the gate counts bits instead of taking a log. */
  private readonly minDistinctBits: number;
  private readonly dpids = new Map<string, number>();
  /** Window epoch and bucket of the snapshot being ingested. */
  private epoch = 0;
  private bucket = 0;
  private phase = 0;
  private intervalMs = 0;
  private lastHalving = -Infinity;
  private hand = 0;
  /**
   * ICMP errors answering a source (slot → packets) not yet folded into its error rate:
   * the errors arrive in the answering host's snapshot, the source is finished in its own.
   * Only sources that provoke errors have an entry.
   */
  private readonly answeredErrors = new Map<number, number>();
  /** Sources evaluated whatever their volume (blocklisted); (address, IPv4 value or -1). */
  watch: ((src: string, v4: number) => boolean) | undefined;

  /**
   * Where brute-force tracking has to look in the snapshot last ingested: the SYN-counter
   * flows this extractor counted (the owning switch's), and every flow of their sources.
   */
  private synIndex = new Int32Array(256);
  private synCount = 0;
  private convIndex = new Int32Array(256);
  private convCount = 0;
  /** Per flow of the snapshot being ingested: the touch index of its source, or -1. */
  private flowTouch = new Int32Array(1024);
  /** Touch index of the source account() counted the current flow for, or -1. */
  private counted = -1;

  flowPositions(): FlowPositions {
    return { syn: this.synIndex.subarray(0, this.synCount), conversations: this.convIndex.subarray(0, this.convCount) };
  }

  // Per-interval scratch, indexed by touch order; grown by doubling, never shrunk.
  private touched = new Int32Array(1024);
  private touchedCount = 0;
  private sPkt = new Float64Array(1024);
  private sBytes = new Float64Array(1024);
  private sSyn = new Float64Array(1024);
  private sSynMax = new Float64Array(1024);
  private sNew = new Float64Array(1024);
  private sTcp = new Float64Array(1024);
  private sUdp = new Float64Array(1024);
  private sIcmp = new Float64Array(1024);
  private sIcmpErr = new Float64Array(1024);
  private sFlags = new Uint8Array(1024);
  private sTop: (FlowDelta | undefined)[] = new Array(1024);
  private sTopPkts = new Float64Array(1024);
  /** The busiest SYN counter of the source (its packets are sSynMax). */
  private sTopSyn: (FlowDelta | undefined)[] = new Array(1024);
  /** Flows whose destination was not (yet) a tracked source when they were accounted. */
  private deferredRx = new Int32Array(1024);
  private deferredCount = 0;

  constructor(config: DetectConfig) {
    this.config = config;
    const n = config.maxSources;
    this.sources = new SourceTable(n);
    this.destinations = new DestinationTable(config);
    // New flows per bucket are bounded by the flows a switch holds: a small count.
    this.windows = new SlotWindows(n, W_METRICS, config.shortWindowMs, config.shortBuckets, 1);
    this.distinct = new SlotDistinct(n, config.shortWindowMs, 2);
    this.baseline = new Float32Array(2 * n);
    this.samples = new Uint8Array(n);
    this.shares = new Float32Array(S_COUNT * n);
    this.lastSeen = new Uint32Array(n);
    this.firstSeenSec = new Uint32Array(n);
    this.owner = new Uint16Array(n);
    this.entryPort = new Uint32Array(n);
    this.posOf = new Int32Array(n);
    this.newSource = new Uint8Array(n);
    this.sketch = new CountMinSketch(config.sketch.width, config.sketch.depth);
    this.seen = new BloomFilter(config.sketch.bloomBits, config.sketch.bloomHashes);
    this.baselineAlpha = alphaForHalfLife(config.baselineHalfLife);
    this.minDistinctBits = bitsForDistinct(config.candidate.minDistinct);
  }

  /** Folds one snapshot in and returns the sources worth classifying. */
  ingest(snap: TrafficSnapshot): Candidate[] {
    const now = snap.now;
    this.touchedCount = 0;
    if (now - this.lastHalving >= this.config.shortWindowMs) {
      // Age the long tail: a sketched source must grow heavy within about one window.
      this.sketch.halve();
      this.lastHalving = now;
      for (const slot of this.answeredErrors.keys()) {
        if (now - this.lastSeen[slot]! * 1000 > this.config.shortWindowMs) this.answeredErrors.delete(slot);
      }
    }
    const dpidIx = this.dpidIndex(snap.dpid);
    this.epoch = this.windows.epochOf(now);
    this.bucket = this.epoch % this.windows.buckets;
    this.phase = this.distinct.phaseOf(now);
    this.intervalMs = snap.intervalMs;
    this.destinations.begin(now);
    const flows = snap.flows;
    this.deferredCount = 0;
    this.synCount = 0;
    this.convCount = 0;
    if (this.flowTouch.length < flows.length) this.flowTouch = new Int32Array(Math.max(flows.length, 2 * this.flowTouch.length));
    const flowTouch = this.flowTouch;
    for (let i = 0; i < flows.length; i++) {
      const f = flows[i]!;
      this.counted = -1;
      if (this.account(f, now, snap.intervalMs, dpidIx)) {
        if (this.deferredCount === this.deferredRx.length) this.deferredRx = grown(this.deferredRx);
        this.deferredRx[this.deferredCount++] = i;
      }
      flowTouch[i] = this.counted;
      if (this.counted >= 0 && f.kind === 'syn') {
        if (this.synCount === this.synIndex.length) this.synIndex = grown(this.synIndex);
        this.synIndex[this.synCount++] = i;
      }
    }
    if (this.synCount > 0) {
      // Only sources with SYN counters are brute-force suspects: their flows, found by
      // touch index instead of by a lookup of every flow's address.
      for (let i = 0; i < flows.length; i++) {
        const t = flowTouch[i]!;
        if (t < 0 || this.sSyn[t] === 0) continue;
        if (this.convCount === this.convIndex.length) this.convIndex = grown(this.convIndex);
        this.convIndex[this.convCount++] = i;
      }
    }
    // A server admitted later in this snapshot still gets what its clients sent it.
    for (let k = 0; k < this.deferredCount; k++) {
      const f = flows[this.deferredRx[k]!]!;
      const back = this.sources.find(f.dst!);
      if (back < 0) continue;
      const others = this.secondEntries.get(back);
      if (!others) {
        this.creditReceived(back, f, f.packets);
        continue;
      }
      // Answers to an address that enters at two ports may answer either entry (a forger's
      // SYNs provoke the SYN-ACKs its owner receives): each entry is credited in proportion
      // to what it sent this interval, so the forger gets its flood's answers and the owner
      // about its own.
      const sent = (s: number) => (this.isTouched(s) ? this.sPkt[this.posOf[s]!]! + this.sSyn[this.posOf[s]!]! : 0);
      let total = sent(back);
      for (const s of others) total += sent(s);
      if (total <= 0) continue;
      this.creditReceived(back, f, (f.packets * sent(back)) / total);
      for (const s of others) if (sent(s) > 0) this.creditReceived(s, f, (f.packets * sent(s)) / total);
    }
    this.secondEntries.clear();
    if (snap.intervalMs <= 0) return []; // first poll of a switch: counters, no rates yet
    const intervalSec = snap.intervalMs / 1000;
    this.destinations.finish(now, intervalSec);
    const out: Candidate[] = [];
    for (let t = 0; t < this.touchedCount; t++) {
      const c = this.finishSource(t, now, intervalSec, snap.dpid);
      if (c) out.push(c);
    }
    return out;
  }

  /** Whether the source was ever seen (bloom filter: false positives possible, no false negatives). */
  seenBefore(src: string): boolean {
    const v4 = parseIPv4(src);
    return this.seen.has(v4 >= 0 ? hash32(v4) : hashString(src));
  }

  /** Current feature vector of a tracked source, or undefined when it is not tracked. */
  featuresOf(src: string, now: number): Float64Array | undefined {
    const slot = this.sources.find(src);
    if (slot < 0) return undefined;
    return this.vector(slot, now, this.lastPacketRate(slot, now), this.lastByteRate(slot, now), 0);
  }

  /** Tracked sources with the highest short-window packet rate, busiest first. */
  topSources(limit: number, now: number): { src: string; packetRate: number; byteRate: number; lastSeen: number }[] {
    const best: { src: string; slot: number; packetRate: number }[] = [];
    const span = this.config.shortWindowMs / 1000;
    for (let slot = 0; slot < this.config.maxSources; slot++) {
      if (this.lastSeen[slot] === 0 || now - this.lastSeen[slot]! * 1000 > this.config.shortWindowMs) continue;
      const rate = this.windows.sum(slot, W_PKT, now) / span;
      if (best.length < limit) best.push({ src: '', slot, packetRate: rate });
      else if (rate > best[best.length - 1]!.packetRate) best[best.length - 1] = { src: '', slot, packetRate: rate };
      else continue;
      best.sort((a, b) => b.packetRate - a.packetRate);
    }
    return best.map((b) => ({
      src: addressPart(this.sources.addressOf(b.slot)),
      packetRate: b.packetRate,
      byteRate: b.packetRate * this.shares[b.slot * S_COUNT + S_SIZE]!,
      lastSeen: this.lastSeen[b.slot]! * 1000,
    }));
  }

  private dpidIndex(dpid: string): number {
    let ix = this.dpids.get(dpid);
    if (ix === undefined) {
      ix = this.dpids.size + 1;
      this.dpids.set(dpid, ix);
    }
    return ix;
  }

  /** Returns true when the flow's reverse-direction credit must wait until the loop ends. */
  private account(f: FlowDelta, now: number, intervalMs: number, dpidIx: number): boolean {
    const kind = f.kind;
    const packets = f.packets;
    if (kind === 'other' || packets <= 0 || f.src === '') return false;
    if (kind === 'rst' || (kind === 'accounting' && (isAnswer(f) || this.isErrorAnswer(f)))) {
      // A service answering its clients (the flow is keyed by the service's own port), a
      // host answering pings, or a stack's rate-limited ICMP errors (port unreachable to a
      // UDP flooder or scanner): what it carries is what the other side received, not
      // traffic this host originates. Counting it as the answering host's would flag a
      // victim for answering a flood; the errors count against the host that provoked them.
      // So do a conversation's RSTs (its RST counter): the host resets what it was sent.
      const dst = f.dst;
      if (dst === undefined) return false;
      // Credited once every flow of the snapshot is in: by then it is known whether the
      // addressee also enters at a second port (see the loop after the pass).
      return true;
    }
    let key = f.src;
    let v4 = -1;
    if (f.srcPrefix === undefined || f.srcPrefix === 32 || f.srcPrefix === 128) v4 = parseIPv4(key);
    else key = `${f.src}/${f.srcPrefix}`;
    let slot = this.resolve(key, v4, packets, now);
    if (slot < 0) return false;
    const inPort = f.inPort;
    if (inPort !== undefined && inPort > 0) {
      const port = this.entryPort[slot]!;
      if (port === 0) this.entryPort[slot] = inPort;
      else if (port !== inPort && this.owner[slot] === dpidIx) {
        // The address enters the switch at a second port: one of the two forges it. Each
        // entry keeps its own state, so the owner is judged on its own traffic, never on a
        // forger's (whose SYNs it answers with RSTs, whose attack history it would inherit).
        const primary = slot;
        key = `${key}${ENTRY_MARK}${inPort}`;
        slot = this.resolve(key, -1, packets, now);
        if (slot < 0) return false;
        const others = this.secondEntries.get(primary);
        if (!others) this.secondEntries.set(primary, [slot]);
        else if (!others.includes(slot)) others.push(slot);
        if (this.entryPort[slot] === 0) this.entryPort[slot] = inPort;
      }
    }
    // Only the first switch to report a source counts it (the others see the same
    // packets in transit); another takes over when that one goes quiet. lastSeen is the
    // owner's last report: only the owner's flows reach finishSource.
    const own = this.owner[slot]!;
    if (own !== dpidIx) {
      if (own !== 0 && now - this.lastSeen[slot]! * 1000 <= this.config.ownerTakeoverMs) return false;
      this.owner[slot] = dpidIx;
    }
    const t = this.touch(slot);
    this.counted = t;
    if (kind === 'syn') {
      this.windows.addAdvanced(slot, W_SYN, this.bucket, packets);
      this.sSyn[t]! += packets;
      if (packets > this.sSynMax[t]!) {
        this.sSynMax[t] = packets;
        this.sTopSyn[t] = f;
      }
      // A SYN flood's packets are all here (its accounting flow sees almost none): its
      // busiest flow, and so where it enters, may be this one.
      if (packets > this.sTopPkts[t]!) {
        this.sTopPkts[t] = packets;
        this.sTop[t] = f;
      }
      return false;
    }
    this.windows.addAdvanced(slot, W_PKT, this.bucket, packets);
    this.sPkt[t]! += packets;
    this.sBytes[t]! += f.bytes;
    const proto = f.proto;
    if (proto === 6) this.sTcp[t]! += packets;
    else if (proto === 17) this.sUdp[t]! += packets;
    else if (proto === 1 || proto === 58) {
      this.sIcmp[t]! += packets;
      // Crafted errors (faster than any stack answers): an ICMP-error flood of this source.
      if (isIcmpError(f)) this.sIcmpErr[t]! += packets;
    }
    if (f.dstPort === 0 && (proto === 6 || proto === 17)) this.sFlags[t]! |= FLAG_PORT_ZERO;
    if (kind === 'drop' || kind === 'meter') this.sFlags[t]! |= FLAG_MITIGATED;
    if (f.durationSec * 1000 <= intervalMs) {
      this.windows.addAdvanced(slot, W_NEWFLOW, this.bucket, 1);
      this.sNew[t]!++;
    }
    if (packets > this.sTopPkts[t]!) {
      this.sTopPkts[t] = packets;
      this.sTop[t] = f;
    }
    if (f.dstPort !== undefined) this.distinct.set(slot, D_PORT, hash32(f.dstPort * 256 + (proto ?? 0)));
    const dst = f.dst;
    if (dst === undefined) return false;
    if (dst === f.src) this.sFlags[t]! |= FLAG_LAND;
    const dv4 = parseIPv4(dst);
    const dh = dv4 >= 0 ? hash32(dv4) : hashString(dst);
    this.distinct.set(slot, D_DST, dh);
    this.destinations.account(dst, dv4, v4 >= 0 ? hash32(v4) : hashString(key), packets, this.sPkt[t]!);
    // Reverse direction: what this flow carries is what its destination received.
    const back = dv4 >= 0 ? this.sources.findV4(dv4) : this.sources.find(dst, -1);
    if (back >= 0) this.creditReceived(back, f, f.packets);
    return back < 0;
  }

  /** ICMP errors at a rate a stack answers with (see DetectConfig.icmpAnswerMaxRate). */
  private isErrorAnswer(f: FlowDelta): boolean {
    return isIcmpError(f) && f.packetRate <= this.config.icmpAnswerMaxRate;
  }

  /** What a flow carried is what its destination (slot) received; answering errors count against it. */
  private creditReceived(slot: number, f: FlowDelta, packets: number): void {
    this.windows.advance(slot, this.epoch);
    this.windows.addAdvanced(slot, W_RX, this.bucket, packets);
    if (this.isErrorAnswer(f)) this.answeredErrors.set(slot, (this.answeredErrors.get(slot) ?? 0) + packets);
  }

  /** Slot of a source, admitting it (directly, or from the sketch once heavy); -1 = sketched. */
  private resolve(key: string, v4: number, packets: number, now: number): number {
    const found = v4 >= 0 ? this.sources.findV4(v4) : this.sources.find(key, -1);
    if (found >= 0) return found;
    const h = v4 >= 0 ? hash32(v4) : hashString(key);
    const known = this.seen.add(h);
    if (this.sources.full) {
      if (this.sketch.add(h, packets) < this.config.sketch.promoteAfterPackets) return -1;
      if (!this.evictIdlest(now)) return -1;
    }
    const slot = this.sources.insert(key, v4);
    this.windows.clear(slot);
    this.distinct.clear(slot);
    this.samples[slot] = 0;
    this.shares.fill(0, slot * S_COUNT, slot * S_COUNT + S_COUNT);
    this.owner[slot] = 0;
    this.entryPort[slot] = 0;
    this.firstSeenSec[slot] = Math.floor(now / 1000);
    this.lastSeen[slot] = Math.floor(now / 1000);
    this.newSource[slot] = known ? 0 : 1;
    if (this.answeredErrors.size > 0) this.answeredErrors.delete(slot);
    return slot;
  }

  /**
   * Clock-hand sampling: look at the next `evictionSample` slots and evict the one seen
   * longest ago, unless even that one is active in the current short window.
   */
  private evictIdlest(now: number): boolean {
    const n = this.config.maxSources;
    let victim = -1;
    let oldest = Infinity;
    for (let k = 0; k < this.config.evictionSample; k++) {
      const s = this.hand;
      this.hand = (this.hand + 1) % n;
      if (this.isTouched(s)) continue;
      if (this.lastSeen[s]! < oldest) {
        oldest = this.lastSeen[s]!;
        victim = s;
      }
    }
    if (victim < 0 || now - oldest * 1000 < this.windows.bucketMs) return false;
    this.sources.remove(victim);
    this.lastSeen[victim] = 0;
    return true;
  }

  private isTouched(slot: number): boolean {
    const t = this.posOf[slot]!;
    return t < this.touchedCount && this.touched[t] === slot;
  }

  private touch(slot: number): number {
    if (this.isTouched(slot)) return this.posOf[slot]!;
    this.windows.advance(slot, this.epoch);
    this.distinct.enter(slot, this.phase);
    const t = this.touchedCount++;
    if (t === this.touched.length) this.grow();
    this.posOf[slot] = t;
    this.touched[t] = slot;
    this.sPkt[t] = 0;
    this.sBytes[t] = 0;
    this.sSyn[t] = 0;
    this.sSynMax[t] = 0;
    this.sNew[t] = 0;
    this.sTcp[t] = 0;
    this.sUdp[t] = 0;
    this.sIcmp[t] = 0;
    this.sIcmpErr[t] = 0;
    this.sFlags[t] = 0;
    this.sTop[t] = undefined;
    this.sTopPkts[t] = 0;
    this.sTopSyn[t] = undefined;
    return t;
  }

  private grow(): void {
    const n = this.touched.length * 2;
    const g = <T extends Float64Array | Int32Array | Uint8Array>(a: T, make: (n: number) => T): T => {
      const b = make(n);
      b.set(a);
      return b;
    };
    this.touched = g(this.touched, (k) => new Int32Array(k));
    this.sPkt = g(this.sPkt, (k) => new Float64Array(k));
    this.sBytes = g(this.sBytes, (k) => new Float64Array(k));
    this.sSyn = g(this.sSyn, (k) => new Float64Array(k));
    this.sSynMax = g(this.sSynMax, (k) => new Float64Array(k));
    this.sNew = g(this.sNew, (k) => new Float64Array(k));
    this.sTcp = g(this.sTcp, (k) => new Float64Array(k));
    this.sUdp = g(this.sUdp, (k) => new Float64Array(k));
    this.sIcmp = g(this.sIcmp, (k) => new Float64Array(k));
    this.sIcmpErr = g(this.sIcmpErr, (k) => new Float64Array(k));
    this.sFlags = g(this.sFlags, (k) => new Uint8Array(k));
    this.sTopPkts = g(this.sTopPkts, (k) => new Float64Array(k));
    this.sTop.length = n;
    this.sTopSyn.length = n;
  }

  private finishSource(t: number, now: number, intervalSec: number, dpid: string): Candidate | undefined {
    const slot = this.touched[t]!;
    const pkts = this.sPkt[t]!;
    const packetRate = pkts / intervalSec;
    const byteRate = this.sBytes[t]! / intervalSec;
    let z = 0;
    const n = this.samples[slot]!;
    if (n === 0) ewmaSeed(this.baseline, slot, packetRate);
    else {
      if (n >= this.config.zWarmup) z = zScore(this.baseline, slot, packetRate, this.config.zMinStd);
      ewmaUpdate(this.baseline, slot, packetRate, this.baselineAlpha);
    }
    if (n < 0xff) this.samples[slot] = n + 1;
    this.lastSeen[slot] = Math.floor(now / 1000);
    const o = slot * S_COUNT;
    const a = n === 0 ? 1 : this.config.shareAlpha;
    if (this.answeredErrors.size > 0) {
      const answered = this.answeredErrors.get(slot);
      if (answered !== undefined) {
        this.sIcmpErr[t]! += answered;
        this.answeredErrors.delete(slot);
      }
    }
    if (pkts > 0) {
      this.shares[o + S_TCP] = mix(this.shares[o + S_TCP]!, this.sTcp[t]! / pkts, a);
      this.shares[o + S_UDP] = mix(this.shares[o + S_UDP]!, this.sUdp[t]! / pkts, a);
      this.shares[o + S_ICMP] = mix(this.shares[o + S_ICMP]!, this.sIcmp[t]! / pkts, a);
    }
    this.shares[o + S_ICMPERR] = mix(this.shares[o + S_ICMPERR]!, this.sIcmpErr[t]! / intervalSec, a);
    const syn = this.sSyn[t]!;
    if (syn > 0) this.shares[o + S_TARGET] = mix(this.shares[o + S_TARGET]!, this.sSynMax[t]! / syn, a);
    if (pkts > 0) this.shares[o + S_SIZE] = mix(this.shares[o + S_SIZE]!, this.sBytes[t]! / pkts, a);

    // Where the source's traffic enters is its busiest flow's entry; for a source that makes
    // connection attempts in earnest, where those attempts come from. The address's owner
    // answers the SYN-ACKs of a flood forging it with RSTs to the same service port, as much
    // traffic as the flood itself, on its own port: the attempts tell the two apart.
    const topSyn = this.sTopSyn[t];
    const top = topSyn !== undefined && this.sSynMax[t]! >= ENTRY_SYN_SHARE * this.sTopPkts[t]! ? topSyn : this.sTop[t];
    const flags = this.sFlags[t]!;
    const cand = this.config.candidate;
    // Cheapest tests first: most touched sources are quiet and leave here without a
    // feature vector being built.
    const gate =
      packetRate >= cand.minPacketRate ||
      this.shares[o + S_ICMPERR]! >= cand.minIcmpErrorRate ||
      (flags & (FLAG_PORT_ZERO | FLAG_LAND)) !== 0 ||
      // Connection rate over the window can only have crossed the gate if the source
      // opened connections in this interval (it was evaluated when it did before).
      ((this.sSyn[t]! > 0 || this.sNew[t]! > 0) && this.connRate(slot, now) >= cand.minConnRate) ||
      this.distinct.bitsSet(slot, D_DST, now) >= this.minDistinctBits ||
      this.distinct.bitsSet(slot, D_PORT, now) >= this.minDistinctBits ||
      // A member of a distributed flood may be quiet on its own.
      (packetRate >= cand.minMemberRate && top?.dst !== undefined && this.destinations.underAttack(top.dst, now));
    const watchedOnly = !gate && this.watch !== undefined && this.isWatched(slot);
    if (!gate && !watchedOnly) return undefined;
    const target = top?.dst !== undefined ? this.destinations.summary(top.dst, now) : undefined;
    const v = this.vector(slot, now, packetRate, byteRate, z);
    const name = addressPart(this.sources.addressOf(slot));
    const cut = this.sources.v4Of(slot) < 0 ? name.lastIndexOf('/') : -1;
    const c: Candidate = {
      slot,
      src: cut > 0 ? name.slice(0, cut) : name,
      dpid,
      features: v,
      portZero: (flags & FLAG_PORT_ZERO) !== 0,
      land: (flags & FLAG_LAND) !== 0,
      mitigated: (flags & FLAG_MITIGATED) !== 0,
      firstSeen: this.newSource[slot] === 1,
    };
    if (watchedOnly) c.quiet = true;
    if (cut > 0) c.srcPrefix = Number(name.slice(cut + 1));
    if (top) {
      if (top.dst !== undefined) c.dst = top.dst;
      if (top.proto !== undefined) c.proto = top.proto;
      if (top.dstPort !== undefined) c.dstPort = top.dstPort;
      if (top.inPort !== undefined) c.inPort = top.inPort;
    }
    if (target) c.target = target;
    this.newSource[slot] = 0;
    return c;
  }

  private isWatched(slot: number): boolean {
    const v4 = this.sources.v4Of(slot);
    return this.watch!(v4 >= 0 ? '' : addressPart(this.sources.addressOf(slot)), v4);
  }

  private vector(slot: number, now: number, packetRate: number, byteRate: number, z: number): Float64Array {
    const w = this.windows;
    const covered = this.coveredSec(slot, now);
    const pkt = w.sum(slot, W_PKT, now);
    const syn = w.sum(slot, W_SYN, now);
    const rx = w.sum(slot, W_RX, now);
    const newFlows = w.sum(slot, W_NEWFLOW, now);
    const o = slot * S_COUNT;
    const tcpShare = this.shares[o + S_TCP]!;
    const conns = Math.max(syn, newFlows);
    const v = new Float64Array(FEATURE_COUNT);
    v[F.packetRate] = packetRate;
    v[F.byteRate] = byteRate;
    v[F.meanPacketSize] = this.shares[o + S_SIZE]!;
    v[F.connRate] = conns / covered;
    v[F.synShare] = Math.min(1, syn / Math.max(1, tcpShare * pkt));
    v[F.synPerReply] = syn / (rx + 1);
    v[F.rxTxRatio] = rx / Math.max(1, pkt);
    v[F.tcpShare] = tcpShare;
    v[F.udpShare] = this.shares[o + S_UDP]!;
    v[F.icmpShare] = this.shares[o + S_ICMP]!;
    v[F.icmpErrorRate] = this.shares[o + S_ICMPERR]!;
    v[F.distinctDsts] = this.distinct.estimate(slot, D_DST, now);
    v[F.distinctPorts] = this.distinct.estimate(slot, D_PORT, now);
    v[F.targetShare] = syn > 0 ? this.shares[o + S_TARGET]! : 0;
    v[F.zScore] = z;
    v[F.packetsPerConn] = pkt / Math.max(1, conns);
    return v;
  }

  private connRate(slot: number, now: number): number {
    const w = this.windows;
    const covered = this.coveredSec(slot, now);
    return Math.max(w.sum(slot, W_SYN, now), w.sum(slot, W_NEWFLOW, now)) / covered;
  }

  /**
   * Seconds of traffic the short-window sums cover: the buckets still in the window (the
   * newest one partly filled) plus the interval the oldest delta reaches back, or less
   * for a source seen only recently.
   */
  private coveredSec(slot: number, now: number): number {
    const w = this.windows;
    const ring = (w.buckets - 1) * w.bucketMs + (now - w.epochOf(now) * w.bucketMs) + this.intervalMs;
    const life = now - this.firstSeenSec[slot]! * 1000 + this.intervalMs;
    return Math.max(1, Math.min(ring, life)) / 1000;
  }

  private lastPacketRate(slot: number, now: number): number {
    return this.windows.sum(slot, W_PKT, now) / (this.windows.windowMs / 1000);
  }

  private lastByteRate(slot: number, now: number): number {
    return this.lastPacketRate(slot, now) * this.shares[slot * S_COUNT + S_SIZE]!;
  }
}

function grown(a: Int32Array<ArrayBuffer>): Int32Array<ArrayBuffer> {
  const b = new Int32Array(a.length * 2);
  b.set(a);
  return b;
}

function mix(prev: number, x: number, alpha: number): number {
  return prev + alpha * (x - prev);
}

/** Destination unreachable / time exceeded (ICMPv6: 1 and 3). */
export function isIcmpError(f: FlowDelta): boolean {
  const proto = f.proto;
  // The protocol first: most flows are TCP/UDP and have no icmpType to look up.
  if (proto === 1) return f.icmpType === 3 || f.icmpType === 11;
  return proto === 58 && (f.icmpType === 1 || f.icmpType === 3);
}

/** Traffic that answers the flow's destination: replies keyed by the service's own port, ICMP echo replies. */
export function isAnswer(f: FlowDelta): boolean {
  if (f.srcPort !== undefined && f.dstPort === undefined) return true;
  return (f.proto === 1 && f.icmpType === 0) || (f.proto === 58 && f.icmpType === 129);
}
