/**
 * What a source has done before: the history features behind the SYN-flood seed's
 * persistence, escalation, velocity, multiple vectors and timing signals. Only sources
 * that were detected have a history, so this is a Map capped at maxHistory entries with
 * least-recently-detected eviction (Map order = insertion order; a hit re-inserts).
 *
 * A "hit" is one emitted detection (at most one per interval); an "episode" is a run of
 * hits without a gap of episodeGapMs. Velocity and timing regularity are counted in
 * episodes, because a sustained attack produces a hit every interval by construction.
 */
import type { DetectConfig } from './config.js';
import type { AttackType } from './detection.js';
import { ATTACK_TYPES } from './classifier.js';

const RING = 32;

interface SourceHistory {
  hits: number;
  episodes: number;
  lastHitAt: number;
  /** Start times of the latest episodes (ring). */
  episodeStarts: Float64Array;
  /** Recent hits (ring): time and connections, for escalation. */
  hitAt: Float64Array;
  hitConns: Float64Array;
  /** Last time each attack type was seen, in ATTACK_TYPES order. */
  typeSeenAt: Float64Array;
}

export interface HistoryFeatures {
  /** Hits so far including this one. */
  persistence: number;
  episodes: number;
  /** Connections now minus connections at the latest hit ≥ escalationSpanMs ago (0 if none). */
  escalation: number;
  /** Episodes started within the short / long velocity windows. */
  velocityShort: number;
  velocityLong: number;
  /** Other attack types seen within vectorWindowMs. */
  vectors: AttackType[];
  /** Coefficient of variation of gaps between episode starts (NaN with < 3 gaps). */
  timingCv: number;
  regularTiming: boolean;
}

export class HistoryBook {
  private readonly book = new Map<string, SourceHistory>();

  constructor(private readonly config: DetectConfig) {}

  get size(): number {
    return this.book.size;
  }

  /** Time of the last emitted hit for this key, or -Infinity. */
  lastHitAt(key: string): number {
    return this.book.get(key)?.lastHitAt ?? -Infinity;
  }

  /** Records a hit and returns the history features as of this hit. */
  record(key: string, at: number, type: AttackType, connections: number): HistoryFeatures {
    const c = this.config;
    let h = this.book.get(key);
    if (h) this.book.delete(key);
    else {
      if (this.book.size >= c.maxHistory) this.book.delete(this.book.keys().next().value!);
      h = {
        hits: 0,
        episodes: 0,
        lastHitAt: -Infinity,
        episodeStarts: new Float64Array(RING),
        hitAt: new Float64Array(RING).fill(-Infinity),
        hitConns: new Float64Array(RING),
        typeSeenAt: new Float64Array(ATTACK_TYPES.length).fill(-Infinity),
      };
    }
    this.book.set(key, h);

    if (at - h.lastHitAt > c.episodeGapMs) h.episodeStarts[h.episodes++ % RING] = at;
    let escalation = 0;
    for (let k = 0; k < Math.min(h.hits, RING); k++) {
      const i = (h.hits - 1 - k) % RING;
      if (at - h.hitAt[i]! >= c.escalationSpanMs) {
        escalation = connections - h.hitConns[i]!;
        break;
      }
    }
    h.hitAt[h.hits % RING] = at;
    h.hitConns[h.hits % RING] = connections;
    h.hits++;
    h.lastHitAt = at;
    h.typeSeenAt[ATTACK_TYPES.indexOf(type)] = at;

    let velocityShort = 0;
    let velocityLong = 0;
    const known = Math.min(h.episodes, RING);
    const starts: number[] = [];
    for (let k = 0; k < known; k++) {
      const t = h.episodeStarts[(h.episodes - 1 - k) % RING]!;
      starts.push(t);
      if (at - t <= c.velocityShortMs) velocityShort++;
      if (at - t <= c.velocityLongMs) velocityLong++;
    }
    const vectors: AttackType[] = [];
    ATTACK_TYPES.forEach((t, i) => {
      if (t !== 'benign' && t !== type && at - h.typeSeenAt[i]! <= c.vectorWindowMs) vectors.push(t);
    });
    const timingCv = coefficientOfVariation(starts.slice(0, 9));
    return {
      persistence: h.hits,
      episodes: h.episodes,
      escalation,
      velocityShort,
      velocityLong,
      vectors,
      timingCv,
      regularTiming: Number.isFinite(timingCv) && timingCv < c.regularTimingCv,
    };
  }
}

/** CV of the gaps between consecutive times (newest first); NaN with fewer than 3 gaps. */
export function coefficientOfVariation(timesNewestFirst: readonly number[]): number {
  if (timesNewestFirst.length < 4) return NaN;
  const gaps: number[] = [];
  for (let i = 1; i < timesNewestFirst.length; i++) gaps.push(timesNewestFirst[i - 1]! - timesNewestFirst[i]!);
  const mean = gaps.reduce((a, b) => a + b, 0) / gaps.length;
  if (mean <= 0) return NaN;
  const variance = gaps.reduce((a, g) => a + (g - mean) ** 2, 0) / gaps.length;
  return Math.sqrt(variance) / mean;
}
