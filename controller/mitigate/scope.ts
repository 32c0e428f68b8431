/**
 * Which switches get a decision. Blocking at the ingress edge keeps a flood that forges a
 * trusted address from getting that address blocked everywhere, and keeps the other
 * switches' guard tables small. Pure.
 *
 * 'ingress' (default): the switch the decision names (target.dpid); else every switch
 * where the source was seen entering on an edge (non-transit) port; else every switch,
 * because a block nobody installs protects nothing. Victim throttles (many→single) go
 * everywhere the victim's attackers enter, which is everywhere.
 * 'all': every switch.
 */
import type { Decision } from '../policy/decision.js';
import { sourceText } from '../detect/detection.js';

export type ScopeMode = 'ingress' | 'all';

/** Where sources enter: policy source key (see policy/address.ts sourceKey) → dpids. */
export type IngressIndex = ReadonlyMap<string, ReadonlySet<string>>;

export interface ScopeInput {
  mode: ScopeMode;
  /** The switches known now. */
  switches: Iterable<string>;
  ingress?: IngressIndex;
}

/** Why a decision went where it went: a named switch, seen ingress, or nowhere known (so everywhere). */
export type ScopeBasis = 'named' | 'ingress' | 'everywhere';

export interface Scope {
  dpids: string[];
  basis: ScopeBasis;
}

export function scopeFor(decision: Decision, input: ScopeInput): Scope {
  if (input.mode === 'ingress') {
    if (decision.target.dpid !== undefined) return { dpids: [decision.target.dpid], basis: 'named' };
    if (decision.action !== 'throttle-victim') {
      const seen = input.ingress?.get(sourceText(decision.target));
      if (seen && seen.size > 0) return { dpids: [...seen], basis: 'ingress' };
    }
  }
  return { dpids: [...input.switches], basis: 'everywhere' };
}
