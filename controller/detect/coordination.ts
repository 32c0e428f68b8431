/**
 * Coordinated groups: several sources that begin attacking the same service (destination,
 * protocol, port) within a few seconds of one another, at similar rates, are one
 * distributed attack — many→single, "rarely legitimate" (ip-pattern-flagging.md) —
 * however few they are. The destination's own many→single test (destinations.ts) needs many
 * distinct sources in its window; four bots started by one command are a botnet all the
 * same, and explaining them as four unrelated single→single attacks ("throttled only until
 * the behaviour is sustained") answers them too slowly.
 *
 * Pure: each poll round's detections in, the members of a coordinated group promoted in
 * place (pattern, severity at least high, a signal that says who started when at what
 * rate). A source joins a group by its first detection against the service; members are
 * forgotten after `memoryMs` without a detection.
 */
import type { DetectConfig } from './config.js';
import { sourceText, type Detection } from './detection.js';
import { promote, SIGNAL_POINTS } from './patterns.js';
import { SIGNAL } from './signals.js';

interface Member {
  /** First detection against the service. */
  startedAt: number;
  lastAt: number;
  packetRate: number;
}

export class CoordinationBook {
  /** "dst|proto|port" → source → member. */
  private readonly services = new Map<string, Map<string, Member>>();

  constructor(private readonly config: DetectConfig) {}

  /** One round's detections: members of a coordinated group become many→single. */
  observe(detections: readonly Detection[], now: number): void {
    const cfg = this.config.coordination;
    const touched = new Set<string>();
    for (const d of detections) {
      if (d.dst === undefined || d.attackType === 'benign') continue;
      const service = `${d.dst}|${d.proto ?? ''}|${d.dstPort ?? ''}`;
      let members = this.services.get(service);
      if (!members) this.services.set(service, (members = new Map()));
      const src = sourceText(d);
      const m = members.get(src);
      if (m) {
        m.lastAt = now;
        m.packetRate = d.packetRate;
      } else members.set(src, { startedAt: now, lastAt: now, packetRate: d.packetRate });
      touched.add(service);
    }
    for (const d of detections) {
      if (d.dst === undefined || d.pattern !== 'single-to-single') continue;
      const service = `${d.dst}|${d.proto ?? ''}|${d.dstPort ?? ''}`;
      const group = this.groupOf(service, sourceText(d));
      if (!group) continue;
      d.pattern = 'many-to-single';
      d.severity = promote(d.severity, 'high');
      const spread = (group.lastStart - group.firstStart) / 1000;
      d.signals.push({
        name: SIGNAL.patternCoordinated,
        points: SIGNAL_POINTS.manyToSingle,
        detail: `${group.size} sources began within ${spread.toFixed(1)} s against ${d.dst}${d.dstPort !== undefined ? `:${d.dstPort}` : ''} at ${Math.round(group.minRate)}–${Math.round(group.maxRate)} pkt/s each`,
      });
    }
    for (const [service, members] of this.services) {
      for (const [src, m] of members) if (now - m.lastAt > cfg.memoryMs) members.delete(src);
      if (members.size === 0 && !touched.has(service)) this.services.delete(service);
    }
  }

  /**
   * The coordinated group `src` belongs to at `service`: the members that started within
   * `startWindowMs` of it, if there are enough of them and their rates are alike.
   */
  private groupOf(service: string, src: string): { size: number; firstStart: number; lastStart: number; minRate: number; maxRate: number } | undefined {
    const cfg = this.config.coordination;
    const members = this.services.get(service);
    const self = members?.get(src);
    if (!members || !self || members.size < cfg.minSources) return undefined;
    let size = 0, firstStart = Infinity, lastStart = -Infinity, minRate = Infinity, maxRate = 0;
    for (const m of members.values()) {
      if (Math.abs(m.startedAt - self.startedAt) > cfg.startWindowMs) continue;
      if (m.packetRate <= 0 || self.packetRate <= 0 || Math.max(m.packetRate, self.packetRate) > cfg.rateRatio * Math.min(m.packetRate, self.packetRate)) continue;
      size++;
      firstStart = Math.min(firstStart, m.startedAt);
      lastStart = Math.max(lastStart, m.startedAt);
      minRate = Math.min(minRate, m.packetRate);
      maxRate = Math.max(maxRate, m.packetRate);
    }
    return size >= cfg.minSources ? { size, firstStart, lastStart, minRate, maxRate } : undefined;
  }
}
