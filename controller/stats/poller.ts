/**
 * Polls flow, port and meter statistics from every connected switch and hands the core one
 * poll round at a time: the snapshots of every switch polled together (a switch still
 * answering its previous poll is skipped rather than queued, so a slow switch never piles
 * requests up). A round closes when every switch polled in it has answered, or at its
 * deadline; a snapshot that arrives later goes with the next round.
 *
 * Rates are taken over the time between two readings of the same counters, as the switch
 * took them: each reply's arrival (the first part of a flow-stats reply, which Open vSwitch
 * builds at once) is its reading time. The time a whole poll took to complete is not: under
 * a flood a port-stats reply can lag the flow stats by most of a second, and a rate over
 * completion times then spans a sliver of the interval its counters cover.
 *
 * Clock and timers are injected: the poller is tested against fake switches in
 * milliseconds (test/stats/poller.test.ts).
 */
import { EventEmitter } from 'node:events';
import type { FlowRemovedMessage, FlowStatsEntry, MeterStats, MultipartRequestBodies, PortStats } from '../openflow/index.js';
import { Meter, Port, Table } from '../openflow/constants.js';
import { ownerCookie } from '../../flows/layout.js';
import { systemTimers, type Clock, type Timers } from '../clock.js';
import type { Logger } from '../log.js';
import { FlowCounterTracker, MeterCounterTracker, PortCounterTracker } from './counters.js';
import type { PollRound, TrafficSnapshot } from './snapshot.js';

/** What the poller needs of a switch connection (SwitchConnection has it; fake switches in tests). */
export interface PollerConnection {
  readonly dpid: string;
  readonly isReady: boolean;
  /** The switch's ports as its features/port-status messages describe them (curr_speed in kbit/s). */
  readonly ports: ReadonlyMap<number, { readonly currSpeed: number }>;
  visitFlowStats(body: MultipartRequestBodies['flow'], visit: (entry: FlowStatsEntry) => void): Promise<number>;
  multipart(mpType: 'port_stats', body: MultipartRequestBodies['port_stats']): Promise<PortStats[]>;
  multipart(mpType: 'meter', body: MultipartRequestBodies['meter']): Promise<MeterStats[]>;
}

export interface PollerOptions {
  intervalMs: number;
  /** How long a round waits for its switches (default: one interval). */
  roundTimeoutMs?: number;
  clock: Clock;
  timers?: Timers;
  logger: Logger;
}

interface SwitchPollState {
  flows: FlowCounterTracker;
  ports: PortCounterTracker;
  meters: MeterCounterTracker;
  removed: FlowRemovedMessage[];
  /** When each kind of counter was last read (reply arrival); 0 before the first reading. */
  flowsReadAt: number;
  portsReadAt: number;
  metersReadAt: number;
  inFlight: boolean;
}

export interface PollTiming {
  dpid: string;
  at: number;
  pollMs: number;
  flows: number;
  ports: number;
  meters: number;
}

export interface StatsPollerEvents {
  snapshot: [TrafficSnapshot];
  round: [PollRound];
  poll_failed: [string, Error];
}

/** How many flow-removed messages a switch may buffer between polls. */
const MAX_REMOVED_PER_POLL = 100_000;

export class StatsPoller extends EventEmitter<StatsPollerEvents> {
  private readonly state = new Map<string, SwitchPollState>();
  private readonly conns = new Map<string, PollerConnection>();
  private readonly timers: Timers;
  private timer: unknown;
  private running = false;
  /** When the last round began, and whether it is still open. */
  private roundStartedAt = -Infinity;
  private roundOpen = false;
  /** Snapshots finished since the last round closed: they go out with the next one. */
  private pending: TrafficSnapshot[] = [];
  /** The most recent poll of each switch, for status and metrics. */
  readonly lastPoll = new Map<string, PollTiming>();

  constructor(private readonly opts: PollerOptions) {
    super();
    this.timers = opts.timers ?? systemTimers;
  }

  add(conn: PollerConnection): void {
    this.conns.set(conn.dpid, conn);
    this.state.set(conn.dpid, {
      flows: new FlowCounterTracker(), ports: new PortCounterTracker(), meters: new MeterCounterTracker(),
      removed: [], flowsReadAt: 0, portsReadAt: 0, metersReadAt: 0, inFlight: false,
    });
  }

  remove(dpid: string): void {
    this.conns.delete(dpid);
    this.state.delete(dpid);
    this.lastPoll.delete(dpid);
  }

  /** Final counters of a flow that left the switch: counted in the next snapshot. */
  flowRemoved(dpid: string, msg: FlowRemovedMessage): void {
    const s = this.state.get(dpid);
    if (s && s.removed.length < MAX_REMOVED_PER_POLL) s.removed.push(msg);
  }

  /** Polls a round every interval, on the interval's own cadence (a slow round does not shift the next). */
  start(): void {
    this.running = true;
    const schedule = (at: number) => {
      if (!this.running) return;
      this.timer = this.timers.setTimeout(() => {
        void this.pollRound();
        schedule(Math.max(at + this.opts.intervalMs, this.opts.clock.now()));
      }, Math.max(0, at - this.opts.clock.now()));
    };
    schedule(this.opts.clock.now() + this.opts.intervalMs);
  }

  /**
   * A round now, between the regular ones (something happened that should not wait for the
   * next: a surge of new sources). Not while a round is open, nor within `minGapMs` of the
   * last one began: a busy network is polled at most 1000 / minGapMs extra times a second.
   */
  pollSoon(minGapMs = this.opts.intervalMs / 4): boolean {
    if (!this.running || this.roundOpen || this.opts.clock.now() - this.roundStartedAt < minGapMs) return false;
    void this.pollRound();
    return true;
  }

  stop(): void {
    this.running = false;
    this.timers.clearTimeout(this.timer);
  }

  /**
   * Polls every ready switch not still busy with its previous poll and emits the round:
   * the snapshots that finished by the deadline, and any that finished late last time.
   */
  async pollRound(): Promise<PollRound> {
    this.roundStartedAt = this.opts.clock.now();
    this.roundOpen = true;
    const polls = Promise.allSettled([...this.conns.keys()].map((dpid) => this.poll(dpid)));
    let deadline: unknown;
    const timedOut = new Promise<void>((resolve) => {
      deadline = this.timers.setTimeout(resolve, this.opts.roundTimeoutMs ?? this.opts.intervalMs);
    });
    await Promise.race([polls, timedOut]);
    this.timers.clearTimeout(deadline);
    const round: PollRound = { now: this.opts.clock.now(), snapshots: this.pending };
    this.pending = [];
    this.roundOpen = false;
    this.emit('round', round);
    return round;
  }

  /** One switch's poll; its snapshot joins the round that is open when it finishes. */
  async poll(dpid: string): Promise<TrafficSnapshot | undefined> {
    const conn = this.conns.get(dpid);
    const s = this.state.get(dpid);
    if (!conn || !s || s.inFlight || !conn.isReady) return undefined;
    s.inFlight = true;
    const clock = this.opts.clock;
    const started = clock.now();
    try {
      // Flow stats are the bulk of a poll: read straight from the reply bytes (no decoded
      // instructions, one reused entry object) into the counter tracker.
      const flowPoll = s.flows.begin(dpid);
      let flowsReadAt: number | undefined;
      let portsReadAt = 0;
      let metersReadAt = 0;
      const [flowCount, ports, meters] = await Promise.all([
        conn.visitFlowStats(
          { tableId: Table.ALL, outPort: Port.ANY, outGroup: 0xffffffff, cookie: ownerCookie.cookie, cookieMask: ownerCookie.cookieMask, match: {} },
          (entry) => {
            flowsReadAt ??= clock.now();
            flowPoll.add(entry);
          },
        ),
        conn.multipart('port_stats', { portNo: Port.ANY }).then((p) => ((portsReadAt = clock.now()), p)),
        conn.multipart('meter', { meterId: Meter.ALL }).then((m) => ((metersReadAt = clock.now()), m)),
      ]);
      if (this.state.get(dpid) !== s) return undefined; // the switch went away meanwhile
      const now = clock.now();
      flowsReadAt ??= now;
      const since = (last: number, at: number) => (last ? at - last : 0);
      const intervalMs = since(s.flowsReadAt, flowsReadAt);
      const portIntervalMs = since(s.portsReadAt, portsReadAt);
      const meterIntervalMs = since(s.metersReadAt, metersReadAt);
      s.flowsReadAt = flowsReadAt;
      s.portsReadAt = portsReadAt;
      s.metersReadAt = metersReadAt;
      const removed = s.removed;
      s.removed = [];
      const snapshot: TrafficSnapshot = {
        dpid, now, intervalMs, pollMs: now - started,
        flows: flowPoll.finish(removed, intervalMs),
        ports: s.ports.update(dpid, ports, portIntervalMs, (no) => conn.ports.get(no)?.currSpeed ?? 0),
        meters: s.meters.update(dpid, meters, meterIntervalMs),
      };
      const timing = { dpid, at: now, pollMs: snapshot.pollMs, flows: flowCount, ports: ports.length, meters: meters.length };
      this.lastPoll.set(dpid, timing);
      this.opts.logger.debug(timing, 'stats poll');
      this.pending.push(snapshot);
      this.emit('snapshot', snapshot);
      return snapshot;
    } catch (err) {
      this.opts.logger.warn({ dpid, err: (err as Error).message }, 'stats poll failed');
      this.emit('poll_failed', dpid, err as Error);
      return undefined;
    } finally {
      s.inFlight = false;
    }
  }
}
