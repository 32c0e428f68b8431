/**
 * The policy engine: detections and blocked-traffic evidence in, decisions out.
 *
 * Pure apart from the optional store mirror: time comes in as `now` (or from the injected
 * Clock), state lives in memory, and each public call writes its changes to the store as
 * one batch (one SQLite transaction). A restarted engine rebuilds from the store
 * (`PolicyEngine.fromStore`) and continues: offence counts, reputations, hit histories,
 * active decisions, learned weights and the decision id sequence survive.
 *
 * Decisions are idempotent per target: one active decision per source key (and one per
 * victim for server-level throttles). A stronger action ends the old decision and issues
 * a new id (the enforcer swaps flows by cookie); the same action is updated in place
 * (same id, later expiry) only when it matters: the threat level rose, the meter got
 * stricter, or less than half of the duration is left. Everything else is a no-op.
 */
import type { Clock } from '../clock.js';
import type { Detection, Signal } from '../detect/detection.js';
import { sourceKey, subnetKey } from './address.js';
import { parsePolicyConfig, type PolicyConfig, type PolicyConfigInput, type ReputationWeights } from './config.js';
import type { Decision, DecisionTarget, MeterRate, MitigationAction } from './decision.js';
import { blockDuration } from './durations.js';
import { PolicyError } from './errors.js';
import { victimKey } from './evidence.js';
import { scoreHit, type MultiSignalResult, type PeerVelocity } from './multi-signal.js';
import {
  decayedScore,
  forgiveReputation,
  learnWeights,
  observationFromDetection,
  observeReputation,
  type ReputationResult,
} from './reputation.js';
import { planResponse, type ResponsePlan, type SourceAction } from './response.js';
import {
  emptyChanges,
  hasChanges,
  type MitigationEvent,
  type PolicyChanges,
  type PolicyPersistence,
  type PolicySnapshot,
  type SourceRecord,
} from './state.js';
import { maxSeverity, severityRank, threatScore, type ThreatScore } from './threat.js';
import { thresholdAdjustment, type ThresholdAdjustment } from './thresholds.js';
import { trustLevel, type TrustLevel } from './trust.js';
import { earlyStepDownDue, recoveryLifts, reviewAtExpiry, stepDownAction } from './unblock.js';
import { Whitelist } from './whitelist.js';

const HOUR_MS = 3_600_000;
/** Victims are not offenders: their throttles carry neutral trust and offence 0. */
const VICTIM_TRUST: TrustLevel = 0.5;

export interface EngineResult {
  /** New and changed decisions (changed ones keep their id). */
  decisions: Decision[];
  ended: Decision[];
}

/** Blocked-traffic packet rate per policy key (see evidence.ts `blockedRates`). */
export type Evidence = ReadonlyMap<string, number>;

export interface NetworkObservation {
  /** Busiest link's load 0–1. */
  load?: number;
}

export interface AdminBlockRequest {
  src: string;
  srcPrefix?: number;
  proto?: number;
  dstPort?: number;
  action?: SourceAction;
  durationMs?: number;
  actor: string;
  reason: string;
}

/** Which decisions an admin operation is about: one decision, or every one of a source. */
export type DecisionSelector = { id: number } | { src: string; srcPrefix?: number };

interface ActiveEntry {
  key: string;
  decision: Decision;
  /** Latest blocked-traffic rate seen for this key, and when. */
  blockedPps: number;
  evidenceAt: number;
  /** The highest blocked-traffic rate of this mitigation episode (kept across extensions and step-downs). */
  peakPps: number;
  /** The mitigation has stopped traffic at some point: it did something. */
  sawTraffic: boolean;
  quietSince?: number;
}

/** Detections per minute over the last hour, in 60 fixed slots (no per-event allocation). */
class HourCounter {
  private readonly counts = new Float64Array(60);
  private readonly minutes = new Float64Array(60).fill(-1);
  add(now: number): void {
    const minute = Math.floor(now / 60_000);
    const slot = minute % 60;
    if (this.minutes[slot] !== minute) {
      this.minutes[slot] = minute;
      this.counts[slot] = 0;
    }
    this.counts[slot]! += 1;
  }
  total(now: number): number {
    const minute = Math.floor(now / 60_000);
    let n = 0;
    for (let i = 0; i < 60; i++) if (minute - this.minutes[i]! < 60) n += this.counts[i]!;
    return n;
  }
}

/** The detector found the source in a local netset (detect.blocklists): signal `blocklist.<list>`. */
function isListedByNetset(d: Detection): boolean {
  return d.signals.some((s) => s.name.startsWith('blocklist.'));
}

function decisionKey(d: Decision): string {
  return d.action === 'throttle-victim' && d.target.dst ? victimKey(d.target.dst) : sourceKey(d.target.src, d.target.srcPrefix);
}

function splitKey(key: string): { src: string; srcPrefix?: number } {
  const slash = key.indexOf('/');
  return slash < 0 ? { src: key } : { src: key.slice(0, slash), srcPrefix: Number(key.slice(slash + 1)) };
}

/** The signal that marks a decision as the blocklist's (renewed while the entry is listed). */
export const BLOCKLIST_SIGNAL = 'admin.blocklist';
const BLOCKLIST_ACTOR = 'blocklist';

export function isBlocklistDecision(d: Decision | undefined): boolean {
  return d !== undefined && d.origin === 'admin' && d.signals.some((s) => s.name === BLOCKLIST_SIGNAL);
}

function blocklistKeys(entries: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const text of entries) {
    const slash = text.indexOf('/');
    out.set(slash < 0 ? sourceKey(text) : sourceKey(text.slice(0, slash), Number(text.slice(slash + 1))), text);
  }
  return out;
}

/** A policy changed at run time, as the store keeps it (controller/store implements the source). */
export interface StoredPolicyRevision {
  version: number;
  at: number;
  actor: string;
  reason: string;
  /** The whole policy config (parsed again when read). */
  policy: unknown;
}

export interface PolicyRevisionSource {
  latestPolicyRevision(): StoredPolicyRevision | undefined;
}

export class PolicyEngine {
  private cfg: PolicyConfig;
  private readonly clock: Clock;
  private readonly store: PolicyPersistence | undefined;
  private whitelist: Whitelist;
  /** Blocklisted policy key → the entry as the operator wrote it (its note is keyed by that). */
  private blocklist = new Map<string, string>();
  private readonly reconfigureListeners: Array<(config: PolicyConfig) => void> = [];
  private readonly sources = new Map<string, SourceRecord>();
  private readonly active = new Map<string, ActiveEntry>();
  private readonly subnetHits = new Map<string, number[]>();
  private readonly attacks = new HourCounter();
  private readonly startedAt: number;
  private weights: ReputationWeights;
  /** Set when the policy in force came from the store's latest revision rather than the caller's config. */
  restoredRevision?: { version: number; at: number; actor: string };
  private nextId = 1;
  private lastAttackAt = -Infinity;
  private linkLoad = 0;
  private blockTimes: number[] = [];
  private falsePositiveTimes: number[] = [];
  private changes: PolicyChanges = emptyChanges();
  /** Sources already in this batch (a Set: a flood touches thousands per call). */
  private readonly dirty = new Set<SourceRecord>();

  constructor(config: PolicyConfig | PolicyConfigInput, clock: Clock, options: { store?: PolicyPersistence } = {}) {
    this.cfg = Object.isFrozen(config) ? (config as PolicyConfig) : parsePolicyConfig(config as PolicyConfigInput);
    this.clock = clock;
    this.store = options.store;
    this.whitelist = new Whitelist(this.config.whitelist);
    this.blocklist = blocklistKeys(this.config.blocklist);
    this.weights = { ...this.config.reputation.weights };
    this.startedAt = clock.now();
  }

  /** The policy in force: thresholds, durations, weights, whitelist, blocklist. */
  get config(): PolicyConfig {
    return this.cfg;
  }

  /**
   * An engine that continues from what the store holds; records the config as a version if
   * it changed. A policy changed at run time (the store's latest revision) wins over `config`,
   * which is the file's: `restoredRevision` says which one is in force.
   */
  static fromStore(config: PolicyConfig | PolicyConfigInput, clock: Clock, store: PolicyPersistence & Partial<PolicyRevisionSource>): PolicyEngine {
    const revision = store.latestPolicyRevision?.();
    const engine = new PolicyEngine(revision ? parsePolicyConfig(revision.policy as PolicyConfigInput) : config, clock, { store });
    if (revision) engine.restoredRevision = { version: revision.version, at: revision.at, actor: revision.actor };
    engine.load(store.loadPolicyState());
    return engine;
  }

  private load(snapshot: PolicySnapshot): void {
    for (const s of snapshot.sources) {
      this.sources.set(s.key, s);
      if (s.hits && s.hits.lastHitAt > this.lastAttackAt) this.lastAttackAt = s.hits.lastHitAt;
    }
    for (const d of snapshot.activeDecisions) {
      const key = decisionKey(d);
      this.active.set(key, { key, decision: d, blockedPps: 0, evidenceAt: -Infinity, peakPps: 0, sawTraffic: false });
    }
    this.nextId = snapshot.maxDecisionId + 1;
    const latest = snapshot.latestVersion;
    if (latest) this.weights = { ...latest.weights };
    if (!latest || JSON.stringify(latest.config) !== JSON.stringify(this.config)) {
      this.changes.versions.push({ at: this.clock.now(), actor: 'startup', reason: 'configuration', config: this.config, weights: this.weights });
    }
    this.flush();
  }

  // ---------------------------------------------------------------- queries

  activeDecisions(): Decision[] {
    return [...this.active.values()].map((e) => e.decision);
  }

  /** Every source the policy keeps a record of (reputation, trust, history), for metrics. */
  sourceRecords(): IterableIterator<Readonly<SourceRecord>> {
    return this.sources.values();
  }

  source(src: string, srcPrefix?: number): Readonly<SourceRecord> | undefined {
    return this.sources.get(sourceKey(src, srcPrefix));
  }

  trustOf(src: string, now: number = this.clock.now()): TrustLevel {
    const s = this.source(src);
    return s ? this.trustFor(s, now) : trustLevel(0, { offences: 0, falsePositives: 0, adminOverrides: 0 }, this.config.trust);
  }

  currentWeights(): ReputationWeights {
    return { ...this.weights };
  }

  /** The adaptive threshold factor now (exported for the detector's thresholds too). */
  networkAdjustment(now: number = this.clock.now()): ThresholdAdjustment {
    const since = now - HOUR_MS;
    this.blockTimes = this.blockTimes.filter((t) => t > since);
    this.falsePositiveTimes = this.falsePositiveTimes.filter((t) => t > since);
    return thresholdAdjustment(
      {
        attacksPerHour: this.attacks.total(now),
        // Overrides of admin blocks count too, so the share is taken over whichever is larger.
        falsePositiveRate: this.falsePositiveTimes.length / Math.max(1, this.falsePositiveTimes.length, this.blockTimes.length),
        load: this.linkLoad,
        quietForMs: now - Math.max(this.lastAttackAt, this.startedAt),
      },
      this.config.thresholds,
    );
  }

  // ---------------------------------------------------------------- evaluate

  evaluate(detections: readonly Detection[], evidence?: Evidence, now: number = this.clock.now(), network?: NetworkObservation): EngineResult {
    const out: EngineResult = { decisions: [], ended: [] };
    if (network?.load !== undefined) this.linkLoad = network.load;
    if (evidence) this.recordEvidence(evidence, now);
    const adjustment = this.networkAdjustment(now);
    for (const d of detections) {
      // A benign-looking detection matters only when a netset lists the source (flagged).
      const listedOnly = d.attackType === 'benign' && isListedByNetset(d);
      if (d.attackType === 'benign' && !listedOnly) continue;
      if (!listedOnly) {
        this.attacks.add(now);
        if (now > this.lastAttackAt) this.lastAttackAt = now;
      }
      let key: string;
      try {
        key = sourceKey(d.src, d.srcPrefix);
      } catch (err) {
        if (!(err instanceof PolicyError)) throw err;
        this.changes.audit.push({ at: now, actor: 'policy', action: 'detection-rejected', target: String(d.src), after: { code: err.code } });
        continue;
      }
      if (this.whitelist.covers(d.src, d.srcPrefix)) continue;
      // Dropped for as long as it is listed: scoring it would only rewrite the blocklist decision.
      if (this.blocklist.has(key) && isBlocklistDecision(this.active.get(key)?.decision)) continue;
      this.scoreDetection(key, d, now, adjustment, out);
    }
    this.flush();
    return out;
  }

  private recordEvidence(evidence: Evidence, now: number): void {
    const quiet = this.config.unblock.quietPps;
    for (const entry of this.active.values()) {
      const rate = evidence.get(entry.key) ?? 0;
      entry.blockedPps = rate;
      entry.evidenceAt = now;
      if (rate > entry.peakPps) entry.peakPps = rate;
      if (rate >= quiet) {
        entry.sawTraffic = true;
        delete entry.quietSince;
      } else if (entry.quietSince === undefined) entry.quietSince = now;
    }
  }

  private subnetVelocity(src: string, now: number): PeerVelocity {
    const key = subnetKey(src);
    const times = (this.subnetHits.get(key) ?? []).filter((t) => t > now - HOUR_MS);
    times.push(now);
    const keep = 64;
    if (times.length > keep) times.splice(0, times.length - keep);
    this.subnetHits.set(key, times);
    let rapid = 0;
    for (const t of times) if (t > now - this.config.multiSignal.rapidFireWindowMs) rapid++;
    return { lastHour: times.length, rapidWindow: rapid };
  }

  private scoreDetection(key: string, d: Detection, now: number, adjustment: ThresholdAdjustment, out: EngineResult): void {
    const cfg = this.config;
    const src = this.sourceRecord(key, now);
    const peers = d.subnetAttack ? this.subnetVelocity(d.src, now) : undefined;
    const ms = scoreHit(src.hits, d, now, cfg.multiSignal, peers);
    if (ms.outcome === 'SKIPPED' || !ms.history) return;
    src.hits = ms.history;
    src.lastSeenAt = now;
    src.lastVector = { pattern: d.pattern, ...(d.proto !== undefined ? { proto: d.proto } : {}), ...(d.dstPort !== undefined ? { dstPort: d.dstPort } : {}) };
    const rep = observeReputation(src.reputation, observationFromDetection(d, src.offences), now, this.weights, cfg.reputation);
    src.reputation = rep.state;
    src.contributions = rep.contributions;
    const trust = trustLevel(rep.score, src, cfg.trust);
    const threat = threatScore(
      { multiSignalScore: ms.score, outcome: ms.outcome, reputation: rep.score, pattern: d.pattern, attackType: d.attackType, confidence: d.confidence, severity: d.severity },
      cfg.threat,
    );
    this.touch(src);
    this.changes.hits.push({
      src: key,
      at: now,
      attackType: d.attackType,
      pattern: d.pattern,
      connections: d.connections,
      packetRate: d.packetRate,
      score: ms.score,
      outcome: ms.outcome,
      composite: threat.composite,
      level: threat.level,
    });
    const entry = this.active.get(key);
    const plan = planResponse(
      {
        composite: threat.composite,
        outcome: ms.outcome,
        pattern: d.pattern,
        reputationTier: rep.tier,
        ...(entry ? { current: entry.decision.action as SourceAction } : {}),
        sustained: ms.detections >= cfg.response.sustainedHits,
        thresholdFactor: adjustment.factor,
        bruteForce: d.attackType === 'brute-force',
        listedOnly: d.attackType === 'benign',
      },
      cfg.response,
    );
    if (plan.action) this.applyPlan(key, src, d, plan, plan.action, ms, rep, threat, trust, now, out);
    if (plan.throttleVictim && d.dst) this.throttleVictim(d.dst, threat, ms.score, now, out);
  }

  private applyPlan(
    key: string,
    src: SourceRecord,
    d: Detection,
    plan: ResponsePlan,
    action: SourceAction,
    ms: MultiSignalResult,
    rep: ReputationResult,
    threat: ThreatScore,
    trust: TrustLevel,
    now: number,
    out: EngineResult,
  ): void {
    const signals: Signal[] = [...ms.signals];
    for (const c of rep.contributions) {
      if (c.points >= 0.5) signals.push({ name: `reputation.${c.factor}`, points: Math.round(c.points), detail: `value ${c.value.toFixed(2)} × weight ${c.weight.toFixed(2)}` });
    }
    for (const s of d.signals) signals.push(s);
    const reason = [`${ms.outcome} (score ${ms.score})`, ...plan.reasons, ...threat.promotions].join('; ');
    const entry = this.active.get(key);

    if (entry && entry.decision.action === action) {
      const old = entry.decision;
      const level = maxSeverity(threat.level, old.threatLevel);
      const refreshed = blockDuration({ level, score: ms.score, offence: Math.max(1, old.offence), trust, jitterKey: `${key}#${old.offence}` }, this.config.durations).durationMs;
      const levelRose = severityRank(threat.level) > severityRank(old.threatLevel);
      const stricter = plan.rate !== undefined && old.rate !== undefined && plan.rate.rate < old.rate.rate;
      if (!levelRose && !stricter && old.expiresAt - now >= refreshed / 2) return;
      const updated: Decision = {
        ...old,
        threatLevel: level,
        score: Math.max(old.score, ms.score),
        trust,
        signals,
        reason,
        expiresAt: Math.max(old.expiresAt, now + refreshed),
        ...(stricter ? { rate: plan.rate } : {}),
      };
      this.replaceInPlace(entry, updated, 'extended', now, out, 'policy');
      return;
    }

    let offence: number;
    if (entry && entry.decision.action !== 'monitor') offence = entry.decision.offence;
    else if (action !== 'monitor') offence = ++src.offences;
    else offence = src.offences;
    const level = entry ? maxSeverity(threat.level, entry.decision.threatLevel) : threat.level;
    const duration = blockDuration({ level, score: ms.score, offence: Math.max(1, offence), trust, jitterKey: `${key}#${offence}` }, this.config.durations);
    if (entry) this.end(entry, now, `escalated to ${action}`, 'superseded', out, 'policy');
    const decision: Decision = {
      id: this.nextId++,
      target: this.targetFor(key, src, action, trust, d.dpid, d.inPort),
      action,
      ...(plan.rate ? { rate: plan.rate } : {}),
      threatLevel: level,
      score: ms.score,
      trust,
      signals,
      reason,
      origin: 'auto',
      offence,
      createdAt: now,
      expiresAt: now + duration.durationMs,
    };
    this.activate(key, decision, entry ? 'escalated' : 'started', now, out, 'policy', entry?.sawTraffic ?? false, entry?.peakPps);
  }

  /** Selective drops name the offending protocol/port; trusted addresses are blocked only where the traffic enters (spoofing). */
  private targetFor(key: string, src: SourceRecord, action: MitigationAction, trust: TrustLevel, dpid?: string, inPort?: number): DecisionTarget {
    const target: DecisionTarget = splitKey(key);
    const v = src.lastVector;
    if (action === 'selective-drop' && v?.proto !== undefined) {
      target.proto = v.proto;
      if (v.dstPort !== undefined && v.pattern !== 'single-to-many') target.dstPort = v.dstPort;
    }
    if (trust >= 0.7 && dpid) {
      target.dpid = dpid;
      if (inPort !== undefined) target.inPort = inPort;
    }
    return target;
  }

  private throttleVictim(dst: string, threat: ThreatScore, score: number, now: number, out: EngineResult): void {
    let key: string;
    try {
      key = victimKey(dst);
    } catch (err) {
      if (err instanceof PolicyError) return;
      throw err;
    }
    const duration = this.config.response.victimThrottleMs;
    const entry = this.active.get(key);
    if (entry) {
      if (entry.decision.expiresAt - now >= duration / 2) return;
      this.replaceInPlace(entry, { ...entry.decision, expiresAt: now + duration, threatLevel: maxSeverity(threat.level, entry.decision.threatLevel) }, 'extended', now, out, 'policy');
      return;
    }
    const victim = key.slice('victim:'.length);
    const rate: MeterRate = { unit: 'pktps', rate: this.config.response.victimThrottlePps };
    this.activate(
      key,
      {
        id: this.nextId++,
        target: { src: victim.includes(':') ? '::' : '0.0.0.0', srcPrefix: 0, dst: victim },
        action: 'throttle-victim',
        rate,
        threatLevel: threat.level,
        score,
        trust: VICTIM_TRUST,
        signals: [{ name: 'pattern.many-to-single', points: 0, detail: `many sources → ${victim}` }],
        reason: 'many→single: server-level throttle of the victim',
        origin: 'auto',
        offence: 0,
        createdAt: now,
        expiresAt: now + duration,
      },
      'started',
      now,
      out,
      'policy',
      false,
    );
  }

  // ---------------------------------------------------------------- tick

  /** Expiries, evidence-based extension or step-down, early unblock, network recovery. */
  tick(now: number = this.clock.now()): EngineResult {
    const out: EngineResult = { decisions: [], ended: [] };
    const cfg = this.config.unblock;
    for (const entry of [...this.active.values()]) {
      const d = entry.decision;
      const src = this.sources.get(entry.key);
      const trust = src ? this.trustFor(src, now) : VICTIM_TRUST;
      if (d.expiresAt <= now && isBlocklistDecision(d) && this.blocklist.has(entry.key)) {
        this.replaceInPlace(entry, { ...d, expiresAt: now + this.config.durations.maxMs }, 'extended', now, out, BLOCKLIST_ACTOR);
      } else if (d.expiresAt <= now) this.review(entry, src, trust, now, out);
      else if (src && d.origin === 'auto' && earlyStepDownDue(trust, entry.quietSince, now, d.action, cfg)) {
        this.stepDown(entry, `quiet for ${Math.round((now - entry.quietSince!) / 1000)} s with trust ${trust}: early step-down`, now, out);
      }
    }
    for (const d of recoveryLifts(this.activeDecisions(), Math.max(this.lastAttackAt, this.startedAt), now, cfg)) {
      const entry = this.active.get(decisionKey(d));
      if (entry) this.end(entry, now, 'network recovered: progressive unblock', 'lifted', out, 'policy');
    }
    this.enforceBlocklist(now, out, BLOCKLIST_ACTOR);
    this.forgetIdle(now);
    this.flush();
    return out;
  }

  private review(entry: ActiveEntry, src: SourceRecord | undefined, trust: TrustLevel, now: number, out: EngineResult): void {
    const d = entry.decision;
    if (now - entry.evidenceAt > this.config.unblock.evidenceMaxAgeMs) entry.blockedPps = 0;
    const verdict = reviewAtExpiry({ action: d.action, level: d.threatLevel, trust, blockedPps: entry.blockedPps, peakPps: entry.peakPps }, this.config.unblock);
    if (verdict.kind === 'lift') {
      if (src && entry.sawTraffic && d.action !== 'monitor' && d.action !== 'throttle-victim') this.learn(src, 'effective', now);
      this.end(entry, now, verdict.reason, 'lifted', out, 'policy', entry.blockedPps);
      return;
    }
    if (verdict.kind === 'step-down') {
      this.stepDown(entry, verdict.reason, now, out);
      return;
    }
    // Still attacking: a new offence, a longer block, one stage up.
    const offence = src ? ++src.offences : d.offence;
    if (src) this.touch(src);
    const key = entry.key;
    const duration = blockDuration({ level: d.threatLevel, score: d.score, offence: Math.max(1, offence), trust, jitterKey: `${key}#${offence}` }, this.config.durations).durationMs;
    const action = verdict.action;
    const rate = action === 'rate-limit' || action === 'throttle-victim' ? { rate: d.rate ?? { unit: 'pktps' as const, rate: this.config.response.rateLimitPps } } : {};
    const target = src ? this.targetFor(key, src, action, trust, d.target.dpid, d.target.inPort) : d.target;
    const { rate: _oldRate, endedAt: _e, endReason: _r, updatedAt: _u, ...rest } = d;
    // A new block (new id, new offence) rather than an in-place change: the mitigation
    // history keeps one row per block, and the enforcer's flow-add replaces the old flow.
    const escalated = action !== d.action;
    this.end(entry, now, escalated ? `escalated to ${action}: ${verdict.reason}` : verdict.reason, 'superseded', out, 'policy', entry.blockedPps);
    this.activate(
      key,
      { ...rest, ...rate, id: this.nextId++, target, action, offence, trust, reason: verdict.reason, createdAt: now, expiresAt: now + duration },
      escalated ? 'escalated' : 'extended',
      now,
      out,
      'policy',
      true,
      entry.peakPps,
    );
  }

  private stepDown(entry: ActiveEntry, reason: string, now: number, out: EngineResult): void {
    const d = entry.decision;
    const action = stepDownAction(d.action);
    this.end(entry, now, reason, action ? 'stepped-down' : 'lifted', out, 'policy', entry.blockedPps);
    if (!action) return;
    const { rate: _oldRate, endedAt: _e, endReason: _r, updatedAt: _u, ...rest } = d;
    const rate = action === 'rate-limit' ? { rate: { unit: 'pktps' as const, rate: this.config.response.rateLimitPps } } : {};
    const target: DecisionTarget = splitKey(entry.key);
    if (d.target.dpid) target.dpid = d.target.dpid;
    if (d.target.inPort !== undefined) target.inPort = d.target.inPort;
    this.activate(
      entry.key,
      { ...rest, ...rate, id: this.nextId++, target, action, reason, createdAt: now, expiresAt: now + this.config.unblock.stepDownMs },
      'stepped-down',
      now,
      out,
      'policy',
      entry.sawTraffic,
      entry.peakPps,
    );
  }

  private forgetIdle(now: number): void {
    const idle = now - this.config.engine.forgetIdleSourceMs;
    for (const [key, s] of this.sources) {
      if (s.lastSeenAt < idle && s.offences === 0 && s.falsePositives === 0 && s.adminOverrides === 0 && !this.active.has(key)) {
        this.sources.delete(key);
      }
    }
    for (const [key, times] of this.subnetHits) if (times[times.length - 1]! <= now - HOUR_MS) this.subnetHits.delete(key);
  }

  // ---------------------------------------------------------------- admin

  /**
   * A new policy at run time (admin API). Thresholds, durations and weights apply from the
   * next call; decisions the new whitelist covers end now; blocklisted entries get their
   * drops and entries taken off the blocklist are released. Learned weights are kept unless
   * the configured weights changed (the operator's then win). Listeners hear the new config.
   */
  reconfigure(config: PolicyConfig | PolicyConfigInput, actor: string, now: number = this.clock.now()): EngineResult {
    const next = Object.isFrozen(config) ? (config as PolicyConfig) : parsePolicyConfig(config as PolicyConfigInput);
    const out: EngineResult = { decisions: [], ended: [] };
    if (JSON.stringify(next.reputation.weights) !== JSON.stringify(this.cfg.reputation.weights)) this.weights = { ...next.reputation.weights };
    this.cfg = next;
    this.whitelist = new Whitelist(next.whitelist);
    this.blocklist = blocklistKeys(next.blocklist);
    for (const entry of [...this.active.values()]) {
      const d = entry.decision;
      if (d.action === 'throttle-victim') continue;
      if (this.whitelist.covers(d.target.src, d.target.srcPrefix)) this.end(entry, now, `whitelisted by ${actor}`, 'admin-unblock', out, actor);
      else if (isBlocklistDecision(d) && !this.blocklist.has(entry.key)) this.end(entry, now, `removed from the blocklist by ${actor}`, 'admin-unblock', out, actor);
    }
    this.enforceBlocklist(now, out, actor);
    this.changes.versions.push({ at: now, actor, reason: 'reconfigured', config: next, weights: this.weights });
    this.flush();
    for (const listener of this.reconfigureListeners) listener(next);
    return out;
  }

  /** Called with the new config after each `reconfigure` (the guard passes the whitelist on to detection and the enforcer). */
  onReconfigure(listener: (config: PolicyConfig) => void): void {
    this.reconfigureListeners.push(listener);
  }

  /** Every blocklisted entry has its drop, unless whitelisted: after a change, a restart or an admin unblock. */
  private enforceBlocklist(now: number, out: EngineResult, actor: string): void {
    for (const [key, text] of this.blocklist) {
      const entry = this.active.get(key);
      if (isBlocklistDecision(entry?.decision)) continue;
      const target: DecisionTarget = splitKey(key);
      if (this.whitelist.covers(target.src, target.srcPrefix)) continue;
      if (entry) this.end(entry, now, `superseded by the blocklist (${actor})`, 'superseded', out, actor);
      const src = this.sources.get(key);
      const note = this.cfg.notes[text];
      this.activate(
        key,
        {
          id: this.nextId++,
          target,
          action: 'drop',
          threatLevel: 'high',
          score: 0,
          trust: src ? this.trustFor(src, now) : this.trustOf(target.src, now),
          signals: [{ name: BLOCKLIST_SIGNAL, points: 0, detail: note ?? `${text} is on the blocklist` }],
          reason: note ? `blocklist: ${note}` : 'blocklist',
          origin: 'admin',
          offence: src?.offences ?? 0,
          createdAt: now,
          expiresAt: now + this.cfg.durations.maxMs,
        },
        'admin-block',
        now,
        out,
        actor,
        false,
      );
    }
  }

  block(req: AdminBlockRequest, now: number = this.clock.now()): EngineResult {
    if (req.durationMs !== undefined && !(req.durationMs > 0 && Number.isFinite(req.durationMs))) {
      throw new PolicyError('POLICY_BAD_DURATION', `duration must be a positive number of ms, got ${req.durationMs}`);
    }
    const key = sourceKey(req.src, req.srcPrefix);
    if (this.whitelist.covers(req.src, req.srcPrefix)) throw new PolicyError('POLICY_WHITELISTED', `${key} is whitelisted`);
    const out: EngineResult = { decisions: [], ended: [] };
    const src = this.sourceRecord(key, now);
    const offence = ++src.offences;
    this.touch(src);
    const trust = this.trustFor(src, now);
    const action = req.action ?? 'drop';
    const existing = this.active.get(key);
    if (existing) this.end(existing, now, `superseded by admin block (${req.actor})`, 'superseded', out, req.actor);
    const computed = blockDuration({ level: 'high', score: src.hits?.carriedScore ?? 0, offence, trust, jitterKey: `${key}#${offence}` }, this.config.durations).durationMs;
    const duration = Math.min(this.config.durations.maxMs, req.durationMs ?? computed);
    const target: DecisionTarget = splitKey(key);
    if (req.proto !== undefined) target.proto = req.proto;
    if (req.dstPort !== undefined) target.dstPort = req.dstPort;
    this.activate(
      key,
      {
        id: this.nextId++,
        target,
        action,
        ...(action === 'rate-limit' ? { rate: { unit: 'pktps' as const, rate: this.config.response.rateLimitPps } } : {}),
        threatLevel: 'high',
        score: src.hits?.carriedScore ?? 0,
        trust,
        signals: [{ name: 'admin.block', points: 0, detail: req.reason }],
        reason: `admin ${req.actor}: ${req.reason}`,
        origin: 'admin',
        offence,
        createdAt: now,
        expiresAt: now + duration,
      },
      'admin-block',
      now,
      out,
      req.actor,
      false,
    );
    this.flush();
    return out;
  }

  /** Admin override: immediate unblock, and the policy learns (trust up, reputation forgiven, thresholds nudged). */
  unblock(selector: DecisionSelector, actor: string, reason: string, now: number = this.clock.now()): EngineResult {
    return this.release(selector, actor, reason, 'admin-unblock', now);
  }

  /** A confirmed false positive: immediate unblock, reputation boost, weights lowered. */
  markFalsePositive(selector: DecisionSelector, actor: string, now: number = this.clock.now()): EngineResult {
    return this.release(selector, actor, 'false positive', 'false-positive', now);
  }

  extend(id: number, extraMs: number, actor: string, now: number = this.clock.now()): EngineResult {
    if (!(extraMs > 0 && Number.isFinite(extraMs))) throw new PolicyError('POLICY_BAD_DURATION', `extension must be a positive number of ms, got ${extraMs}`);
    const entry = this.entryById(id);
    const out: EngineResult = { decisions: [], ended: [] };
    const expiresAt = Math.min(now + this.config.durations.maxMs, entry.decision.expiresAt + extraMs);
    this.replaceInPlace(entry, { ...entry.decision, expiresAt, reason: `${entry.decision.reason}; extended by ${actor}` }, 'extended', now, out, actor);
    this.flush();
    return out;
  }

  private release(selector: DecisionSelector, actor: string, reason: string, event: 'admin-unblock' | 'false-positive', now: number): EngineResult {
    const out: EngineResult = { decisions: [], ended: [] };
    let key: string;
    if ('id' in selector) key = this.entryById(selector.id).key;
    else key = sourceKey(selector.src, selector.srcPrefix);
    const entry = this.active.get(key);
    const src = this.sources.get(key);
    if (!entry && !src) throw new PolicyError('POLICY_UNKNOWN_DECISION', `no decision or history for ${key}`);
    if (entry) this.end(entry, now, `${reason} (${actor})`, event, out, actor);
    if (src) {
      if (event === 'false-positive') {
        src.falsePositives++;
        this.learn(src, 'false-positive', now);
      } else src.adminOverrides++;
      if (src.reputation) src.reputation = forgiveReputation(src.reputation, now, this.config.reputation);
      // The carried score made the block: forgiving it keeps the next hit from re-blocking at once.
      if (src.hits) src.hits = { ...src.hits, carriedScore: 0, credited: {} };
      this.touch(src);
    }
    // Both count as the policy having been wrong: the adaptive thresholds become more conservative.
    this.falsePositiveTimes.push(now);
    this.flush();
    return out;
  }

  private entryById(id: number): ActiveEntry {
    for (const entry of this.active.values()) if (entry.decision.id === id) return entry;
    throw new PolicyError('POLICY_UNKNOWN_DECISION', `decision ${id} is not active`);
  }

  // ---------------------------------------------------------------- state helpers

  private sourceRecord(key: string, now: number): SourceRecord {
    let s = this.sources.get(key);
    if (!s) {
      s = { key, contributions: [], offences: 0, falsePositives: 0, adminOverrides: 0, lastSeenAt: now };
      this.sources.set(key, s);
    }
    return s;
  }

  private trustFor(s: SourceRecord, now: number): TrustLevel {
    const rep = s.reputation ? decayedScore(s.reputation, now, this.config.reputation) : 0;
    return trustLevel(rep, s, this.config.trust);
  }

  private learn(src: SourceRecord, outcome: 'effective' | 'false-positive', now: number): void {
    if (src.contributions.length === 0) return;
    this.weights = learnWeights(this.weights, src.contributions, outcome, this.config.reputation);
    this.changes.versions.push({ at: now, actor: 'learning', reason: `${outcome} (${src.key})`, config: this.config, weights: this.weights });
  }

  private touch(src: SourceRecord): void {
    if (!this.dirty.has(src)) {
      this.dirty.add(src);
      this.changes.sources.push(src);
    }
  }

  private activate(key: string, decision: Decision, event: MitigationEvent, now: number, out: EngineResult, actor: string, sawTraffic: boolean, peakPps = 0): void {
    this.active.set(key, { key, decision, blockedPps: 0, evidenceAt: now, peakPps, sawTraffic });
    if (decision.action !== 'monitor' && decision.action !== 'throttle-victim' && decision.origin === 'auto') this.blockTimes.push(now);
    out.decisions.push(decision);
    this.changes.decisions.push(decision);
    this.changes.mitigations.push({ src: key, decisionId: decision.id, action: decision.action, offence: decision.offence, at: now, event });
    this.changes.audit.push({ at: now, actor, action: event, target: key, after: decision });
  }

  private replaceInPlace(entry: ActiveEntry, change: Decision, event: MitigationEvent, now: number, out: EngineResult, actor: string, evidencePps?: number): void {
    const before = entry.decision;
    const updated: Decision = { ...change, updatedAt: now };
    entry.decision = updated;
    out.decisions.push(updated);
    this.changes.decisions.push(updated);
    this.changes.mitigations.push({ src: entry.key, decisionId: updated.id, action: updated.action, offence: updated.offence, at: now, event, ...(evidencePps !== undefined ? { evidencePps } : {}) });
    this.changes.audit.push({ at: now, actor, action: event, target: entry.key, before, after: updated });
  }

  private end(entry: ActiveEntry, now: number, reason: string, event: MitigationEvent, out: EngineResult, actor: string, evidencePps?: number): void {
    const ended: Decision = { ...entry.decision, endedAt: now, endReason: reason };
    this.active.delete(entry.key);
    out.ended.push(ended);
    this.changes.decisions.push(ended);
    this.changes.mitigations.push({ src: entry.key, decisionId: ended.id, action: ended.action, offence: ended.offence, at: now, event, ...(evidencePps !== undefined ? { evidencePps } : {}) });
    this.changes.audit.push({ at: now, actor, action: event, target: entry.key, before: entry.decision, after: ended });
  }

  private flush(): void {
    if (!hasChanges(this.changes)) return;
    const batch = this.changes;
    this.changes = emptyChanges();
    this.dirty.clear();
    this.store?.commit(batch);
  }
}

