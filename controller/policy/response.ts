/**
 * Graduated response (adaptive-blocking.md) with the staging of ip-pattern-flagging.md.
 * Bands on the composite threat score 0–1: monitor 0.3–0.4, rate limit 0.4–0.6,
 * selective block 0.6–0.8, full block above 0.8 (each edge times the adaptive threshold
 * factor). Then, in order:
 * - a source that is only blocklisted (its traffic looks benign) is flagged, never more;
 * - floors: multi-signal HIGH_THREAT → at least rate limit, AUTO/INSTANT_BLOCK → full
 *   block; reputation tiers (predictive) alert → monitor, shape → gentle meter,
 *   critical → strict meter; single→many (scan) and brute force → flagged at once;
 * - single→single (brute force, but also admins and broken clients) is capped at rate
 *   limit until the behaviour is sustained;
 * - staging flag → throttle → block: one event raises a source at most
 *   `maxStagesPerEvent` stages above its current action (a first event counts as the
 *   flag), unless the outcome is AUTO/INSTANT_BLOCK;
 * - never demote: a weaker event keeps the current action (stepping down is unblock's job);
 * - many→single also throttles the victim at server level once the source is throttled.
 */
import type { TrafficPattern } from '../detect/detection.js';
import type { ResponseConfig } from './config.js';
import type { MeterRate, MitigationAction } from './decision.js';
import type { MultiSignalOutcome } from './multi-signal.js';
import type { ReputationTier } from './reputation.js';

/** Source actions, weakest first. ('throttle-victim' targets a victim, not a source.) */
export const ACTION_STAGES = ['monitor', 'rate-limit', 'selective-drop', 'drop'] as const;
export type SourceAction = (typeof ACTION_STAGES)[number];

export function stageOf(action: MitigationAction): number {
  return (ACTION_STAGES as readonly string[]).indexOf(action);
}

export interface ResponseInput {
  composite: number;
  outcome: MultiSignalOutcome;
  pattern: TrafficPattern;
  reputationTier: ReputationTier;
  /** The source's active action, if any. */
  current?: SourceAction;
  /** The source has been detected at least `sustainedHits` times in the persistence window. */
  sustained: boolean;
  /** Adaptive threshold factor: <1 blocks sooner, >1 later. */
  thresholdFactor: number;
  /** The detection is a brute force (flagged at once, then staged like any single→single). */
  bruteForce?: boolean;
  /** The source is on a local blocklist but its traffic looks benign: flagged, never more. */
  listedOnly?: boolean;
}

export interface ResponsePlan {
  action: SourceAction | null;
  rate?: MeterRate;
  throttleVictim: boolean;
  reasons: string[];
}

export function bandAction(composite: number, factor: number, cfg: ResponseConfig): SourceAction | null {
  if (composite > cfg.fullBlockAbove * factor) return 'drop';
  if (composite >= cfg.selectiveAt * factor) return 'selective-drop';
  if (composite >= cfg.rateLimitAt * factor) return 'rate-limit';
  if (composite >= cfg.monitorAt * factor) return 'monitor';
  return null;
}

export function planResponse(input: ResponseInput, cfg: ResponseConfig): ResponsePlan {
  if (input.listedOnly) {
    // A list can be stale or wrong: listing alone is watched, not punished; an attack by a
    // listed source goes through the bands with the listing's points in its score.
    return { action: input.current ?? 'monitor', throttleVictim: false, reasons: ['listed in a blocklist: flagged'] };
  }
  const reasons: string[] = [];
  let stage = -1;
  const band = bandAction(input.composite, input.thresholdFactor, cfg);
  if (band) {
    stage = stageOf(band);
    reasons.push(`threat ${input.composite.toFixed(2)} in the ${band} band`);
  }
  let strictMeter = stage === stageOf('rate-limit');
  const atLeast = (action: SourceAction, why: string, strict = true): void => {
    const s = stageOf(action);
    if (s > stage) {
      stage = s;
      reasons.push(why);
      strictMeter = strict;
    } else if (s === stage && strict) strictMeter = true;
  };

  const instant = input.outcome === 'AUTO_BLOCK' || input.outcome === 'INSTANT_BLOCK';
  if (instant) atLeast('drop', input.outcome);
  if (input.outcome === 'HIGH_THREAT') atLeast('rate-limit', 'high threat: throttled, blocked if it persists');
  if (input.reputationTier === 'alert') atLeast('monitor', 'reputation alert');
  if (input.reputationTier === 'shape') atLeast('rate-limit', 'reputation warning: shaping', false);
  if (input.reputationTier === 'critical') atLeast('rate-limit', 'reputation critical');
  if (input.pattern === 'single-to-many') atLeast('monitor', 'single→many: flagged immediately');
  if (input.bruteForce) atLeast('monitor', 'brute force: flagged');

  if (input.pattern === 'single-to-single' && !input.sustained && stage > stageOf('rate-limit')) {
    stage = stageOf('rate-limit');
    strictMeter = true;
    reasons.push('single→single: throttled only until the behaviour is sustained');
  }
  const current = input.current ? stageOf(input.current) : 0;
  if (!instant && stage > current + cfg.maxStagesPerEvent) {
    stage = current + cfg.maxStagesPerEvent;
    strictMeter = true;
    reasons.push(`staged: at most ${cfg.maxStagesPerEvent} step(s) above ${input.current ?? 'flag'}`);
  }
  if (input.current && stageOf(input.current) > stage) stage = stageOf(input.current);

  const action = stage >= 0 ? ACTION_STAGES[stage]! : null;
  const plan: ResponsePlan = {
    action,
    throttleVictim: input.pattern === 'many-to-single' && stage >= stageOf('rate-limit'),
    reasons,
  };
  if (action === 'rate-limit') plan.rate = { unit: 'pktps', rate: strictMeter ? cfg.rateLimitPps : cfg.shapingPps };
  return plan;
}
