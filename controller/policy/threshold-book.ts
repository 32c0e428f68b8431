/**
 * What the adaptive thresholds read of the network (adaptive-blocking.md "Adaptive
 * Thresholds"): attacks in the last hour, how often the policy was wrong (false positives
 * and admin overrides against the automatic blocks it issued), link load, and how long it
 * has been quiet. The thresholds' rule itself is thresholds.ts; this keeps its inputs.
 */
import type { ThresholdConfig } from './config.js';
import { thresholdAdjustment, type ThresholdAdjustment } from './thresholds.js';

const HOUR_MS = 3_600_000;

/** Detections per minute over the last hour, in 60 fixed slots (no per-event allocation). */
class HourCounter {
  private readonly counts = new Float64Array(60);
  private readonly minutes = new Float64Array(60).fill(-1);
  add(now: number): void {
    const minute = Math.floor(now / 60_000);
    const slot = minute % 60;
    if (this.minutes[slot] !== minute) {
      this.minutes[slot] = minute;
      this.counts[slot] = 0;
    }
    this.counts[slot]! += 1;
  }
  total(now: number): number {
    const minute = Math.floor(now / 60_000);
    let n = 0;
    for (let i = 0; i < 60; i++) if (minute - this.minutes[i]! < 60) n += this.counts[i]!;
    return n;
  }
}

export class ThresholdBook {
  private readonly attacks = new HourCounter();
  private lastAttack = -Infinity;
  private load = 0;
  private blockTimes: number[] = [];
  private wrongTimes: number[] = [];

  constructor(private readonly startedAt: number) {}

  /** When the network last saw an attack (or the engine started, whichever is later). */
  get quietSince(): number {
    return Math.max(this.lastAttack, this.startedAt);
  }

  attackSeen(now: number): void {
    this.attacks.add(now);
    if (now > this.lastAttack) this.lastAttack = now;
  }

  /** A restored source's last hit counts as the network's last attack. */
  attackSeenBefore(at: number): void {
    if (at > this.lastAttack) this.lastAttack = at;
  }

  blockIssued(now: number): void {
    this.blockTimes.push(now);
  }

  /** A false positive or an admin override: the policy was wrong. */
  policyWasWrong(now: number): void {
    this.wrongTimes.push(now);
  }

  setLoad(load: number): void {
    this.load = load;
  }

  adjustment(now: number, cfg: ThresholdConfig): ThresholdAdjustment {
    const since = now - HOUR_MS;
    this.blockTimes = this.blockTimes.filter((t) => t > since);
    this.wrongTimes = this.wrongTimes.filter((t) => t > since);
    return thresholdAdjustment(
      {
        attacksPerHour: this.attacks.total(now),
        // Overrides of admin blocks count too, so the share is taken over whichever is larger.
        falsePositiveRate: this.wrongTimes.length / Math.max(1, this.wrongTimes.length, this.blockTimes.length),
        load: this.load,
        quietForMs: now - this.quietSince,
      },
      cfg,
    );
  }
}
