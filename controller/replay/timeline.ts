/**
 * `ofguard replay`: a recorded trace through the same core the product runs (detection
 * *and* policy, a poll round at a time) on simulated time, giving the decision timeline a
 * policy change would have produced. Deterministic: same trace, same configs → the same
 * timeline. Nothing is written anywhere (no store).
 */
import { Core } from '../core/core.js';
import { DetectionEngine } from '../detect/engine.js';
import { PolicyEngine } from '../policy/engine.js';
import { parsePolicyConfig, type PolicyConfigInput } from '../policy/config.js';
import type { Decision } from '../policy/decision.js';
import { sourceText } from '../detect/detection.js';
import type { DetectConfigInput } from '../detect/config.js';
import { ManualClock } from '../clock.js';
import type { Trace } from './read.js';
import { pollRounds } from './replay.js';

export interface TimelineEntry {
  /** ms since the trace's first snapshot */
  t: number;
  event: 'decision' | 'ended';
  decision: Decision;
}

export interface Timeline {
  snapshots: number;
  detections: number;
  entries: TimelineEntry[];
}

export function replayTimeline(trace: Trace, opts: { policy?: PolicyConfigInput; detect?: DetectConfigInput } = {}): Timeline {
  const start = trace.snapshots[0]?.now ?? 0;
  const clock = new ManualClock(start);
  const detect = new DetectionEngine(opts.detect ?? trace.header.config ?? {});
  const core = new Core({ detect, policy: new PolicyEngine(parsePolicyConfig(opts.policy ?? {}), clock), detectWhitelist: detect.config.whitelist });
  const entries: TimelineEntry[] = [];
  const record = (r: { decisions: Decision[]; ended: Decision[] }, now: number) => {
    for (const d of r.decisions) entries.push({ t: now - start, event: 'decision', decision: d });
    for (const d of r.ended) entries.push({ t: now - start, event: 'ended', decision: d });
  };
  let snapshots = 0;
  let detections = 0;
  for (const round of pollRounds(trace.snapshots)) {
    clock.set(round.now);
    record(core.tick(round.now), round.now);
    const result = core.round(round);
    snapshots += round.snapshots.length;
    detections += result.detections.length;
    record(result, round.now);
  }
  return { snapshots, detections, entries };
}

const fmtTime = (ms: number) => `+${(ms / 1000).toFixed(1)}s`;

export function formatTimeline(t: Timeline): string {
  const lines = [`${t.snapshots} snapshots, ${t.detections} detections, ${t.entries.length} decision events`];
  for (const e of t.entries) {
    const d = e.decision;
    if (e.event === 'ended') {
      lines.push(`${fmtTime(e.t).padStart(9)}  end     #${d.id} ${sourceText(d.target)} ${d.action}: ${d.endReason ?? ''}`);
      continue;
    }
    const signals = d.signals.map((s) => `${s.name} +${s.points}`).join(', ');
    lines.push(`${fmtTime(e.t).padStart(9)}  ${d.action.padEnd(14)} #${d.id} ${sourceText(d.target)} ${d.threatLevel} score ${d.score} for ${Math.round((d.expiresAt - (d.updatedAt ?? d.createdAt)) / 1000)}s — ${d.reason}`);
    if (signals) lines.push(`${' '.repeat(11)}signals: ${signals}`);
  }
  return lines.join('\n');
}
