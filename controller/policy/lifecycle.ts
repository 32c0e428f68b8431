/**
 * A decision's life after scoring: issued, extended in place, escalated, reviewed at its
 * expiry on the evidence of what its flows stopped, stepped down, lifted. The rules:
 * - the same action again only changes the decision in place when it matters (the threat
 *   level rose, the meter got stricter, or less than half of its duration is left);
 * - a stronger action ends the decision and issues the next one (a new offence unless the
 *   source was already under a block);
 * - at expiry, unblock.ts's review decides: still attacking → a new offence, a longer block,
 *   one stage up; behaviour improved or quiet → one stage down, or lifted;
 * - a many→single victim gets one server-level throttle, renewed while the attack lasts.
 */
import type { Detection } from '../detect/detection.js';
import type { PolicyContext } from './context.js';
import type { Decision, DecisionTarget, MeterRate, MitigationAction } from './decision.js';
import type { ActiveEntry, EngineResult } from './decision-book.js';
import { blockDuration } from './durations.js';
import { PolicyError } from './errors.js';
import { targetOfKey, victimKey, victimOf, type PolicyKey } from './keys.js';
import type { SourceAction } from './response.js';
import type { Scored } from './scorer.js';
import type { SourceRecord } from './state.js';
import { maxSeverity, severityRank, type ThreatScore } from './threat.js';
import type { TrustLevel } from './trust.js';
import { reviewAtExpiry, stepDownAction } from './unblock.js';
import { SIGNAL } from '../detect/signals.js';

/** Victims are not offenders: their throttles carry neutral trust and offence 0. */
export const VICTIM_TRUST: TrustLevel = 0.5;
const POLICY_ACTOR = 'policy';

/** Decision fields a continuation does not inherit from the decision it replaces. */
function carried(d: Decision): Omit<Decision, 'rate' | 'endedAt' | 'endReason' | 'updatedAt' | 'id' | 'createdAt' | 'expiresAt'> {
  const { rate: _r, endedAt: _e, endReason: _er, updatedAt: _u, id: _i, createdAt: _c, expiresAt: _x, ...rest } = d;
  return rest;
}

export class DecisionLifecycle {
  constructor(private readonly ctx: PolicyContext) {}

  /** Scoring called for `action` against source `key`: issue, extend or escalate. */
  respond(key: PolicyKey, src: SourceRecord, d: Detection, scored: Scored, action: SourceAction, now: number, out: EngineResult): void {
    const { book, config } = this.ctx;
    const { ms, plan, trust, threat, signals, reason } = scored;
    const entry = book.get(key);

    if (entry && entry.decision.action === action) {
      const old = entry.decision;
      const level = maxSeverity(threat.level, old.threatLevel);
      const refreshed = blockDuration({ level, score: ms.score, offence: Math.max(1, old.offence), trust, jitterKey: `${key}#${old.offence}` }, config.durations).durationMs;
      const levelRose = severityRank(threat.level) > severityRank(old.threatLevel);
      const stricter = plan.rate !== undefined && old.rate !== undefined && plan.rate.rate < old.rate.rate;
      if (!levelRose && !stricter && old.expiresAt - now >= refreshed / 2) return;
      book.update(entry, {
        ...old,
        threatLevel: level,
        score: Math.max(old.score, ms.score),
        trust,
        signals,
        reason,
        expiresAt: Math.max(old.expiresAt, now + refreshed),
        ...(stricter ? { rate: plan.rate } : {}),
      }, 'extended', now, out, POLICY_ACTOR);
      return;
    }

    let offence: number;
    if (entry && entry.decision.action !== 'monitor') offence = entry.decision.offence;
    else if (action !== 'monitor') offence = ++src.offences;
    else offence = src.offences;
    const level = entry ? maxSeverity(threat.level, entry.decision.threatLevel) : threat.level;
    const duration = blockDuration({ level, score: ms.score, offence: Math.max(1, offence), trust, jitterKey: `${key}#${offence}` }, config.durations);
    if (entry) book.end(entry, now, `escalated to ${action}`, 'superseded', out, POLICY_ACTOR);
    const decision = book.newDecision({
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
      durationMs: duration.durationMs,
    }, now);
    book.activate(key, decision, entry ? 'escalated' : 'started', now, out, POLICY_ACTOR, { sawTraffic: entry?.sawTraffic ?? false, ...(entry ? { peakPps: entry.peakPps } : {}) });
  }

  /** many→single: one server-level throttle on the victim, renewed while less than half is left. */
  throttleVictim(dst: string, threat: ThreatScore, score: number, now: number, out: EngineResult): void {
    const { book, config } = this.ctx;
    let key: PolicyKey;
    try {
      key = victimKey(dst);
    } catch (err) {
      if (err instanceof PolicyError) return;
      throw err;
    }
    const duration = config.response.victimThrottleMs;
    const entry = book.get(key);
    if (entry) {
      if (entry.decision.expiresAt - now >= duration / 2) return;
      book.update(entry, { ...entry.decision, expiresAt: now + duration, threatLevel: maxSeverity(threat.level, entry.decision.threatLevel) }, 'extended', now, out, POLICY_ACTOR);
      return;
    }
    const victim = victimOf(key);
    const rate: MeterRate = { unit: 'pktps', rate: config.response.victimThrottlePps };
    const decision = book.newDecision({
      target: { src: victim.includes(':') ? '::' : '0.0.0.0', srcPrefix: 0, dst: victim },
      action: 'throttle-victim',
      rate,
      threatLevel: threat.level,
      score,
      trust: VICTIM_TRUST,
      signals: [{ name: SIGNAL.patternManyToSingle, points: 0, detail: `many sources → ${victim}` }],
      reason: 'many→single: server-level throttle of the victim',
      origin: 'auto',
      offence: 0,
      durationMs: duration,
    }, now);
    book.activate(key, decision, 'started', now, out, POLICY_ACTOR);
  }

  /** At expiry, on the evidence of what the decision's flows stopped: lift, step down, or extend one stage up. */
  review(entry: ActiveEntry, src: SourceRecord | undefined, trust: TrustLevel, now: number, out: EngineResult): void {
    const { book, config, batch, learner } = this.ctx;
    const d = entry.decision;
    if (now - entry.evidenceAt > config.unblock.evidenceMaxAgeMs) entry.blockedPps = 0;
    const verdict = reviewAtExpiry({ action: d.action, level: d.threatLevel, trust, blockedPps: entry.blockedPps, peakPps: entry.peakPps }, config.unblock);
    if (verdict.kind === 'lift') {
      if (src && entry.sawTraffic && d.action !== 'monitor' && d.action !== 'throttle-victim') learner.learn(src, 'effective', now);
      book.end(entry, now, verdict.reason, 'lifted', out, POLICY_ACTOR, entry.blockedPps);
      return;
    }
    if (verdict.kind === 'step-down') {
      this.stepDown(entry, verdict.reason, now, out);
      return;
    }
    // Still attacking: a new offence, a longer block, one stage up.
    const offence = src ? ++src.offences : d.offence;
    if (src) batch.touch(src);
    const key = entry.key;
    const duration = blockDuration({ level: d.threatLevel, score: d.score, offence: Math.max(1, offence), trust, jitterKey: `${key}#${offence}` }, config.durations).durationMs;
    // A meter at an entry point legitimate clients share stays a meter: it never becomes a drop.
    const action = d.target.shared ? d.action : verdict.action;
    const rate = action === 'rate-limit' || action === 'throttle-victim' ? { rate: d.rate ?? { unit: 'pktps' as const, rate: config.response.rateLimitPps } } : {};
    const target = src && !d.target.flood ? this.targetFor(key, src, action, trust, d.target.dpid, d.target.inPort) : d.target;
    // A new block (new id, new offence) rather than an in-place change: the mitigation
    // history keeps one row per block, and the enforcer's flow-add replaces the old flow.
    const escalated = action !== d.action;
    book.end(entry, now, escalated ? `escalated to ${action}: ${verdict.reason}` : verdict.reason, 'superseded', out, POLICY_ACTOR, entry.blockedPps);
    const next = book.newDecision({ ...carried(d), ...rate, target, action, offence, trust, reason: verdict.reason, durationMs: duration }, now);
    book.activate(key, next, escalated ? 'escalated' : 'extended', now, out, POLICY_ACTOR, { sawTraffic: true, peakPps: entry.peakPps });
  }

  /** One stage down (drop → rate limit → monitor → allow) for `stepDownMs`. */
  stepDown(entry: ActiveEntry, reason: string, now: number, out: EngineResult): void {
    const { book, config } = this.ctx;
    const d = entry.decision;
    const action = stepDownAction(d.action);
    book.end(entry, now, reason, action ? 'stepped-down' : 'lifted', out, POLICY_ACTOR, entry.blockedPps);
    if (!action) return;
    const rate = action === 'rate-limit' ? { rate: { unit: 'pktps' as const, rate: config.response.rateLimitPps } } : {};
    // A flood's target is where it enters, whatever the stage; a source's is its key's.
    const target: DecisionTarget = d.target.flood ? { ...d.target } : targetOfKey(entry.key);
    if (d.target.dpid) target.dpid = d.target.dpid;
    if (d.target.inPort !== undefined) target.inPort = d.target.inPort;
    const next = book.newDecision({ ...carried(d), ...rate, target, action, reason, durationMs: config.unblock.stepDownMs }, now);
    book.activate(entry.key, next, 'stepped-down', now, out, POLICY_ACTOR, { sawTraffic: entry.sawTraffic, peakPps: entry.peakPps });
  }

  /**
   * Selective drops name the offending protocol/port. Trusted addresses are blocked only
   * where this traffic enters (an entry key names its entry point already): a forgery of a
   * good host's address must not cut the host off.
   */
  private targetFor(key: PolicyKey, src: SourceRecord, action: MitigationAction, trust: TrustLevel, dpid?: string, inPort?: number): DecisionTarget {
    const target: DecisionTarget = targetOfKey(key);
    const v = src.lastVector;
    if (action === 'selective-drop' && v?.proto !== undefined) {
      target.proto = v.proto;
      if (v.dstPort !== undefined && v.pattern !== 'single-to-many') target.dstPort = v.dstPort;
    }
    if (trust >= 0.7 && dpid && !target.entry) {
      target.dpid = dpid;
      if (inPort !== undefined) target.inPort = inPort;
    }
    return target;
  }
}
