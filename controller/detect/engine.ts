/**
 * DetectionEngine: snapshots in, Detections out. Composes the feature extractor (windows,
 * baselines, sketches), the rules (whitelist, blocklists, protocol anomalies), the
 * classifier (what is happening), the patterns (how fast to respond) and the source
 * histories. Pure: time is the snapshot's `now`; intel lookups are fire-and-forget and
 * only their cached answers are read here.
 */
import type { TrafficSnapshot } from '../stats/snapshot.js';
import { BruteForceTracker, suspectKey, type BruteForceSuspect } from './brute-force.js';
import { Classifier, loadBundledModel } from './classifier.js';
import { parseDetectConfig, type DetectConfig, type DetectConfigInput } from './config.js';
import type { DestinationSummary } from './destinations.js';
import { CoordinationBook } from './coordination.js';
import { DestinationView, type UntrustedFlood } from './destination-view.js';
import { sourceText, type AttackType, type Detection, type IntelInfo, type Signal } from './detection.js';
import { F, FEATURE_COUNT, FEATURE_NAMES, FeatureExtractor, type Candidate } from './features.js';
import { HistoryBook } from './history.js';
import { subnetOf } from './ip.js';
import { SIGNAL_POINTS, assess, promote } from './patterns.js';
import { PrefixMatcher, protocolAnomalies } from './rules.js';
import { SIGNAL, netsetSignal } from './signals.js';

/** What the engine needs from threat intelligence (intel.ts implements it). */
export interface IntelSource {
  /** Cached answer, if any; never waits. */
  peek(ip: string): IntelInfo | undefined;
  /** Ask in the background (deduplicated, rate-limited by the implementation). */
  request(ip: string): void;
}

export interface EngineOptions {
  classifier?: Classifier;
  intel?: IntelSource;
}

export class DetectionEngine {
  readonly config: DetectConfig;
  private readonly fx: FeatureExtractor;
  private readonly classifier: Classifier;
  private readonly intel: IntelSource | undefined;
  private readonly history: HistoryBook;
  private whitelist: PrefixMatcher;
  private readonly blocklists = new Map<string, PrefixMatcher>();
  private readonly bruteForce: BruteForceTracker;
  /** Floods whose sources cannot be trusted, judged per destination over a whole poll round. */
  private readonly view: DestinationView;
  private readonly coordination: CoordinationBook;
  /** Recently detected attackers per /24 (/64): member → last detection time. */
  private readonly subnets = new Map<string, Map<string, number>>();

  constructor(config: DetectConfigInput | DetectConfig = {}, opts: EngineOptions = {}) {
    this.config = Object.isFrozen(config) ? (config as DetectConfig) : parseDetectConfig(config as DetectConfigInput);
    this.fx = new FeatureExtractor(this.config);
    this.classifier = opts.classifier ?? loadBundledModel();
    this.intel = opts.intel;
    this.history = new HistoryBook(this.config);
    this.whitelist = new PrefixMatcher(this.config.whitelist);
    this.bruteForce = new BruteForceTracker(this.config);
    this.view = new DestinationView(this.config);
    this.coordination = new CoordinationBook(this.config);
  }

  /**
   * Installs, replaces (reload) or removes (undefined) a named blocklist. Listed sources
   * are evaluated whatever their volume (a listed host sending little is still reported).
   */
  /** Replaces the whitelist (a policy change at run time): whitelisted sources are never evaluated. */
  setWhitelist(cidrs: readonly string[]): void {
    this.whitelist = new PrefixMatcher(cidrs);
  }

  setBlocklist(name: string, matcher: PrefixMatcher | undefined): void {
    if (matcher) this.blocklists.set(name, matcher);
    else this.blocklists.delete(name);
    this.fx.watch = this.blocklists.size > 0 ? (src, v4) => this.listed(src, v4) : undefined;
  }

  ingest(snap: TrafficSnapshot): Detection[] {
    const now = snap.now;
    const out: Detection[] = [];
    this.view.record(snap);
    const candidates = this.fx.ingest(snap);
    const suspects = this.bruteForce.ingest(snap, this.fx.flowPositions());
    const bySource = suspects.length ? new Map(suspects.map((s) => [suspectKey(s.src, s.inPort), s])) : undefined;
    for (const c of candidates) {
      const suspect = bySource?.get(suspectKey(c.src, c.inPort));
      if (suspect && c.srcPrefix === undefined) bySource!.delete(suspectKey(c.src, c.inPort));
      const d = this.evaluate(c, now, snap.intervalMs, c.srcPrefix === undefined ? suspect : undefined);
      if (d) out.push(d);
    }
    // Slow guessers below every per-interval gate: evaluated on what is known of them (not
    // on a switch's first poll, which has counters but no rates, like the extractor).
    if (bySource && snap.intervalMs > 0) for (const s of bySource.values()) {
      const d = this.evaluate(this.quietCandidate(s, now), now, snap.intervalMs, s, true);
      if (d) out.push(d);
    }
    this.markSubnetAttacks(out, now);
    for (const d of out) this.addHistory(d);
    return out;
  }

  /**
   * Once per poll round, with every switch's detections: the members of a coordinated group
   * (sources that began against one service together at similar rates) become many→single.
   */
  coordinate(detections: readonly Detection[], now: number): void {
    this.coordination.observe(detections, now);
  }

  /**
   * Once per poll round, after every switch's snapshot: floods of forged sources and
   * reflection floods, each with the entry points that carry it (destination-view.ts).
   */
  untrustedFloods(now: number): UntrustedFlood[] {
    return this.view.verdicts(now);
  }

  /**
   * A detection that is one of the forged sources of a flood: a newcomer to a destination
   * under such a flood. It is not a source anyone can hold to account (no reputation, no
   * decision, no history row): the flood is answered where it enters.
   */
  isForgedSource(d: Detection): boolean {
    return d.dst !== undefined && d.features.firstSeen === 1 && this.view.isFlooded(d.dst);
  }

  /** Tracked sources with the highest short-window packet rate. */
  topSources(limit: number, now: number): ReturnType<FeatureExtractor['topSources']> {
    return this.fx.topSources(limit, now);
  }

  /** Latest per-destination summaries (unique_ips_60s, rate, z, entropy), busiest first. */
  destinations(limit: number, now: number): DestinationSummary[] {
    return this.fx.destinations.list(limit, now);
  }

  /** Named features of one tracked source as of `now`, or undefined when not tracked. */
  featuresOf(src: string, now: number): Record<string, number> | undefined {
    const v = this.fx.featuresOf(src, now);
    return v && Object.fromEntries(FEATURE_NAMES.map((n, i) => [n, v[i]!]));
  }

  /** Whether a source was ever seen (bloom filter; seeds the reputation of newcomers). */
  seenBefore(src: string): boolean {
    return this.fx.seenBefore(src);
  }

  stats(): { trackedSources: number; trackedDestinations: number; histories: number } {
    return { trackedSources: this.fx.sources.size, trackedDestinations: this.fx.destinations.size, histories: this.history.size };
  }

  private listed(src: string, v4: number): boolean {
    for (const m of this.blocklists.values()) if (v4 >= 0 ? m.hasV4(v4) : m.has(src)) return true;
    return false;
  }

  /** A candidate for a brute-force suspect the feature extractor did not put forward. */
  private quietCandidate(s: BruteForceSuspect, now: number): Candidate {
    const features = this.fx.featuresOf(s.src, now) ?? new Float64Array(FEATURE_COUNT);
    const c: Candidate = { slot: -1, src: s.src, dst: s.dst, proto: 6, dstPort: s.dstPort, dpid: s.dpid, features, portZero: false, land: false, mitigated: false, firstSeen: false };
    if (s.inPort !== undefined) c.inPort = s.inPort;
    const target = this.fx.destinations.summary(s.dst, now);
    if (target) c.target = target;
    return c;
  }

  /** `quiet`: the candidate passed no volume gate (a brute-force suspect, a listed source). */
  private evaluate(c: Candidate, now: number, intervalMs: number, suspect?: BruteForceSuspect, quiet = false): Detection | undefined {
    if (this.whitelist.has(c.src)) return undefined;
    const f = c.features;
    // On a trickle of traffic the model's verdict means nothing: a quiet candidate is here
    // for its listing or its guessing, not for what the model makes of it.
    quiet ||= c.quiet === true;
    const verdict = quiet ? { type: 'benign' as AttackType, confidence: 0 } : this.classifier.predict(f);
    const signals: Signal[] = [];
    const netsets: string[] = [];
    for (const [name, m] of this.blocklists) {
      if (m.has(c.src)) {
        signals.push({ name: netsetSignal(name), points: SIGNAL_POINTS.blocklist, detail: `${c.src} listed in ${name}` });
        netsets.push(name);
      }
    }
    const blocklisted = netsets.length > 0;
    // A victim answering a flood with unreachables is not an ICMP-error attacker.
    const victim = this.fx.destinations.underAttack(c.src, now);
    const icmpErrorRate = victim ? 0 : f[F.icmpErrorRate]!;
    const anomalies = protocolAnomalies({ portZero: c.portZero, land: c.land, icmpErrorRate }, this.config.icmpErrorFlood);
    let type = verdict.type;
    let confidence = verdict.confidence;
    let attack = type !== 'benign' && confidence >= this.config.minConfidence;
    const attemptThreshold = this.bruteForce.thresholdFor(c.dstPort ?? 0);
    if (attack && type === 'brute-force' && !suspect && f[F.connRate]! * 60 < attemptThreshold) {
      // The model's commonest mistake is a busy web client (many short connections): below
      // the port's own attempt rate (auth ports 20/min, others 1 200/min) it is not guessing.
      attack = false;
    }
    if (!attack && f[F.connRate]! >= this.config.synFloodConnections) {
      attack = true;
      type = 'syn-flood';
      confidence = this.config.minConfidence;
      signals.push({ name: SIGNAL.volumeConnections, points: 0, detail: `${Math.round(f[F.connRate]!)} conn/s ≥ ${this.config.synFloodConnections}: a SYN flood whatever the model says` });
    }
    if (suspect && !attack) {
      // Too slow for the model to call: many short attempts on one service port are guessing.
      attack = true;
      type = 'brute-force';
      const ratio = suspect.attemptsPerMinute / suspect.threshold;
      confidence = Math.max(this.config.minConfidence, ratio / (ratio + 1));
      signals.push({
        name: SIGNAL.rateBruteForce,
        points: 0,
        detail: `${Math.round(suspect.attemptsPerMinute)} attempts/min to port ${suspect.dstPort} ≥ ${suspect.threshold}, ${suspect.packetsPerAttempt.toFixed(1)} packets each`,
      });
    }
    if (!attack && !blocklisted && anomalies.length === 0) return undefined;
    const key = sourceText(c);
    // One detection per source per interval, whichever switch reports it first.
    if (now - this.history.lastHitAt(key) < intervalMs) return undefined;
    // Guessing is slow: reported at most every bruteForce.reportEveryMs, so the policy's
    // answer (flag, throttle, block if it persists) follows minutes, not seconds.
    if (attack && type === 'brute-force' && !this.bruteForce.mayReport(key, now)) return undefined;

    const attackType: AttackType = attack ? type : 'benign';
    const connections = f[F.connRate]!;
    const a = assess(
      {
        attackType,
        connections,
        packetRate: f[F.packetRate]!,
        distinctDsts: f[F.distinctDsts]!,
        zScore: f[F.zScore]!,
        ...(c.target ? { target: c.target } : {}),
      },
      this.config,
    );
    let severity = a.severity;
    if (blocklisted) severity = promote(severity, 'high');
    if (anomalies.length) severity = promote(severity, 'medium');
    signals.push(...a.signals, ...anomalies);

    const features: Record<string, number> = {};
    for (let i = 0; i < FEATURE_NAMES.length; i++) features[FEATURE_NAMES[i]!] = f[i]!;
    if (c.target) {
      features.targetUniqueIps60s = c.target.uniqueIps;
      features.targetPacketRate = c.target.packetRate;
      features.targetZScore = c.target.zScore;
      features.targetSourceEntropy = c.target.sourceEntropy;
    }
    features.firstSeen = c.firstSeen ? 1 : 0;
    features.mitigated = c.mitigated ? 1 : 0;
    // The policy's brute-force base: attempts against the port's own threshold.
    const bruteForce = attackType === 'brute-force'
      ? { attemptsPerMinute: suspect?.attemptsPerMinute ?? connections * 60, threshold: suspect?.threshold ?? attemptThreshold, ...(suspect ? { packetsPerAttempt: suspect.packetsPerAttempt } : {}) }
      : undefined;
    if (bruteForce) {
      features.attemptsPerMinute = bruteForce.attemptsPerMinute;
      features.attemptThreshold = bruteForce.threshold;
      if (bruteForce.packetsPerAttempt !== undefined) features.packetsPerAttempt = bruteForce.packetsPerAttempt;
    }

    const d: Detection = {
      src: c.src,
      at: now,
      pattern: a.pattern,
      attackType,
      confidence,
      severity,
      connections,
      packetRate: f[F.packetRate]!,
      byteRate: f[F.byteRate]!,
      vectors: [],
      subnetAttack: false,
      regularTiming: false,
      features,
      signals,
      dpid: c.dpid,
    };
    if (netsets.length) d.netsets = netsets;
    if (bruteForce) d.bruteForce = bruteForce;
    if (c.srcPrefix !== undefined) d.srcPrefix = c.srcPrefix;
    if (c.dst !== undefined) d.dst = c.dst;
    if (c.proto !== undefined) d.proto = c.proto;
    if (c.dstPort !== undefined) d.dstPort = c.dstPort;
    if (c.inPort !== undefined) d.inPort = c.inPort;
    if (this.intel) {
      const info = this.intel.peek(c.src);
      if (info) d.intel = info;
      // Even with an answer in hand (a geo country comes at once): the lookup service is
      // asked unless its own answer is cached; request() is a no-op then.
      if (info?.abuseConfidence === undefined) this.intel.request(c.src);
    }
    return d;
  }

  /** subnetAttack: enough members of one /24 (/64) detected as attackers within the short window. */
  private markSubnetAttacks(ds: Detection[], now: number): void {
    const horizon = now - this.config.shortWindowMs;
    const touched = new Set<Map<string, number>>();
    const netOf = new Map<Detection, Map<string, number>>();
    for (const d of ds) {
      if (d.attackType === 'benign' || d.srcPrefix !== undefined) continue;
      const net = subnetOf(d.src);
      if (!net) continue;
      const key = `${net.network}/${net.prefix}`;
      let members = this.subnets.get(key);
      if (!members) {
        if (this.subnets.size >= this.config.maxHistory) this.subnets.delete(this.subnets.keys().next().value!);
        members = new Map();
        this.subnets.set(key, members);
      }
      members.set(d.src, now);
      touched.add(members);
      netOf.set(d, members);
    }
    for (const members of touched) for (const [src, at] of members) if (at < horizon) members.delete(src);
    for (const [d, members] of netOf) {
      if (members.size < this.config.subnetMinMembers) continue;
      d.subnetAttack = true;
      d.features.subnetMembers = members.size;
    }
  }

  private addHistory(d: Detection): void {
    const key = sourceText(d);
    const h = this.history.record(key, d.at, d.attackType, d.connections);
    d.vectors = h.vectors;
    d.regularTiming = h.regularTiming;
    d.features.persistence = h.persistence;
    d.features.episodes = h.episodes;
    d.features.escalation = h.escalation;
    d.features.velocityShort = h.velocityShort;
    d.features.velocityLong = h.velocityLong;
    if (Number.isFinite(h.timingCv)) d.features.timingCv = h.timingCv;
  }
}
