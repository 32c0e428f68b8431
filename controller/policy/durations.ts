/**
 * How long a mitigation lasts (adaptive-blocking.md "Dynamic Blocking Duration"):
 * low 60 s, medium 5 min, high 15 min, critical 1–24 h. A first critical offence grows
 * geometrically with the multi-signal score above `criticalScoreFloor` (time spans feel
 * linear on a log scale: 80 → 1 h, 90 → 2 h, 100 → 4 h); repeat offences and very poor
 * trust reach the 24 h end of the range. Then:
 * - repeat offences: ×repeatGrowth per earlier block, up to repeatMaxFactor;
 * - trust: high ×0.5, good ×0.75, neutral ×1, poor ×1.5, very poor → the maximum
 *   (repeat factor at its cap, critical at criticalMaxMs, 24 h);
 * - never more than `maxMs`: no block is permanent;
 * - jitter: a seeded share of the duration is taken off so that blocks created together
 *   do not all expire in the same tick. Taken off, never added, so every cap holds.
 */
import type { DurationConfig } from './config.js';
import type { ThreatLevel } from './decision.js';
import type { TrustLevel } from './trust.js';

export interface DurationInput {
  level: ThreatLevel;
  /** Multi-signal score 0–100. */
  score: number;
  /** Which block of this source this is, 1 for the first. */
  offence: number;
  trust: TrustLevel;
  /** What the jitter is derived from, e.g. `${src}#${offence}`: same key, same jitter. */
  jitterKey: string;
}

export interface DurationBreakdown {
  baseMs: number;
  repeatFactor: number;
  trustFactor: number;
  jitterMs: number;
  durationMs: number;
}

const clamp01 = (x: number): number => (x < 0 ? 0 : x > 1 ? 1 : x);

/** FNV-1a of the key mixed with the seed, then one mulberry32 round: uniform in [0, 1). */
export function seededUnit(seed: number, key: string): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  let t = (h + 0x6d2b79f5) >>> 0;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

function baseFor(level: ThreatLevel, score: number, veryPoor: boolean, cfg: DurationConfig): number {
  switch (level) {
    case 'low':
      return cfg.lowMs;
    case 'medium':
      return cfg.mediumMs;
    case 'high':
      return cfg.highMs;
    case 'critical': {
      if (veryPoor) return cfg.criticalMaxMs;
      const s = clamp01((score - cfg.criticalScoreFloor) / (100 - cfg.criticalScoreFloor));
      const top = Math.min(cfg.criticalFirstOffenceMaxMs, cfg.criticalMaxMs);
      return cfg.criticalMinMs * Math.pow(top / cfg.criticalMinMs, s);
    }
  }
}

function trustFactor(trust: TrustLevel, cfg: DurationConfig): number {
  if (trust >= 0.9) return cfg.trustFactors.high;
  if (trust >= 0.7) return cfg.trustFactors.good;
  if (trust >= 0.5) return cfg.trustFactors.neutral;
  return cfg.trustFactors.poor;
}

export function blockDuration(input: DurationInput, cfg: DurationConfig): DurationBreakdown {
  const veryPoor = input.trust <= 0.1;
  const baseMs = baseFor(input.level, input.score, veryPoor, cfg);
  const repeatFactor = veryPoor
    ? cfg.repeatMaxFactor
    : Math.min(cfg.repeatMaxFactor, Math.pow(cfg.repeatGrowth, Math.max(0, input.offence - 1)));
  const tf = veryPoor ? 1 : trustFactor(input.trust, cfg);
  const ms = Math.min(cfg.maxMs, baseMs * repeatFactor * tf);
  const jitterMs = Math.floor(ms * cfg.jitterShare * seededUnit(cfg.jitterSeed, input.jitterKey));
  return { baseMs, repeatFactor, trustFactor: tf, jitterMs, durationMs: Math.max(1, Math.round(ms) - jitterMs) };
}
