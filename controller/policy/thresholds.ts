/**
 * Adaptive thresholds of adaptive-blocking.md: the network's state scales the policy's
 * thresholds. High attack frequency ×0.8 (block sooner), high false-positive rate ×1.1
 * (more conservative), congestion ×0.85 (protect resources), quiet period ×1.2 (let more
 * through). Applicable adjustments multiply; the product is bounded to
 * [minFactor, maxFactor] so no combination of conditions can switch blocking off or
 * make every packet a threat. Quiet and high attack frequency exclude each other.
 */
import type { ThresholdConfig } from './config.js';

export interface NetworkConditions {
  /** Attack detections in the last hour, network-wide. */
  attacksPerHour: number;
  /** Share of recent decisions that turned out to be false positives, 0–1. */
  falsePositiveRate: number;
  /** Link/switch load 0–1 (busiest port utilisation), when the caller knows it. */
  load: number;
  /** Time since the last attack detection. */
  quietForMs: number;
}

export interface ThresholdAdjustment {
  factor: number;
  /** Which conditions applied, with their factor. */
  applied: Array<{ condition: 'high-attack-frequency' | 'high-false-positive-rate' | 'congestion' | 'quiet-period'; factor: number }>;
}

export function thresholdAdjustment(c: NetworkConditions, cfg: ThresholdConfig): ThresholdAdjustment {
  const applied: ThresholdAdjustment['applied'] = [];
  if (c.attacksPerHour >= cfg.highAttackPerHour) applied.push({ condition: 'high-attack-frequency', factor: cfg.highAttackFrequencyFactor });
  else if (c.quietForMs >= cfg.quietMs) applied.push({ condition: 'quiet-period', factor: cfg.quietFactor });
  if (c.falsePositiveRate >= cfg.highFalsePositiveRate) applied.push({ condition: 'high-false-positive-rate', factor: cfg.highFalsePositiveFactor });
  if (c.load >= cfg.congestionLoad) applied.push({ condition: 'congestion', factor: cfg.congestionFactor });
  let factor = 1;
  for (const a of applied) factor *= a.factor;
  factor = Math.min(cfg.maxFactor, Math.max(cfg.minFactor, factor));
  return { factor, applied };
}

/** A base threshold under the current adjustment. */
export function adaptThreshold(base: number, adjustment: ThresholdAdjustment): number {
  return base * adjustment.factor;
}
