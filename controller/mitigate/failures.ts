/**
 * Decisions the enforcer could not install, and when to try them again. One decision that
 * cannot become flows must never keep the others out of a switch, nor be tried (and
 * logged) again on every sync. Pure: time comes in as arguments.
 *
 * Two kinds of failure:
 *   everywhere   the decision itself cannot become flows (MITIGATE_BAD_TARGET,
 *                MITIGATE_BAD_DECISION, MITIGATE_NOT_ENCODABLE): it would fail the same way
 *                on every switch, so it is held back until the decision changes
 *   per switch   one switch refused it or has no room for it (MITIGATE_SWITCH_REJECTED, or
 *                a fallback that switch needed cannot be expressed): held back on that
 *                switch only, tried again after a backoff (RETRY_BACKOFF, doubling), as
 *                soon as the switch reconnects, or when the decision changes
 *
 * `fail` says whether a failure is news (a first failure, or another code or reason): the
 * caller logs and counts only those, so a decision is logged once, not once per sync.
 */
import type { MitigateErrorCode } from './errors.js';

/** Retry delays of a per-switch failure: the first, doubled after each new failure, up to the cap. */
export const RETRY_BACKOFF = { firstMs: 30_000, maxMs: 600_000 } as const;

export interface FailureCause {
  code: MitigateErrorCode;
  reason: string;
}

/** A decision not installed, as the API shows it (DecisionView.enforcement). */
export interface DecisionFailure extends FailureCause {
  state: 'failed';
  decisionId: number;
  /** When the decision first failed (ms); a change of code or reason starts it again. */
  since: number;
  /** Failed on every switch because the decision itself cannot become flows. */
  everywhere: boolean;
  /** Switches where it is not installed (for an `everywhere` failure, filled in by the enforcer). */
  dpids: string[];
  /** When it is next tried (ms); absent when only a change of the decision can help. */
  retryAt?: number;
}

interface SwitchRetry {
  retryAt: number;
  /** Failures in a row on this switch: the backoff doubles with each. */
  attempts: number;
}

interface Entry extends FailureCause {
  since: number;
  everywhere: boolean;
  switches: Map<string, SwitchRetry>;
}

export class FailureBook {
  private readonly entries = new Map<number, Entry>();

  constructor(private readonly backoff: { firstMs: number; maxMs: number } = RETRY_BACKOFF) {}

  get size(): number {
    return this.entries.size;
  }

  /**
   * Records a failure, everywhere (`dpid` undefined) or on one switch. True when it is news:
   * the decision was not failed, or failed with another code or reason.
   */
  fail(decisionId: number, cause: FailureCause, dpid: string | undefined, now: number): boolean {
    const old = this.entries.get(decisionId);
    const news = !old || old.code !== cause.code || old.reason !== cause.reason || old.everywhere !== (dpid === undefined);
    const entry: Entry = !news && old ? old : { ...cause, since: now, everywhere: dpid === undefined, switches: new Map() };
    if (dpid !== undefined) {
      // A switch that failed before (under another reason too) keeps backing off.
      const attempts = (old?.switches.get(dpid)?.attempts ?? 0) + 1;
      if (news && old && !old.everywhere) for (const [k, v] of old.switches) if (k !== dpid) entry.switches.set(k, v);
      entry.switches.set(dpid, { attempts, retryAt: now + Math.min(this.backoff.maxMs, this.backoff.firstMs * 2 ** (attempts - 1)) });
    }
    this.entries.set(decisionId, entry);
    return news;
  }

  /** Not to be tried on this switch now: failed everywhere, or failed there and not due yet. */
  held(decisionId: number, dpid: string, now: number): boolean {
    const e = this.entries.get(decisionId);
    if (!e) return false;
    if (e.everywhere) return true;
    const retry = e.switches.get(dpid);
    return retry !== undefined && retry.retryAt > now;
  }

  /** Decisions failed on this switch whose retry is due: the next sync tries them again. */
  due(dpid: string, now: number): number[] {
    const out: number[] = [];
    for (const [id, e] of this.entries) {
      const retry = e.switches.get(dpid);
      if (retry && retry.retryAt <= now) out.push(id);
    }
    return out;
  }

  /** The earliest retry on this switch still ahead of `now`, if any. */
  nextRetry(dpid: string, now: number): number | undefined {
    let at: number | undefined;
    for (const e of this.entries.values()) {
      const retry = e.switches.get(dpid);
      if (retry && retry.retryAt > now && (at === undefined || retry.retryAt < at)) at = retry.retryAt;
    }
    return at;
  }

  /** The switch holds the decision now. True when that ends the decision's failure. */
  installed(decisionId: number, dpid: string): boolean {
    const e = this.entries.get(decisionId);
    if (!e || e.everywhere || !e.switches.delete(dpid)) return false;
    if (e.switches.size > 0) return false;
    this.entries.delete(decisionId);
    return true;
  }

  /** The decision (a new version of it) can become flows. True when that ends an `everywhere` failure. */
  expressible(decisionId: number): boolean {
    const e = this.entries.get(decisionId);
    if (!e?.everywhere) return false;
    this.entries.delete(decisionId);
    return true;
  }

  /** Something changed (the decision, or the switch reconnected): its per-switch failures are tried at the next sync. */
  retryNow(now: number, match: { decisionId: number } | { dpid: string }): void {
    for (const [id, e] of this.entries) {
      if ('decisionId' in match && id !== match.decisionId) continue;
      for (const [dpid, retry] of e.switches) {
        if ('dpid' in match && dpid !== match.dpid) continue;
        retry.retryAt = Math.min(retry.retryAt, now);
      }
    }
  }

  /** The decision ended. */
  forget(decisionId: number): void {
    this.entries.delete(decisionId);
  }

  get(decisionId: number): DecisionFailure | undefined {
    const e = this.entries.get(decisionId);
    if (!e) return undefined;
    let retryAt: number | undefined;
    for (const r of e.switches.values()) if (retryAt === undefined || r.retryAt < retryAt) retryAt = r.retryAt;
    return {
      state: 'failed', decisionId, code: e.code, reason: e.reason, since: e.since, everywhere: e.everywhere,
      dpids: [...e.switches.keys()].sort(), ...(retryAt !== undefined ? { retryAt } : {}),
    };
  }

  all(): DecisionFailure[] {
    return [...this.entries.keys()].map((id) => this.get(id)!);
  }
}
