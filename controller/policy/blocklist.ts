/**
 * The operator's blocklist (policy.blocklist, edited through the API and `ofguard block
 * --list`): every listed source or network has a drop for as long as it is listed, renewed
 * at expiry, never scored (scoring would only rewrite it), never unblocked by hand (take it
 * off the list instead). Not to be confused with the threat-intel netsets of detection
 * (detect.netsets), which only add points to a source that attacks.
 */
import type { PolicyContext } from './context.js';
import type { Decision, DecisionTarget } from './decision.js';
import type { EngineResult } from './decision-book.js';
import { cidrKey, isWide, parseCidr } from './address.js';
import { targetOfKey, type PolicyKey } from './keys.js';
import { SIGNAL } from '../detect/signals.js';

/** The actor the blocklist's own renewals are recorded under. */
export const BLOCKLIST_ACTOR = 'blocklist';

export function isBlocklistDecision(d: Decision | undefined): boolean {
  return d !== undefined && d.origin === 'admin' && d.signals.some((s) => s.name === SIGNAL.adminBlocklist);
}

export class AdminBlocklist {
  /** Listed policy key → the entry as the operator wrote it (its note is keyed by that). */
  private readonly entries = new Map<PolicyKey, string>();

  constructor(listed: readonly string[]) {
    for (const text of listed) this.entries.set(cidrKey(text), text);
  }

  has(key: PolicyKey): boolean {
    return this.entries.has(key);
  }

  /** The key is listed and its blocklist drop is in force: nothing else may touch it. */
  holds(ctx: PolicyContext, key: PolicyKey): boolean {
    return this.has(key) && isBlocklistDecision(ctx.book.get(key)?.decision);
  }

  /** Every listed entry has its drop, unless whitelisted: after a change, a restart or an admin unblock. */
  enforce(ctx: PolicyContext, now: number, out: EngineResult, actor: string): void {
    const { book, sources, config } = ctx;
    for (const [key, text] of this.entries) {
      const entry = book.get(key);
      if (isBlocklistDecision(entry?.decision)) continue;
      const target: DecisionTarget = targetOfKey(key);
      if (ctx.whitelist.covers(target.src, target.srcPrefix)) continue;
      if (entry) book.end(entry, now, `superseded by the blocklist (${actor})`, 'superseded', out, actor);
      const src = sources.get(key);
      const note = config.notes[text];
      const decision = book.newDecision({
        target,
        action: 'drop',
        threatLevel: 'high',
        score: 0,
        trust: sources.trustOfKey(key, now),
        signals: [{ name: SIGNAL.adminBlocklist, points: 0, detail: note ?? `${text} is on the blocklist` }],
        reason: note ? `blocklist: ${note}` : 'blocklist',
        origin: 'admin',
        offence: src?.offences ?? 0,
        durationMs: config.durations.maxMs,
        // The policy schema let a wide entry in only as forced (config.ts `forced`).
        ...(isWide(parseCidr(key)) ? { forced: true as const } : {}),
      }, now);
      book.activate(key, decision, 'admin-block', now, out, actor);
    }
  }
}
