/**
 * The policy engine: detections and blocked-traffic evidence in, decisions out. It owns
 * the books and composes the parts, each in a file named after its subject:
 *
 *   scorer.ts          a detection → multi-signal score, reputation, trust, threat, response
 *   lifecycle.ts       issue / extend / escalate, review at expiry, step down, victim throttle
 *   decision-book.ts   the decisions in force and their one builder
 *   source-book.ts     what is remembered of each source and subnet
 *   threshold-book.ts  what the adaptive thresholds read of the network
 *   learning.ts        reputation weights learned from outcomes
 *   blocklist.ts       the operator's blocklist and its drops
 *   admin.ts           block, unblock, false positive, extend (the operator's commands)
 *   enforceable.ts     what the enforcer can express, asked before a change is stored
 *   restore.ts         what a restart brings back, minus what this version refuses
 *   change-batch.ts    every change of one call, written to the store as one transaction
 *
 * Pure apart from the optional store mirror: time comes in as `now` (or from the injected
 * Clock), state lives in memory, and each public call writes its changes to the store as
 * one batch. A restarted engine rebuilds from the store (`PolicyEngine.fromStore`) and
 * continues: offence counts, reputations, hit histories, active decisions, learned weights
 * and the decision id sequence survive.
 */
import type { Clock } from '../clock.js';
import type { Detection } from '../detect/detection.js';
import type { UntrustedFlood } from '../detect/destination-view.js';
import { FloodResponse } from './flood-response.js';
import { AdminCommands, type AdminBlockRequest, type AdminEntryBlockRequest, type DecisionSelector } from './admin.js';
import { sourceKey } from './address.js';
import { AdminBlocklist, BLOCKLIST_ACTOR, isBlocklistDecision } from './blocklist.js';
import { ChangeBatch } from './change-batch.js';
import { parsePolicyConfig, type PolicyConfig, type PolicyConfigInput, type ReputationWeights } from './config.js';
import type { PolicyContext } from './context.js';
import type { Decision } from './decision.js';
import { DecisionBook, noResult, type EngineResult } from './decision-book.js';
import { listRefusal, NO_ENFORCER, type EnforceCheck } from './enforceable.js';
import { PolicyError } from './errors.js';
import { decisionKey, entryKey, sourceText, type PolicyKey } from './keys.js';
import { WeightLearner } from './learning.js';
import { DecisionLifecycle, VICTIM_TRUST } from './lifecycle.js';
import { restorableDecisions, restorePolicy, type SkippedEntry } from './restore.js';
import { scoreDetection } from './scorer.js';
import { SourceBook } from './source-book.js';
import type { PolicyPersistence, PolicySnapshot, SourceRecord } from './state.js';
import { ThresholdBook } from './threshold-book.js';
import type { ThresholdAdjustment } from './thresholds.js';
import type { TrustLevel } from './trust.js';
import { earlyStepDownDue, recoveryLifts } from './unblock.js';
import { Whitelist } from './whitelist.js';

export type { EngineResult } from './decision-book.js';
export type { AdminBlockRequest, DecisionSelector } from './admin.js';
export { isBlocklistDecision } from './blocklist.js';
export type { EnforceCheck } from './enforceable.js';
export type { SkippedEntry } from './restore.js';

/** Blocked-traffic packet rate per decision id (see evidence.ts). */
export type Evidence = ReadonlyMap<number, number>;

export interface NetworkObservation {
  /** Busiest link's load 0–1. */
  load?: number;
  /** Floods whose sources cannot be trusted, with where they enter (detect/destination-view.ts). */
  floods?: readonly UntrustedFlood[];
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

export interface PolicyEngineOptions {
  store?: PolicyPersistence;
  /** What the enforcer can express (built by the shell from mitigate/templates.ts); default: anything. */
  enforceable?: EnforceCheck;
}

export class PolicyEngine {
  private cfg: PolicyConfig;
  private readonly clock: Clock;
  private readonly batch: ChangeBatch;
  private readonly book: DecisionBook;
  private readonly sources: SourceBook;
  private readonly thresholds: ThresholdBook;
  private readonly learner: WeightLearner;
  private whitelist: Whitelist;
  private blocklist: AdminBlocklist;
  private readonly ctx: PolicyContext;
  private readonly lifecycle: DecisionLifecycle;
  private readonly admin: AdminCommands;
  private readonly floodResponse: FloodResponse;
  private readonly reconfigureListeners: Array<(config: PolicyConfig) => void> = [];
  private readonly enforceable: EnforceCheck;
  /** Set when the policy in force came from the store's latest revision rather than the caller's config. */
  restoredRevision?: { version: number; at: number; actor: string };
  /** What `fromStore` found stored but this version refuses, left out (the guard logs each). */
  skippedOnRestore: SkippedEntry[] = [];

  constructor(config: PolicyConfig | PolicyConfigInput, clock: Clock, options: PolicyEngineOptions = {}) {
    this.cfg = Object.isFrozen(config) ? (config as PolicyConfig) : parsePolicyConfig(config as PolicyConfigInput);
    this.clock = clock;
    this.enforceable = options.enforceable ?? NO_ENFORCER;
    this.batch = new ChangeBatch(options.store);
    this.thresholds = new ThresholdBook(clock.now());
    this.book = new DecisionBook(this.batch, (d, now) => {
      if (d.action !== 'monitor' && d.action !== 'throttle-victim' && d.origin === 'auto') this.thresholds.blockIssued(now);
    });
    this.sources = new SourceBook(() => this.cfg);
    this.learner = new WeightLearner(() => this.cfg, this.batch);
    this.whitelist = new Whitelist(this.cfg.whitelist);
    this.blocklist = new AdminBlocklist(this.cfg.blocklist);
    // The config and both lists are replaced at run time: the parts read them through these getters.
    const inForce = { config: () => this.cfg, whitelist: () => this.whitelist, blocklist: () => this.blocklist };
    this.ctx = {
      get config() { return inForce.config(); },
      batch: this.batch, book: this.book, sources: this.sources, thresholds: this.thresholds, learner: this.learner,
      get whitelist() { return inForce.whitelist(); },
      get blocklist() { return inForce.blocklist(); },
      enforceable: this.enforceable,
    };
    this.lifecycle = new DecisionLifecycle(this.ctx);
    this.admin = new AdminCommands(this.ctx);
    this.floodResponse = new FloodResponse(this.ctx);
  }

  /** The policy in force: thresholds, durations, weights, whitelist, blocklist. */
  get config(): PolicyConfig {
    return this.cfg;
  }

  /**
   * An engine that continues from what the store holds; records the config as a version if
   * it changed. A policy changed at run time (the store's latest revision) wins over `config`,
   * which is the file's: `restoredRevision` says which one is in force. List entries and
   * active decisions this version refuses are left out and listed in `skippedOnRestore`.
   */
  static fromStore(config: PolicyConfig | PolicyConfigInput, clock: Clock, store: PolicyPersistence & Partial<PolicyRevisionSource>, options: Omit<PolicyEngineOptions, 'store'> = {}): PolicyEngine {
    const check = options.enforceable ?? NO_ENFORCER;
    const skipped: SkippedEntry[] = [];
    const revision = store.latestPolicyRevision?.();
    const policy = revision ? restorePolicy(revision.policy, check, clock.now(), skipped) : config;
    const engine = new PolicyEngine(policy, clock, { store, enforceable: check });
    if (revision) engine.restoredRevision = { version: revision.version, at: revision.at, actor: revision.actor };
    engine.load(store.loadPolicyState(), skipped);
    engine.skippedOnRestore = skipped;
    return engine;
  }

  private load(snapshot: PolicySnapshot, skipped: SkippedEntry[]): void {
    const now = this.clock.now();
    this.sources.load(snapshot.sources);
    for (const s of snapshot.sources) if (s.hits) this.thresholds.attackSeenBefore(s.hits.lastHitAt);
    const { kept, refused } = restorableDecisions(snapshot.activeDecisions, this.enforceable, skipped);
    this.book.load(kept, snapshot.maxDecisionId);
    for (const { decision, problem } of refused) {
      const ended: Decision = { ...decision, endedAt: now, endReason: `skipped at start-up: ${problem}` };
      const target = sourceText(decision.target);
      this.batch.decision(
        ended,
        { src: target, decisionId: decision.id, action: decision.action, offence: decision.offence, at: now, event: 'refused' },
        { at: now, actor: 'startup', action: 'refused', target, before: decision, after: ended },
      );
    }
    const latest = snapshot.latestVersion;
    if (latest) this.learner.restore(latest.weights);
    if (!latest || JSON.stringify(latest.config) !== JSON.stringify(this.config)) {
      this.batch.version({ at: now, actor: 'startup', reason: 'configuration', config: this.config, weights: this.learner.weights });
    }
    this.batch.flush();
  }

  /**
   * Throws POLICY_NOT_ENFORCEABLE (field "whitelist.N" / "blocklist.N") when a list entry of
   * `config` could not become flows; called before a new policy is stored or put in force.
   */
  assertEnforceable(config: PolicyConfig, now: number = this.clock.now()): void {
    const refusal = listRefusal(config, this.enforceable, now);
    if (refusal) {
      const entry = config[refusal.list][refusal.index]!;
      throw new PolicyError('POLICY_NOT_ENFORCEABLE', `${entry}: ${refusal.problem}`, `${refusal.list}.${refusal.index}`);
    }
  }

  // ---------------------------------------------------------------- queries

  activeDecisions(): Decision[] {
    return this.book.decisions();
  }

  /** Every source the policy keeps a record of (reputation, trust, history), for metrics. */
  sourceRecords(): IterableIterator<Readonly<SourceRecord>> {
    return this.sources.values();
  }

  source(src: string, srcPrefix?: number): Readonly<SourceRecord> | undefined {
    return this.sources.get(sourceKey(src, srcPrefix));
  }

  trustOf(src: string, now: number = this.clock.now()): TrustLevel {
    return this.sources.trustOfKey(sourceKey(src), now);
  }

  currentWeights(): ReputationWeights {
    return { ...this.learner.weights };
  }

  /** The adaptive threshold factor now (exported for the detector's thresholds too). */
  networkAdjustment(now: number = this.clock.now()): ThresholdAdjustment {
    return this.thresholds.adjustment(now, this.config.thresholds);
  }

  // ---------------------------------------------------------------- evaluate

  evaluate(detections: readonly Detection[], evidence?: Evidence, now: number = this.clock.now(), network?: NetworkObservation): EngineResult {
    const out = noResult();
    if (network?.load !== undefined) this.thresholds.setLoad(network.load);
    if (evidence) this.book.recordEvidence(evidence, now, this.config.unblock.quietPps);
    const adjustment = this.networkAdjustment(now);
    for (const d of detections) {
      // A benign-looking detection matters only when a netset lists the source (flagged).
      const listedOnly = d.attackType === 'benign' && (d.netsets?.length ?? 0) > 0;
      if (d.attackType === 'benign' && !listedOnly) continue;
      if (!listedOnly) this.thresholds.attackSeen(now);
      let key: PolicyKey;
      try {
        // An address that also enters elsewhere is judged per entry point (keys.ts entryKey).
        key = d.addressSeenElsewhere && d.dpid !== undefined ? entryKey(d.src, d.srcPrefix, d.dpid, d.inPort) : sourceKey(d.src, d.srcPrefix);
      } catch (err) {
        if (!(err instanceof PolicyError)) throw err;
        this.batch.audit({ at: now, actor: 'policy', action: 'detection-rejected', target: String(d.src), after: { code: err.code } });
        continue;
      }
      if (this.whitelist.covers(d.src, d.srcPrefix)) continue;
      // Dropped for as long as it is listed: scoring it would only rewrite the blocklist decision.
      if (this.blocklist.holds(this.ctx, key)) continue;
      this.score(key, d, now, adjustment, out);
    }
    // Meters that held a flood back long enough become drops first, so this round's verdicts meet the drops.
    this.floodResponse.escalate(now, out);
    if (network?.floods?.length) {
      for (let i = 0; i < network.floods.length; i++) this.thresholds.attackSeen(now);
      this.floodResponse.respond(network.floods, now, out);
    }
    this.batch.flush();
    return out;
  }

  private score(key: PolicyKey, d: Detection, now: number, adjustment: ThresholdAdjustment, out: EngineResult): void {
    const src = this.sources.record(key, now);
    const current = this.book.get(key)?.decision;
    const scored = scoreDetection({
      key, src, detection: d, now, config: this.config, weights: this.learner.weights, adjustment,
      ...(current ? { current } : {}),
      ...(d.subnetAttack ? { peers: this.sources.subnetVelocity(d.src, now) } : {}),
    });
    if (!scored) return;
    src.hits = scored.ms.history;
    src.lastSeenAt = now;
    src.lastVector = { pattern: d.pattern, ...(d.proto !== undefined ? { proto: d.proto } : {}), ...(d.dstPort !== undefined ? { dstPort: d.dstPort } : {}) };
    src.reputation = scored.rep.state;
    src.contributions = scored.rep.contributions;
    this.batch.touch(src);
    this.batch.hit(scored.hit);
    if (scored.plan.action) this.lifecycle.respond(key, src, d, scored, scored.plan.action, now, out);
    if (scored.plan.throttleVictim && d.dst) this.lifecycle.throttleVictim(d.dst, scored.threat, scored.ms.score, now, out);
  }

  // ---------------------------------------------------------------- tick

  /** Expiries, evidence-based extension or step-down, early unblock, network recovery. */
  tick(now: number = this.clock.now()): EngineResult {
    const out = noResult();
    const cfg = this.config.unblock;
    for (const entry of this.book.entries()) {
      const d = entry.decision;
      const src = this.sources.get(entry.key);
      const trust = src ? this.sources.trust(src, now) : VICTIM_TRUST;
      if (d.expiresAt <= now && isBlocklistDecision(d) && this.blocklist.has(entry.key)) {
        this.book.update(entry, { ...d, expiresAt: now + this.config.durations.maxMs }, 'extended', now, out, BLOCKLIST_ACTOR);
      } else if (d.expiresAt <= now) this.lifecycle.review(entry, src, trust, now, out);
      else if (src && d.origin === 'auto' && earlyStepDownDue(trust, entry.quietSince, now, d.action, cfg)) {
        this.lifecycle.stepDown(entry, `quiet for ${Math.round((now - entry.quietSince!) / 1000)} s with trust ${trust}: early step-down`, now, out);
      }
    }
    for (const d of recoveryLifts(this.activeDecisions(), this.thresholds.quietSince, now, cfg)) {
      const entry = this.book.get(decisionKey(d));
      if (entry) this.book.end(entry, now, 'network recovered: progressive unblock', 'lifted', out, 'policy');
    }
    this.blocklist.enforce(this.ctx, now, out, BLOCKLIST_ACTOR);
    this.sources.forgetIdle(now, (key) => this.book.has(key));
    this.batch.flush();
    return out;
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
    this.assertEnforceable(next, now);
    const out = noResult();
    this.learner.reconfigured(this.cfg, next);
    this.cfg = next;
    this.whitelist = new Whitelist(next.whitelist);
    this.blocklist = new AdminBlocklist(next.blocklist);
    for (const entry of this.book.entries()) {
      const d = entry.decision;
      // Victims and floods of any source are about no address the whitelist could name.
      if (d.action === 'throttle-victim' || d.target.flood) continue;
      if (this.whitelist.covers(d.target.src, d.target.srcPrefix)) this.book.end(entry, now, `whitelisted by ${actor}`, 'admin-unblock', out, actor);
      else if (isBlocklistDecision(d) && !this.blocklist.has(entry.key)) this.book.end(entry, now, `removed from the blocklist by ${actor}`, 'admin-unblock', out, actor);
    }
    this.blocklist.enforce(this.ctx, now, out, actor);
    this.batch.version({ at: now, actor, reason: 'reconfigured', config: next, weights: this.learner.weights });
    this.batch.flush();
    for (const listener of this.reconfigureListeners) listener(next);
    return out;
  }

  /** Called with the new config after each `reconfigure` (the core passes the whitelist on to detection, the guard to the enforcer). */
  onReconfigure(listener: (config: PolicyConfig) => void): void {
    this.reconfigureListeners.push(listener);
  }

  block(req: AdminBlockRequest, now: number = this.clock.now()): EngineResult {
    return this.flushed(() => this.admin.block(req, now));
  }

  /** A block where a flood enters, by hand (admin.ts AdminEntryBlockRequest). */
  blockEntry(req: AdminEntryBlockRequest, now: number = this.clock.now()): EngineResult {
    return this.flushed(() => this.admin.blockEntry(req, now));
  }

  /** Admin override: immediate unblock, and the policy learns (trust up, reputation forgiven, thresholds nudged). */
  unblock(selector: DecisionSelector, actor: string, reason: string, now: number = this.clock.now()): EngineResult {
    return this.flushed(() => this.admin.unblock(selector, actor, reason, now));
  }

  /** A confirmed false positive: immediate unblock, reputation boost, weights lowered. */
  markFalsePositive(selector: DecisionSelector, actor: string, now: number = this.clock.now()): EngineResult {
    return this.flushed(() => this.admin.markFalsePositive(selector, actor, now));
  }

  extend(id: number, extraMs: number, actor: string, now: number = this.clock.now()): EngineResult {
    return this.flushed(() => this.admin.extend(id, extraMs, actor, now));
  }

  /** An admin command's changes reach the store as one batch; one refused writes nothing. */
  private flushed(command: () => EngineResult): EngineResult {
    const out = command();
    this.batch.flush();
    return out;
  }
}
