/**
 * "Nothing is committed unless it can be enforced": an admin decision, a whitelist and the
 * blocklist's drops are checked against what the enforcer can express as flows BEFORE the
 * policy stores or applies them, so a change the switches cannot carry is refused (400)
 * instead of committed and then failing (500, and every later sync with it).
 *
 * The policy must not import the enforcer (mitigate imports policy): the shell builds an
 * EnforceCheck from mitigate/templates.ts and injects it into the PolicyEngine.
 */
import { cidrKey } from './address.js';
import type { Decision, DecisionTarget, MeterRate, MitigationAction } from './decision.js';
import { targetOfKey } from './keys.js';

export interface EnforceCheck {
  /** Why no flow can carry this decision; undefined when one can. */
  decision(d: Decision): string | undefined;
  /** Why this whitelist cannot become allow flows; undefined when it can. */
  whitelist(cidrs: readonly string[]): string | undefined;
}

/** No enforcer to ask (the policy alone: replay, policy tests): everything is expressible. */
export const NO_ENFORCER: EnforceCheck = { decision: () => undefined, whitelist: () => undefined };

/**
 * A decision as the check sees it before it is issued: what its flows depend on (target,
 * action, meter rate) is real, the rest is placeholder (no id is spent on a probe).
 */
export function probeDecision(target: DecisionTarget, action: MitigationAction, now: number, rate?: MeterRate): Decision {
  return {
    id: 0, target, action, ...(rate ? { rate } : {}), threatLevel: 'high', score: 0, trust: 0, signals: [],
    reason: 'probe', origin: 'admin', offence: 0, createdAt: now, expiresAt: now + 1000,
  };
}

/** A whitelist or blocklist entry the enforcer cannot express, and why. */
export interface ListRefusal {
  list: 'whitelist' | 'blocklist';
  index: number;
  problem: string;
}

/**
 * The first entry of the lists no flow can carry: a whitelist entry that cannot become an
 * allow flow, a blocklist entry whose drop cannot (entries as the policy schema passed them).
 */
export function listRefusal(config: { readonly whitelist: readonly string[]; readonly blocklist: readonly string[] }, check: EnforceCheck, now: number): ListRefusal | undefined {
  for (const [index, entry] of config.whitelist.entries()) {
    const problem = check.whitelist([entry]);
    if (problem) return { list: 'whitelist', index, problem };
  }
  for (const [index, entry] of config.blocklist.entries()) {
    const problem = check.decision(probeDecision(targetOfKey(cidrKey(entry)), 'drop', now));
    if (problem) return { list: 'blocklist', index, problem };
  }
  return undefined;
}
