/**
 * Reputation score 0 (trusted) – 100 (highly suspicious) of reputation-scoring.md.
 *
 * - Factors, each normalised to 0–1: packet-rate deviation from the source's baseline
 *   (z-score), SYN/ACK ratio, ICMP error rate towards the server, geolocation changes in
 *   a window, and how often the source has been mitigated.
 * - Score: weighted sum × 100 with weights that sum to 1; every factor's points are
 *   returned (explainable).
 * - Decay: the stored score halves every `halfLifeMs` without new evidence. New evidence
 *   raises it at once: score = max(observed now, decayed previous). Good behaviour is
 *   therefore forgiven by time, bad behaviour is never averaged away.
 * - Trend: least-squares slope over the last `trendPoints` scores, projected
 *   `trendHorizonMs` ahead (from three points spanning `trendMinSpanMs`, and at most as far
 *   as they span); the
 *   thresholds act on max(score, projection), which is what makes them predictive: a rising
 *   source is shaped before it crosses the line.
 * - Tiers: low → alert (log, monitor), medium → warning → shaping, high → critical →
 *   rate limit or block. The seed's shaping (TCP SACK, smaller initial window) are host
 *   TCP settings a switch cannot change; in OpenFlow terms shaping is a gentle meter.
 * - Learning: a mitigation that worked raises the weights of the factors that drove it,
 *   a false positive lowers them, each in proportion to the factor's value; weights stay
 *   within [minWeight, maxWeight] and are renormalised to sum 1.
 *
 * Detector feature names read (when present): packetRateZ, synAckRatio (or the detector's
 * synPerReply), icmpErrorRate.
 */
import type { Detection } from '../detect/detection.js';
import type { ReputationConfig, ReputationWeights } from './config.js';

export const REPUTATION_FACTORS = ['packetRateDeviation', 'synAckRatio', 'icmpErrorRate', 'geoConsistency', 'mitigationHistory'] as const;
export type ReputationFactor = (typeof REPUTATION_FACTORS)[number];

export type ReputationTier = 'none' | 'alert' | 'shape' | 'critical';

export interface ReputationObservation {
  packetRate: number;
  /** z-score of the packet rate when the detector computed one against its own baseline. */
  packetRateZ?: number;
  synAckRatio?: number;
  /** ICMP errors (unreachable, time exceeded) per second from the source to the server. */
  icmpErrorRate?: number;
  country?: string;
  /** Mitigations the source has had so far. */
  mitigations: number;
}

export interface ReputationState {
  score: number;
  updatedAt: number;
  /** EWMA of the source's packet rate and of its squared deviation. */
  baselinePps: number;
  baselineVar: number;
  country?: string;
  countryChanges: number[];
  /** Recent [time, score] points for the trend. */
  trend: Array<[number, number]>;
}

export interface FactorContribution {
  factor: ReputationFactor;
  /** Normalised factor value 0–1. */
  value: number;
  weight: number;
  /** Points this factor adds to the 0–100 observed score. */
  points: number;
}

export interface ReputationResult {
  state: ReputationState;
  score: number;
  /** The score the current observation alone gives. */
  observed: number;
  contributions: FactorContribution[];
  /** Points per minute. */
  slope: number;
  projected: number;
  tier: ReputationTier;
}

const clamp01 = (x: number): number => (x < 0 ? 0 : x > 1 ? 1 : x);
const clamp100 = (x: number): number => (x < 0 ? 0 : x > 100 ? 100 : x);

export function newReputationState(now: number, cfg: ReputationConfig): ReputationState {
  return { score: 0, updatedAt: now, baselinePps: cfg.defaultBaselinePps, baselineVar: cfg.defaultBaselinePps ** 2, countryChanges: [], trend: [] };
}

export function observationFromDetection(d: Detection, mitigations: number): ReputationObservation {
  const obs: ReputationObservation = { packetRate: d.packetRate, mitigations };
  const f = d.features;
  if (f['packetRateZ'] !== undefined) obs.packetRateZ = f['packetRateZ'];
  // The detector names it synPerReply (SYN-without-ACK segments per packet answered).
  const synAck = f['synAckRatio'] ?? f['synPerReply'];
  if (synAck !== undefined) obs.synAckRatio = synAck;
  if (f['icmpErrorRate'] !== undefined) obs.icmpErrorRate = f['icmpErrorRate'];
  if (d.intel?.country) obs.country = d.intel.country;
  return obs;
}

/** The score as it stands at `now` after decay. */
export function decayedScore(state: ReputationState, now: number, cfg: ReputationConfig): number {
  const elapsed = Math.max(0, now - state.updatedAt);
  return state.score * Math.pow(0.5, elapsed / cfg.halfLifeMs);
}

/** Least-squares slope of the points, in score points per minute. */
export function trendSlope(points: ReadonlyArray<readonly [number, number]>): number {
  const n = points.length;
  if (n < 2) return 0;
  let mt = 0;
  let ms = 0;
  for (const [t, s] of points) {
    mt += t;
    ms += s;
  }
  mt /= n;
  ms /= n;
  let num = 0;
  let den = 0;
  for (const [t, s] of points) {
    num += (t - mt) * (s - ms);
    den += (t - mt) ** 2;
  }
  return den === 0 ? 0 : (num / den) * 60_000;
}

export function reputationTier(score: number, projected: number, cfg: ReputationConfig): ReputationTier {
  const s = Math.max(score, projected);
  if (s >= cfg.highAt) return 'critical';
  if (s >= cfg.mediumAt) return 'shape';
  if (s >= cfg.lowAt) return 'alert';
  return 'none';
}

export function observeReputation(
  previous: ReputationState | undefined,
  obs: ReputationObservation,
  now: number,
  weights: ReputationWeights,
  cfg: ReputationConfig,
): ReputationResult {
  const prev = previous ?? newReputationState(now, cfg);

  const sd = Math.max(Math.sqrt(prev.baselineVar), prev.baselinePps * 0.25, 1);
  const z = obs.packetRateZ ?? (obs.packetRate - prev.baselinePps) / sd;
  const countryChanges = prev.countryChanges.filter((t) => t > now - cfg.geoWindowMs);
  if (obs.country && prev.country && obs.country !== prev.country) countryChanges.push(now);

  const values: Record<ReputationFactor, number> = {
    packetRateDeviation: clamp01(z / cfg.deviationZMax),
    synAckRatio: obs.synAckRatio === undefined ? 0 : clamp01((obs.synAckRatio - 1) / (cfg.synAckRatioMax - 1)),
    icmpErrorRate: clamp01((obs.icmpErrorRate ?? 0) / cfg.icmpErrorRateMax),
    geoConsistency: clamp01(countryChanges.length / cfg.geoChangesMax),
    mitigationHistory: clamp01(obs.mitigations / cfg.mitigationsMax),
  };
  let total = 0;
  for (const f of REPUTATION_FACTORS) total += weights[f];
  const contributions: FactorContribution[] = [];
  let observed = 0;
  for (const f of REPUTATION_FACTORS) {
    const weight = total > 0 ? weights[f] / total : 0;
    const points = 100 * weight * values[f];
    observed += points;
    contributions.push({ factor: f, value: values[f], weight, points });
  }
  observed = clamp100(observed);
  const score = Math.max(observed, decayedScore(prev, now, cfg));

  // Only traffic that does not look anomalous teaches the baseline, or a long flood
  // would become the source's normal.
  const anomalous = values.packetRateDeviation >= 0.5;
  const a = cfg.baselineAlpha;
  const dev = obs.packetRate - prev.baselinePps;
  const trend = [...prev.trend, [now, score] as [number, number]].slice(-cfg.trendPoints);
  const country = obs.country ?? prev.country;
  const state: ReputationState = {
    score,
    updatedAt: now,
    baselinePps: anomalous ? prev.baselinePps : prev.baselinePps + a * dev,
    baselineVar: anomalous ? prev.baselineVar : (1 - a) * (prev.baselineVar + a * dev * dev),
    countryChanges,
    trend,
    ...(country ? { country } : {}),
  };
  const slope = trendSlope(trend);
  // A trend is projected only from three points spanning trendMinSpanMs, and no further
  // ahead than the time it was observed over: a client that starts a download jumps from 0
  // to its rate in one poll, and a few points a second apart extrapolated minutes ahead
  // called an iperf3 client critical in the campus scenario.
  const span = trend.length >= 3 ? trend[trend.length - 1]![0] - trend[0]![0] : 0;
  const horizonMs = span >= cfg.trendMinSpanMs ? Math.min(cfg.trendHorizonMs, span) : 0;
  const projected = slope > 0 ? clamp100(score + slope * (horizonMs / 60_000)) : score;
  return { state, score, observed, contributions, slope, projected, tier: reputationTier(score, projected, cfg) };
}

/** A confirmed false positive: the source is forgiven `falsePositiveBoost` points now. */
export function forgiveReputation(state: ReputationState, now: number, cfg: ReputationConfig): ReputationState {
  const score = Math.max(0, decayedScore(state, now, cfg) - cfg.falsePositiveBoost);
  return { ...state, score, updatedAt: now, trend: [...state.trend, [now, score] as [number, number]].slice(-cfg.trendPoints) };
}

/**
 * Learning from outcomes. Each factor's weight moves by learningRate × its value (what
 * did not contribute does not move), then the weights are projected back into
 * [minWeight, maxWeight] with sum 1.
 */
export function learnWeights(
  weights: ReputationWeights,
  contributions: readonly FactorContribution[],
  outcome: 'effective' | 'false-positive',
  cfg: ReputationConfig,
): ReputationWeights {
  const sign = outcome === 'effective' ? 1 : -1;
  const next = { ...weights };
  for (const c of contributions) next[c.factor] = Math.max(1e-9, next[c.factor] * (1 + sign * cfg.learningRate * c.value));
  return boundedNormalise(next, cfg.minWeight, cfg.maxWeight);
}

/**
 * The weights scaled by one factor λ and clamped to [min, max], with λ chosen so that they
 * sum to 1 (the clamped sum grows with λ, so a bisection on log λ finds it). Proportions
 * are kept wherever the bounds allow.
 */
export function boundedNormalise(weights: ReputationWeights, min: number, max: number): ReputationWeights {
  const clamped = (lambda: number): ReputationWeights => {
    const out = { ...weights };
    // A zero weight still scales (from a tiny floor), so every weight can reach minWeight.
    for (const f of REPUTATION_FACTORS) out[f] = Math.min(max, Math.max(min, Math.max(weights[f], 1e-12) * lambda));
    return out;
  };
  const sum = (w: ReputationWeights): number => {
    let s = 0;
    for (const f of REPUTATION_FACTORS) s += w[f];
    return s;
  };
  let lo = -60;
  let hi = 60;
  for (let i = 0; i < 200; i++) {
    const mid = (lo + hi) / 2;
    if (sum(clamped(Math.exp(mid))) < 1) lo = mid;
    else hi = mid;
  }
  return clamped(Math.exp(hi));
}
