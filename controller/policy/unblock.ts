/**
 * Intelligent unblocking (adaptive-blocking.md): neither too early nor too late, and
 * decided on evidence. Drop and meter flows keep counting what they stop, so at expiry
 * the policy knows whether the source is still sending:
 * - at attack rate (and a fair share of the most it stopped) → the block is extended as
 *   a new offence and escalated one stage;
 * - still sending, below attack rate → behaviour improved: step down one stage
 *   (drop → rate limit → monitor → allow);
 * - quiet → lifted when the threat was low/medium or the source is highly trusted,
 *   otherwise stepped down (a critical source is not trusted back in one go).
 * A flag (monitor) simply decays at expiry. High and good trust may be stepped down
 * early once quiet long enough; poor trust never is ("no early unblock").
 * False positives and admin overrides are immediate (the engine also adjusts reputation,
 * trust and thresholds); a recovered network lifts medium/low decisions progressively.
 */
import type { UnblockConfig } from './config.js';
import type { Decision, MitigationAction, ThreatLevel } from './decision.js';
import { ACTION_STAGES, stageOf, type SourceAction } from './response.js';
import type { TrustLevel } from './trust.js';

export type ExpiryVerdict =
  | { kind: 'extend'; action: MitigationAction; reason: string }
  | { kind: 'step-down'; action: SourceAction; reason: string }
  | { kind: 'lift'; reason: string };

export interface ExpiryInput {
  action: MitigationAction;
  level: ThreatLevel;
  trust: TrustLevel;
  /** Latest rate of the traffic the mitigation flows matched, packets/s. */
  blockedPps: number;
  /** The most they matched while this source was mitigated (this block and the ones it continues). */
  peakPps?: number;
}

/** One stage down; null means allow. drop and selective drop go to a rate limit. */
export function stepDownAction(action: MitigationAction): SourceAction | null {
  switch (action) {
    case 'drop':
    case 'selective-drop':
      return 'rate-limit';
    case 'rate-limit':
      return 'monitor';
    case 'monitor':
    case 'throttle-victim':
      return null;
  }
}

/** One stage up, for a source still attacking through its mitigation. */
export function escalateAction(action: MitigationAction): MitigationAction {
  if (action === 'throttle-victim') return action;
  return ACTION_STAGES[Math.min(ACTION_STAGES.length - 1, stageOf(action) + 1)]!;
}

export function reviewAtExpiry(input: ExpiryInput, cfg: UnblockConfig): ExpiryVerdict {
  const rate = `${Math.round(input.blockedPps)} pkt/s`;
  if (input.action === 'monitor') return { kind: 'lift', reason: 'flag decayed' };
  const peak = input.peakPps ?? 0;
  if (input.blockedPps >= cfg.attackPps && input.blockedPps >= cfg.attackShareOfPeak * peak) {
    return { kind: 'extend', action: escalateAction(input.action), reason: `still attacking at expiry (${rate})` };
  }
  const faded = input.blockedPps >= cfg.attackPps ? `, ${Math.round(peak)} pkt/s at its height` : '';
  const quiet = input.blockedPps < cfg.quietPps;
  const mild = input.level === 'low' || input.level === 'medium';
  if (input.action === 'throttle-victim' || (quiet && (mild || input.trust >= 0.9))) {
    return { kind: 'lift', reason: quiet ? `quiet at expiry (${rate})` : `attack on the victim subsided (${rate}${faded})` };
  }
  const down = stepDownAction(input.action);
  if (!down) return { kind: 'lift', reason: `quiet at expiry (${rate})` };
  return { kind: 'step-down', action: down, reason: `${quiet ? 'quiet' : 'behaviour improved'} at expiry (${rate}${faded}): stepping down` };
}

/** Before expiry: only trusted sources, only after a quiet stretch, never poor trust. */
export function earlyStepDownDue(
  trust: TrustLevel,
  quietSince: number | undefined,
  now: number,
  action: MitigationAction,
  cfg: UnblockConfig,
): boolean {
  return (
    action !== 'monitor' &&
    action !== 'throttle-victim' &&
    trust >= cfg.earlyUnblockMinTrust &&
    quietSince !== undefined &&
    now - quietSince >= cfg.earlyUnblockQuietMs
  );
}

/** Network recovery: the medium/low automatic decisions to lift this tick, soonest-expiring first. */
export function recoveryLifts(active: readonly Decision[], lastAttackAt: number, now: number, cfg: UnblockConfig): Decision[] {
  if (now - lastAttackAt < cfg.recoveryQuietMs) return [];
  return active
    .filter((d) => d.origin === 'auto' && (d.threatLevel === 'low' || d.threatLevel === 'medium'))
    .sort((a, b) => a.expiresAt - b.expiresAt)
    .slice(0, cfg.recoveryBatch);
}
