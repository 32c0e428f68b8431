/**
 * The decision book: the decisions in force, one per policy key (a source, or a victim
 * under a server-level throttle), and their lifecycle — issued, changed in place, ended —
 * each step written to the change batch as the decision row, a history row and an audit
 * entry. Ids come from one sequence that survives restarts and is never reused.
 *
 * Decisions are idempotent per key: a stronger action ends the old decision and issues a
 * new id (the enforcer swaps flows by cookie); a change in place keeps the id.
 */
import type { Decision } from './decision.js';
import type { ChangeBatch } from './change-batch.js';
import { PolicyError } from './errors.js';
import { decisionKey, type PolicyKey } from './keys.js';
import type { MitigationEvent } from './state.js';

export interface EngineResult {
  /** New and changed decisions (changed ones keep their id). */
  decisions: Decision[];
  ended: Decision[];
}

export const noResult = (): EngineResult => ({ decisions: [], ended: [] });

/** One decision in force, with what its flows have stopped so far. */
export interface ActiveEntry {
  key: PolicyKey;
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

/** A new decision's content; the book gives it its id and its times. */
export type NewDecision = Omit<Decision, 'id' | 'createdAt' | 'expiresAt' | 'updatedAt' | 'endedAt' | 'endReason'> & { durationMs: number };

/** What a decision that continues another one inherits: its evidence so far. */
export interface Continuation {
  sawTraffic: boolean;
  peakPps?: number;
}

export class DecisionBook {
  private readonly active = new Map<PolicyKey, ActiveEntry>();
  private nextId = 1;

  /** `onIssued`: every decision issued (the thresholds count automatic blocks). */
  constructor(private readonly batch: ChangeBatch, private readonly onIssued: (d: Decision, now: number) => void = () => {}) {}

  /** Decisions restored from the store; ids continue after the highest ever issued. */
  load(decisions: readonly Decision[], maxDecisionId: number): void {
    for (const d of decisions) {
      const key = decisionKey(d);
      this.active.set(key, { key, decision: d, blockedPps: 0, evidenceAt: -Infinity, peakPps: 0, sawTraffic: false });
    }
    this.nextId = maxDecisionId + 1;
  }

  get(key: PolicyKey): ActiveEntry | undefined {
    return this.active.get(key);
  }

  has(key: PolicyKey): boolean {
    return this.active.has(key);
  }

  /** A snapshot of the entries: safe to end or replace entries while iterating it. */
  entries(): ActiveEntry[] {
    return [...this.active.values()];
  }

  decisions(): Decision[] {
    return [...this.active.values()].map((e) => e.decision);
  }

  byId(id: number): ActiveEntry {
    for (const entry of this.active.values()) if (entry.decision.id === id) return entry;
    throw new PolicyError('POLICY_UNKNOWN_DECISION', `decision ${id} is not active`);
  }

  /** The one builder of a decision: the next id, created now, expiring `durationMs` from now. */
  newDecision(spec: NewDecision, now: number): Decision {
    const { durationMs, ...fields } = spec;
    return { id: this.nextId++, ...fields, createdAt: now, expiresAt: now + durationMs };
  }

  /** Puts a decision in force under `key` (a new one, or one that continues the key's previous block). */
  activate(key: PolicyKey, decision: Decision, event: MitigationEvent, now: number, out: EngineResult, actor: string, from: Continuation = { sawTraffic: false }): void {
    this.active.set(key, { key, decision, blockedPps: 0, evidenceAt: now, peakPps: from.peakPps ?? 0, sawTraffic: from.sawTraffic });
    this.onIssued(decision, now);
    out.decisions.push(decision);
    this.batch.decision(
      decision,
      { src: key, decisionId: decision.id, action: decision.action, offence: decision.offence, at: now, event },
      { at: now, actor, action: event, target: key, after: decision },
    );
  }

  /** Changes a decision in place (same id): a later expiry, a higher level, a stricter meter. */
  update(entry: ActiveEntry, change: Decision, event: MitigationEvent, now: number, out: EngineResult, actor: string, evidencePps?: number): void {
    const before = entry.decision;
    const updated: Decision = { ...change, updatedAt: now };
    entry.decision = updated;
    out.decisions.push(updated);
    this.batch.decision(
      updated,
      { src: entry.key, decisionId: updated.id, action: updated.action, offence: updated.offence, at: now, event, ...(evidencePps !== undefined ? { evidencePps } : {}) },
      { at: now, actor, action: event, target: entry.key, before, after: updated },
    );
  }

  end(entry: ActiveEntry, now: number, reason: string, event: MitigationEvent, out: EngineResult, actor: string, evidencePps?: number): void {
    const ended: Decision = { ...entry.decision, endedAt: now, endReason: reason };
    this.active.delete(entry.key);
    out.ended.push(ended);
    this.batch.decision(
      ended,
      { src: entry.key, decisionId: ended.id, action: ended.action, offence: ended.offence, at: now, event, ...(evidencePps !== undefined ? { evidencePps } : {}) },
      { at: now, actor, action: event, target: entry.key, before: entry.decision, after: ended },
    );
  }

  /** What every decision's flows stopped in the round (by decision id, summed over the switches); quiet below `quietPps`. */
  recordEvidence(evidence: ReadonlyMap<number, number>, now: number, quietPps: number): void {
    for (const entry of this.active.values()) {
      const rate = evidence.get(entry.decision.id) ?? 0;
      entry.blockedPps = rate;
      entry.evidenceAt = now;
      if (rate > entry.peakPps) entry.peakPps = rate;
      if (rate >= quietPps) {
        entry.sawTraffic = true;
        delete entry.quietSince;
      } else if (entry.quietSince === undefined) entry.quietSince = now;
    }
  }
}
