/**
 * Runs recorded snapshots through a fresh DetectionEngine on simulated time. Pure and
 * deterministic: the only time is each snapshot's `now`, mirrored into a ManualClock that
 * the caller's onDetections (e.g. the policy engine) can use as its clock.
 */
import { ManualClock } from '../clock.js';
import type { Classifier } from '../detect/classifier.js';
import type { DetectConfigInput } from '../detect/config.js';
import type { Detection } from '../detect/detection.js';
import { DetectionEngine } from '../detect/engine.js';
import type { PollRound, TrafficSnapshot } from '../stats/snapshot.js';

export interface ReplayOptions {
  config?: DetectConfigInput;
  classifier?: Classifier;
  /** Called after each snapshot with its detections (possibly none), clock set to snapshot.now. */
  onDetections?: (detections: Detection[], snapshot: TrafficSnapshot, clock: ManualClock) => void;
}

export interface ReplayResult {
  detections: Detection[];
  snapshots: number;
  engine: DetectionEngine;
}

export function replayTrace(snapshots: Iterable<TrafficSnapshot>, opts: ReplayOptions = {}): ReplayResult {
  const engine = new DetectionEngine(opts.config ?? {}, opts.classifier ? { classifier: opts.classifier } : {});
  const clock = new ManualClock(0);
  const detections: Detection[] = [];
  let count = 0;
  for (const snap of snapshots) {
    clock.set(snap.now);
    const ds = engine.ingest(snap);
    detections.push(...ds);
    opts.onDetections?.(ds, snap, clock);
    count++;
  }
  return { detections, snapshots: count, engine };
}

/**
 * A recorded trace's snapshots as the poll rounds they came in: the poller polls each
 * switch at most once per round, so a round ends where a switch comes round again.
 */
export function* pollRounds(snapshots: Iterable<TrafficSnapshot>): Generator<PollRound> {
  let round: TrafficSnapshot[] = [];
  const dpids = new Set<string>();
  for (const snap of snapshots) {
    if (dpids.has(snap.dpid)) {
      yield { now: round[round.length - 1]!.now, snapshots: round };
      round = [];
      dpids.clear();
    }
    round.push(snap);
    dpids.add(snap.dpid);
  }
  if (round.length > 0) yield { now: round[round.length - 1]!.now, snapshots: round };
}
