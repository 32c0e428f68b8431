/**
 * What the dashboard knows, built from the event stream: switches, active decisions, the
 * timeline and the last five minutes of traffic per source and destination; plus, from the
 * status answer the page polls, the decisions in force that are not enforced (the stream
 * tells of a decision before the switches have it). Pure: events in, state changed; the
 * DOM is drawn from it elsewhere (main.mts).
 */
import type { StreamEvent, TrafficEvent, WireDecision } from '../protocol.js';

/** Five minutes of one-second traffic events. */
export const HISTORY_POINTS = 300;
export const TIMELINE_MAX = 200;

export interface SwitchState {
  dpid: string;
  remote: string;
  up: boolean;
  /** When it connected, or when it went down. */
  since: number;
  reason?: string;
}

export interface ActiveDecision extends WireDecision {
  /** Local (browser) time of expiry: the countdown does not depend on the clocks agreeing. */
  deadline: number;
}

/** A decision in force that is not enforced, as GET /api/status lists it (decisions.failures). */
export interface EnforcementFailure {
  id: number;
  code: string;
  reason: string;
  /** Switches where it is not installed. */
  dpids: string[];
  since: number;
  retryAt?: number;
}

export interface TimelineEntry {
  at: number;
  kind: string;
  text: string;
}

/** Packets per second per address over time; a missing address at a time is 0. */
export class History {
  readonly times: number[] = [];
  readonly points: Map<string, number>[] = [];

  push(at: number, entries: readonly { addr: string; pps: number }[]): void {
    const row = new Map<string, number>();
    for (const e of entries) row.set(e.addr, e.pps);
    this.times.push(at / 1000);
    this.points.push(row);
    if (this.times.length > HISTORY_POINTS) {
      this.times.shift();
      this.points.shift();
    }
  }

  /** The `n` addresses with the most packets over the window, busiest first. */
  busiest(n: number): string[] {
    const sums = new Map<string, number>();
    for (const row of this.points) for (const [addr, pps] of row) sums.set(addr, (sums.get(addr) ?? 0) + pps);
    return [...sums].sort((a, b) => b[1] - a[1]).slice(0, n).map(([addr]) => addr);
  }

  /** uPlot's data layout: x values, then one array per series. */
  series(addrs: readonly string[]): number[][] {
    return [this.times.slice(), ...addrs.map((a) => this.points.map((row) => row.get(a) ?? 0))];
  }
}

export class DashState {
  readonly switches = new Map<string, SwitchState>();
  readonly decisions = new Map<number, ActiveDecision>();
  /** By decision id: the decisions in force that are not enforced. */
  readonly failures = new Map<number, EnforcementFailure>();
  readonly timeline: TimelineEntry[] = [];
  readonly sources = new History();
  readonly destinations = new History();
  traffic?: TrafficEvent;

  /** Applies one event; `localNow` is the browser's clock when it arrived. */
  apply(e: StreamEvent, localNow: number): void {
    switch (e.kind) {
      case 'hello':
        // A (re)connect: the controller's view replaces ours.
        for (const s of this.switches.values()) s.up = false;
        for (const s of e.switches) this.switches.set(s.dpid, { dpid: s.dpid, remote: s.remote, up: true, since: s.connectedAt });
        this.decisions.clear();
        for (const d of e.decisions) this.decisions.set(d.id, { ...d, deadline: localNow + d.remainingS * 1000 });
        this.note(e.at, 'hello', `connected: ${e.switches.length} switch(es), ${e.decisions.length} active decision(s)`);
        return;
      case 'switch_up':
        this.switches.set(e.dpid, { dpid: e.dpid, remote: e.remote, up: true, since: e.at });
        this.note(e.at, e.kind, `${e.dpid} connected from ${e.remote}`);
        return;
      case 'switch_down': {
        const s = this.switches.get(e.dpid);
        this.switches.set(e.dpid, { dpid: e.dpid, remote: s?.remote ?? '', up: false, since: e.at, reason: e.reason });
        this.note(e.at, e.kind, `${e.dpid} disconnected: ${e.reason}`);
        return;
      }
      case 'decision': {
        const d = e.decision;
        if (e.change === 'ended') {
          this.decisions.delete(d.id);
          this.note(e.at, 'ended', `#${d.id} ${d.action} ${d.source} ended: ${d.endReason ?? ''}`);
        } else {
          this.decisions.set(d.id, { ...d, deadline: localNow + d.remainingS * 1000 });
          this.note(e.at, e.change === 'new' ? 'decision' : 'updated', `#${d.id} ${d.action} ${d.source} (${d.threatLevel}, score ${Math.round(d.score)}): ${d.reason}`);
        }
        return;
      }
      case 'detection': {
        const src = e.srcPrefix === undefined ? e.src : `${e.src}/${e.srcPrefix}`;
        this.note(e.at, e.kind, `${e.attackType} ${e.severity} ${src}${e.dst ? ` → ${e.dst}` : ''} (${e.pattern}, ${Math.round(e.packetRate)} pps)`);
        return;
      }
      case 'traffic':
        this.traffic = e;
        this.sources.push(e.at, e.sources);
        this.destinations.push(e.at, e.destinations);
        return;
      case 'error':
        this.note(e.at, e.kind, `${e.code}: ${e.message}`);
        return;
    }
  }

  /**
   * The failed decisions of the latest status answer replace the previous ones; a new
   * failure (or a new reason) goes on the timeline. True when what is shown changed.
   */
  setFailures(list: readonly EnforcementFailure[], at: number): boolean {
    let changed = list.length !== this.failures.size;
    const next = new Map(list.map((f) => [f.id, f]));
    for (const f of list) {
      const old = this.failures.get(f.id);
      if (old && old.code === f.code && old.reason === f.reason && old.dpids.join() === f.dpids.join()) continue;
      changed = true;
      if (!old || old.reason !== f.reason) this.note(at, 'failed', `#${f.id} not enforced: ${f.reason}`);
    }
    this.failures.clear();
    for (const [id, f] of next) this.failures.set(id, f);
    return changed;
  }

  private note(at: number, kind: string, text: string): void {
    this.timeline.unshift({ at, kind, text });
    if (this.timeline.length > TIMELINE_MAX) this.timeline.pop();
  }
}
