/**
 * Scoring one detection of a source: the multi-signal score against its hit history
 * (syn-flood-multisignal-scoring.md), the reputation it moves (reputation-scoring.md), the
 * trust that follows (adaptive-blocking.md), the composite threat and the graduated
 * response it calls for — with the signals and points that explain it. Pure: the source
 * record is read, never written; the caller keeps what comes back.
 */
import type { Detection, Signal } from '../detect/detection.js';
import type { PolicyConfig, ReputationWeights } from './config.js';
import type { Decision } from './decision.js';
import { scoreHit, type HitHistory, type MultiSignalResult, type PeerVelocity } from './multi-signal.js';
import { observationFromDetection, observeReputation, type ReputationResult } from './reputation.js';
import { planResponse, type ResponsePlan, type SourceAction } from './response.js';
import type { HitRecord, SourceRecord } from './state.js';
import { threatScore, type ThreatScore } from './threat.js';
import type { ThresholdAdjustment } from './thresholds.js';
import { trustLevel, type TrustLevel } from './trust.js';
import type { PolicyKey } from './keys.js';
import { reputationSignal } from '../detect/signals.js';

export interface ScoreInput {
  key: PolicyKey;
  src: Readonly<SourceRecord>;
  detection: Detection;
  now: number;
  config: PolicyConfig;
  weights: ReputationWeights;
  adjustment: ThresholdAdjustment;
  /** The source's decision in force, if any. */
  current?: Decision;
  /** The source's subnet's detections, when it attacks with its subnet. */
  peers?: PeerVelocity;
}

export interface Scored {
  ms: MultiSignalResult & { history: HitHistory };
  rep: ReputationResult;
  trust: TrustLevel;
  threat: ThreatScore;
  plan: ResponsePlan;
  /** The hit as the history table keeps it. */
  hit: HitRecord;
  /** Every contribution: multi-signal points, reputation factors, detection signals. */
  signals: Signal[];
  reason: string;
}

/** Reputation factors below half a point are left out of the explanation. */
const MIN_SHOWN_POINTS = 0.5;

export function scoreDetection(input: ScoreInput): Scored | undefined {
  const { key, src, detection: d, now, config: cfg } = input;
  const ms = scoreHit(src.hits, d, now, cfg.multiSignal, input.peers);
  if (ms.outcome === 'SKIPPED' || !ms.history) return undefined;
  const rep = observeReputation(src.reputation, observationFromDetection(d, src.offences), now, input.weights, cfg.reputation);
  const trust = trustLevel(rep.score, src, cfg.trust);
  const threat = threatScore(
    { multiSignalScore: ms.score, outcome: ms.outcome, reputation: rep.score, pattern: d.pattern, attackType: d.attackType, confidence: d.confidence, severity: d.severity },
    cfg.threat,
  );
  const plan = planResponse(
    {
      composite: threat.composite,
      outcome: ms.outcome,
      pattern: d.pattern,
      reputationTier: rep.tier,
      ...(input.current ? { current: input.current.action as SourceAction } : {}),
      sustained: ms.detections >= cfg.response.sustainedHits,
      thresholdFactor: input.adjustment.factor,
      bruteForce: d.attackType === 'brute-force',
      listedOnly: d.attackType === 'benign',
    },
    cfg.response,
  );
  const signals: Signal[] = [...ms.signals];
  for (const c of rep.contributions) {
    if (c.points >= MIN_SHOWN_POINTS) signals.push({ name: reputationSignal(c.factor), points: Math.round(c.points), detail: `value ${c.value.toFixed(2)} × weight ${c.weight.toFixed(2)}` });
  }
  for (const s of d.signals) signals.push(s);
  const hit: HitRecord = {
    src: key, at: now, attackType: d.attackType, pattern: d.pattern, connections: d.connections, packetRate: d.packetRate,
    score: ms.score, outcome: ms.outcome, composite: threat.composite, level: threat.level,
  };
  const reason = [`${ms.outcome} (score ${ms.score})`, ...plan.reasons, ...threat.promotions].join('; ');
  return { ms: ms as Scored['ms'], rep, trust, threat, plan, hit, signals, reason };
}
