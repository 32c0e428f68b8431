/**
 * Prometheus metrics (prom-client, own registry). Gauges and mirrored counters read the
 * product at scrape time; what only exists as an event (a poll's duration, a detection, a
 * decision) is observed from the Guard's events. Served at GET /metrics without a token,
 * as Prometheus expects: the API binds to 127.0.0.1 by default, so only local scrapers
 * (or a reverse proxy the operator sets up) reach it.
 *
 * Cardinality is bounded: labels are enums (pattern, attack type, action, error code,
 * fallback kind, MitigateError code) except the top-N source gauges, which hold at most
 * TOP_SOURCES series and are rebuilt on every scrape.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Detection } from '../detect/detection.js';
import type { EngineResult } from '../policy/engine.js';
import { decayedScore } from '../policy/reputation.js';
import type { TrafficSnapshot } from '../stats/snapshot.js';
import type { SwitchConnection, SwitchError } from '../switch/connection.js';
import { errorTypeName } from '../openflow/constants.js';
import { MITIGATE_ERROR_CODES } from '../mitigate/errors.js';
import type { ApiGuard } from './guard-view.js';
import { countByAction } from './views.js';
import { alertCountsOf } from '../alerts/alerter.js';

export const TOP_SOURCES = 20;

/** ofguard_top_source_mitigation_level's values: the graduated response as a number. */
const MITIGATION_LEVEL: Record<string, number> = { monitor: 1, 'rate-limit': 2, 'selective-drop': 3, drop: 4 };
const REPUTATION_BANDS = ['0-20', '20-40', '40-60', '60-80', '80-100'];

export interface Metrics {
  readonly registry: Registry;
  /** The exposition text. */
  scrape(): Promise<string>;
  /** Stops listening to the guard's events. */
  close(): void;
}

type Labelled = ReadonlyArray<readonly [Record<string, string>, number]>;

/** A counter that follows a cumulative number kept elsewhere (adds the growth since the last scrape). */
function mirrorCounter(registry: Registry, name: string, help: string, labelNames: string[], read: () => Labelled): void {
  const last = new Map<string, number>();
  new Counter({
    name,
    help,
    labelNames,
    registers: [registry],
    collect() {
      for (const [labels, value] of read()) {
        const key = JSON.stringify(labels);
        const growth = value - (last.get(key) ?? 0);
        if (growth > 0) this.inc(labels, growth);
        last.set(key, value);
      }
    },
  });
}

const byLabel = (label: string, counts: Record<string, number>): Labelled => Object.entries(counts).map(([k, n]) => [{ [label]: k }, n] as const);

/** What the WebSocket event stream reports about itself (EventHub.stats()). */
export interface EventStreamStats {
  clients: number;
  sent: number;
  dropped: number;
}

export function createMetrics(guard: ApiGuard, now: () => number, events?: () => EventStreamStats): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const c = guard.controller;

  new Gauge({
    name: 'ofguard_switches_connected',
    help: 'OpenFlow switches connected and handshaken',
    registers: [registry],
    collect() {
      this.set(c.server.switches.size);
    },
  });
  const pollDuration = new Histogram({
    name: 'ofguard_poll_duration_seconds',
    help: 'Time to collect one switch statistics poll (flows, ports, meters)',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const pollEntries = new Histogram({
    name: 'ofguard_poll_flow_entries',
    help: 'Flow statistics entries in one switch poll',
    buckets: [10, 100, 1_000, 5_000, 10_000, 50_000, 100_000],
    registers: [registry],
  });
  mirrorCounter(registry, 'ofguard_packet_ins_total', 'Packet-ins handled by forwarding', [], () => [[{}, c.forwarding.counters.packetIns]]);
  mirrorCounter(registry, 'ofguard_accounting_installs_total', 'Conversations given accounting flows', [], () => [[{}, c.forwarding.counters.accountingInstalled]]);
  mirrorCounter(registry, 'ofguard_accounting_over_budget_total', 'New conversations left unaccounted because their switch\'s flow-mod budget was spent (a flood of new sources)', [], () => [[{}, c.forwarding.counters.overBudget]]);
  mirrorCounter(registry, 'ofguard_untrusted_flood_verdicts_total', 'Poll rounds that found a destination under a flood without a trustworthy source, by kind', ['kind'], () => [
    [{ kind: 'spoofed' }, guard.counters.spoofedFloods], [{ kind: 'reflection' }, guard.counters.reflectionFloods],
  ]);
  mirrorCounter(registry, 'ofguard_packet_ins_shed_total', 'Packet-ins dropped because the switch was not reading', [], () => [[{}, c.shedPacketIns]]);
  mirrorCounter(registry, 'ofguard_snapshots_total', 'Statistics snapshots analysed', [], () => [[{}, guard.counters.snapshots]]);
  const detections = new Counter({
    name: 'ofguard_detections_total',
    help: 'Detections by traffic pattern and attack type',
    labelNames: ['pattern', 'attack_type'],
    registers: [registry],
  });
  const decisions = new Counter({
    name: 'ofguard_decisions_total',
    help: 'Decisions issued or changed, by action and origin',
    labelNames: ['action', 'origin'],
    registers: [registry],
  });
  const ended = new Counter({
    name: 'ofguard_decisions_ended_total',
    help: 'Decisions ended (expired, lifted, stepped down, superseded, unblocked), by action',
    labelNames: ['action'],
    registers: [registry],
  });
  new Gauge({
    name: 'ofguard_active_mitigations',
    help: 'Decisions in force now, by action',
    labelNames: ['action'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [action, n] of Object.entries(countByAction(guard.policy.activeDecisions()))) this.set({ action }, n);
    },
  });
  mirrorCounter(registry, 'ofguard_enforcer_errors_total', 'Errors switches reported to mitigation messages, by OpenFlow type/code', ['error'], () => byLabel('error', guard.enforcer.metrics().errors));
  mirrorCounter(registry, 'ofguard_enforcer_fallbacks_total', 'Mitigation fallbacks taken (no meter, aggregate, unplaced)', ['kind'], () => byLabel('kind', guard.enforcer.metrics().fallbacks));
  mirrorCounter(registry, 'ofguard_enforcer_apply_failures_total', 'Engine results not fully applied to the switches (a decision failed, or a switch was not reached)', [], () => [[{}, guard.counters.applyFailures]]);
  mirrorCounter(registry, 'ofguard_enforcer_decision_failures_total', 'Decisions marked failed (not installed while every other decision is), by MitigateError code; once per failure, not per sync', ['code'], () =>
    byLabel('code', guard.enforcer.metrics().decisionFailures));
  new Gauge({
    name: 'ofguard_enforcer_failed_decisions',
    help: 'Decisions in force that are not enforced now, by MitigateError code',
    labelNames: ['code'],
    registers: [registry],
    collect() {
      // Every code has a series, 0 included: an alert on "> 0" needs no absent() twin.
      const counts: Record<string, number> = Object.fromEntries(MITIGATE_ERROR_CODES.map((code) => [code, 0]));
      for (const f of guard.enforcer.failedDecisions()) counts[f.code] = (counts[f.code] ?? 0) + 1;
      for (const [code, n] of Object.entries(counts)) this.set({ code }, n);
    },
  });
  mirrorCounter(registry, 'ofguard_flows_installed_total', 'Mitigation flows installed', [], () => [[{}, guard.enforcer.metrics().flowsInstalled]]);
  mirrorCounter(registry, 'ofguard_meters_installed_total', 'Mitigation meters installed', [], () => [[{}, guard.enforcer.metrics().metersInstalled]]);
  if (events) {
    new Gauge({ name: 'ofguard_event_stream_clients', help: 'WebSocket clients following /api/events', registers: [registry], collect() { this.set(events().clients); } });
    mirrorCounter(registry, 'ofguard_event_stream_sent_total', 'Events sent to WebSocket clients', [], () => [[{}, events().sent]]);
    mirrorCounter(registry, 'ofguard_event_stream_dropped_total', 'Events not sent to a slow WebSocket client (its buffer was full)', [], () => [[{}, events().dropped]]);
  }
  mirrorCounter(registry, 'ofguard_alerts_sent_total', 'Alerts delivered to a webhook, by webhook name', ['webhook'], () => alertCountsOf(guard).map((w) => [{ webhook: w.name }, w.sent] as const));
  mirrorCounter(registry, 'ofguard_alerts_failed_total', 'Alerts not delivered, by webhook name and reason (gave-up, rejected, queue-full)', ['webhook', 'reason'], () =>
    alertCountsOf(guard).flatMap((w) => Object.entries(w.failed).map(([reason, n]) => [{ webhook: w.name, reason }, n] as const)));
  new Gauge({
    name: 'ofguard_tracked_sources',
    help: 'Sources tracked one by one by detection',
    registers: [registry],
    collect() {
      this.set(guard.detect.stats().trackedSources);
    },
  });
  const topRate = new Gauge({
    name: 'ofguard_top_source_packet_rate',
    help: `Packet rate (pps, short window) of the ${TOP_SOURCES} busiest sources`,
    labelNames: ['src'],
    registers: [registry],
  });
  new Gauge({
    name: 'ofguard_top_source_reputation',
    help: `Reputation score 0-100 (decayed) of the ${TOP_SOURCES} busiest sources`,
    labelNames: ['src'],
    registers: [registry],
    collect() {
      // Both top-N gauges are rebuilt here, from one ranking: a source that left the top disappears.
      const at = now();
      this.reset();
      topRate.reset();
      const cfg = guard.policy.config.reputation;
      for (const s of guard.detect.topSources(TOP_SOURCES, at)) {
        const rep = guard.policy.source(s.src)?.reputation;
        this.set({ src: s.src }, rep ? decayedScore(rep, at, cfg) : 0);
        topRate.set({ src: s.src }, s.packetRate);
      }
    },
  });

  new Gauge({
    name: 'ofguard_top_source_mitigation_level',
    help: `Mitigation in force on each of the ${TOP_SOURCES} busiest sources: 0 none, 1 monitor, 2 rate-limit, 3 selective-drop, 4 drop`,
    labelNames: ['src'],
    registers: [registry],
    collect() {
      this.reset();
      const level = new Map<string, number>();
      for (const d of guard.policy.activeDecisions()) {
        const key = d.target.srcPrefix === undefined ? d.target.src : `${d.target.src}/${d.target.srcPrefix}`;
        level.set(key, Math.max(level.get(key) ?? 0, MITIGATION_LEVEL[d.action] ?? 0));
      }
      for (const s of guard.detect.topSources(TOP_SOURCES, now())) this.set({ src: s.src }, level.get(s.src) ?? 0);
    },
  });
  new Gauge({
    name: 'ofguard_reputation_sources',
    help: 'Sources the policy keeps a record of, by reputation band (decayed score 0-100)',
    labelNames: ['band'],
    registers: [registry],
    collect() {
      const counts = new Array<number>(REPUTATION_BANDS.length).fill(0);
      const at = now();
      const cfg = guard.policy.config.reputation;
      for (const r of guard.policy.sourceRecords()) {
        const score = r.reputation ? decayedScore(r.reputation, at, cfg) : 0;
        counts[Math.min(REPUTATION_BANDS.length - 1, Math.floor(score / 20))]!++;
      }
      REPUTATION_BANDS.forEach((band, i) => this.set({ band }, counts[i]!));
    },
  });
  const switchPackets = new Counter({ name: 'ofguard_switch_received_packets_total', help: 'Packets the switch received on its ports (port stats)', labelNames: ['dpid'], registers: [registry] });
  const switchBytes = new Counter({ name: 'ofguard_switch_received_bytes_total', help: 'Bytes the switch received on its ports (port stats)', labelNames: ['dpid'], registers: [registry] });
  const openflowErrors = new Counter({ name: 'ofguard_openflow_errors_total', help: 'OpenFlow error messages from switches not answering a pending request, by error type', labelNames: ['type'], registers: [registry] });
  const sqliteWrite = new Histogram({
    name: 'ofguard_sqlite_write_seconds',
    help: 'Time to commit one batch of policy changes to SQLite',
    buckets: [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5],
    registers: [registry],
  });

  const onSnapshot = (s: TrafficSnapshot) => {
    let packets = 0;
    let bytes = 0;
    for (const p of s.ports) {
      packets += p.rxPackets;
      bytes += p.rxBytes;
    }
    if (packets > 0) switchPackets.inc({ dpid: s.dpid }, packets);
    if (bytes > 0) switchBytes.inc({ dpid: s.dpid }, bytes);
    const timing = c.poller.lastPoll.get(s.dpid);
    if (!timing) return;
    pollDuration.observe(timing.pollMs / 1000);
    pollEntries.observe(timing.flows);
  };
  const onSwitchError = (err: SwitchError) => openflowErrors.inc({ type: errorTypeName(err.errorType) });
  const onSwitchUp = (conn: SwitchConnection) => conn.on('switch_error', onSwitchError);
  for (const conn of c.server.switches.values()) onSwitchUp(conn);
  const onCommit = (seconds: number) => sqliteWrite.observe(seconds);
  guard.store.commitListeners.add(onCommit);
  c.on('switch_up', onSwitchUp);
  const onDetections = (list: Detection[]) => {
    for (const d of list) detections.inc({ pattern: d.pattern, attack_type: d.attackType });
  };
  const onDecisions = (r: EngineResult) => {
    for (const d of r.decisions) decisions.inc({ action: d.action, origin: d.origin });
    for (const d of r.ended) ended.inc({ action: d.action });
  };
  guard.on('snapshot', onSnapshot);
  guard.on('detections', onDetections);
  guard.on('decisions', onDecisions);

  return {
    registry,
    scrape: () => registry.metrics(),
    close() {
      c.off('switch_up', onSwitchUp);
      for (const conn of c.server.switches.values()) conn.off('switch_error', onSwitchError);
      guard.store.commitListeners.delete(onCommit);
      guard.off('snapshot', onSnapshot);
      guard.off('detections', onDetections);
      guard.off('decisions', onDecisions);
    },
  };
}
