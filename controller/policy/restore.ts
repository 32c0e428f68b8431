/**
 * What a restart brings back from the store, minus what this version refuses. A data folder
 * written by an older version may hold entries that the strict address parser, the wide-
 * prefix rule or the enforcer now refuse (a whitelist "0.0.0.0/0" left by the typo
 * "10.1.2.3/", a decision for "fe80::1%eth0"): the controller still starts, each such entry
 * is skipped and reported (PolicyEngine.skippedOnRestore, logged by the guard), and a
 * skipped decision is ended in the store so the next start does not meet it again.
 */
import type { ZodError } from 'zod';
import { deepFreeze } from '../freeze.js';
import { isWide, sourceCidr } from './address.js';
import { policyConfigSchema, type PolicyConfig } from './config.js';
import type { Decision } from './decision.js';
import { listRefusal, type EnforceCheck } from './enforceable.js';
import { PolicyError } from './errors.js';
import { decisionKey, sourceText } from './keys.js';

export interface SkippedEntry {
  /** Where it was stored: "policy.whitelist", "policy.blocklist" or "decision". */
  where: 'policy.whitelist' | 'policy.blocklist' | 'decision';
  /** The list entry as stored, or "#id source" for a decision. */
  entry: string;
  problem: string;
}

type ListName = 'whitelist' | 'blocklist';

function isList(key: unknown): key is ListName {
  return key === 'whitelist' || key === 'blocklist';
}

/** A mutable deep copy of stored JSON. */
function plain(value: unknown): Record<string, unknown> {
  return JSON.parse(JSON.stringify(value ?? {})) as Record<string, unknown>;
}

/** The entry at `list[index]` taken out, with its note and its forced mark. */
function withoutEntry(input: Record<string, unknown>, list: ListName, index: number): void {
  const entries = input[list] as unknown[];
  const [entry] = entries.splice(index, 1);
  const other = input[list === 'whitelist' ? 'blocklist' : 'whitelist'];
  if (Array.isArray(other) && other.includes(entry)) return;
  const notes = input.notes;
  if (notes && typeof notes === 'object' && typeof entry === 'string') delete (notes as Record<string, unknown>)[entry];
  if (Array.isArray(input.forced)) input.forced = input.forced.filter((e) => e !== entry);
}

/** The list entries a schema error is about, highest index first (so removing one keeps the others' indexes). */
function refusedEntries(error: ZodError): Array<{ list: ListName; index: number; problem: string }> {
  const out: Array<{ list: ListName; index: number; problem: string }> = [];
  for (const issue of error.issues) {
    const [list, index] = issue.path;
    if (issue.path.length === 2 && isList(list) && typeof index === 'number' && !out.some((o) => o.list === list && o.index === index)) {
      out.push({ list, index, problem: issue.message });
    }
  }
  return out.sort((a, b) => b.index - a.index);
}

/**
 * A stored policy revision as this version reads it: whitelist and blocklist entries it
 * refuses (schema or enforcer) are skipped and reported in `skipped`. Anything else wrong
 * with the revision still throws, as it did before (there is no entry to leave out).
 */
export function restorePolicy(stored: unknown, check: EnforceCheck, now: number, skipped: SkippedEntry[]): PolicyConfig {
  const input = plain(stored);
  // Each pass leaves out at least one entry, so this ends.
  for (;;) {
    const r = policyConfigSchema.safeParse(input);
    if (r.success) {
      const refusal = listRefusal(r.data, check, now);
      if (!refusal) return deepFreeze(r.data);
      skipped.push({ where: `policy.${refusal.list}`, entry: r.data[refusal.list][refusal.index]!, problem: refusal.problem });
      withoutEntry(input, refusal.list, refusal.index);
      continue;
    }
    const refused = refusedEntries(r.error);
    if (refused.length === 0) throw r.error;
    for (const { list, index, problem } of refused) {
      skipped.push({ where: `policy.${list}`, entry: String((input[list] as unknown[])[index]), problem });
      withoutEntry(input, list, index);
    }
  }
}

/** Why this version would not have issued `d`; undefined when it would. */
function restoreProblem(d: Decision, check: EnforceCheck): string | undefined {
  try {
    decisionKey(d);
    // A victim throttle's and a flood's target is every source (0.0.0.0/0) by design: only
    // the victim (and for a flood, where it enters) counts.
    if (d.action !== 'throttle-victim' && !d.target.flood && isWide(sourceCidr(d.target.src, d.target.srcPrefix)) && !d.forced) {
      return 'its target is wider than /8 (IPv4) or /16 (IPv6) and was not forced';
    }
  } catch (err) {
    if (err instanceof PolicyError) return err.detail;
    throw err;
  }
  return check.decision(d);
}

/** Active decisions as stored, split into those this version keeps and those it skips (reported in `skipped`). */
export function restorableDecisions(stored: readonly Decision[], check: EnforceCheck, skipped: SkippedEntry[]): { kept: Decision[]; refused: Array<{ decision: Decision; problem: string }> } {
  const kept: Decision[] = [];
  const refused: Array<{ decision: Decision; problem: string }> = [];
  for (const d of stored) {
    const problem = restoreProblem(d, check);
    if (problem === undefined) kept.push(d);
    else {
      refused.push({ decision: d, problem });
      skipped.push({ where: 'decision', entry: `#${d.id} ${sourceText(d.target)}`, problem });
    }
  }
  return { kept, refused };
}
