/**
 * The keys the policy keeps its books by, and the one spelling of a target for people.
 * A source key is the normalised source ("203.0.113.7", "203.0.113.0/24": address.ts); a
 * victim key names a destination under a server-level throttle ("victim:10.0.0.1").
 * Every module builds and reads keys through these functions, never by string surgery.
 */
import { sourceKey } from './address.js';
import type { Decision, DecisionTarget } from './decision.js';

/** A policy book key: a source key, or a victim key. */
export type PolicyKey = string;

const VICTIM_PREFIX = 'victim:';

export function victimKey(dst: string): PolicyKey {
  return `${VICTIM_PREFIX}${sourceKey(dst)}`;
}

export function isVictimKey(key: PolicyKey): boolean {
  return key.startsWith(VICTIM_PREFIX);
}

/** The destination a victim key names. */
export function victimOf(key: PolicyKey): string {
  return key.slice(VICTIM_PREFIX.length);
}

/** The key a decision is kept under: its victim for a server-level throttle, else its source. */
export function decisionKey(d: Decision): PolicyKey {
  return d.action === 'throttle-victim' && d.target.dst ? victimKey(d.target.dst) : sourceKey(d.target.src, d.target.srcPrefix);
}

/** A source key back into the target fields it stands for. */
export function targetOfKey(key: PolicyKey): DecisionTarget {
  const slash = key.indexOf('/');
  return slash < 0 ? { src: key } : { src: key.slice(0, slash), srcPrefix: Number(key.slice(slash + 1)) };
}

export { sourceText } from '../detect/detection.js';
