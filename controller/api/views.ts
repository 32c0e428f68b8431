/**
 * What the API answers, built from the running product as plain JSON data. Pure functions
 * of (guard, now): no I/O, easy to reuse from the dashboard.
 */
import type { Decision, MitigationAction } from '../policy/decision.js';
import { decayedScore } from '../policy/reputation.js';
import type { ApiGuard } from './guard-view.js';

export interface DecisionView extends Decision {
  /** The policy's key of the target: "203.0.113.7", "203.0.113.0/24" or "victim:10.0.0.5". */
  source: string;
  /** Seconds until expiry; 0 once ended or expired. */
  remainingS: number;
}

export function decisionSource(d: Decision): string {
  if (d.action === 'throttle-victim' && d.target.dst) return `victim:${d.target.dst}`;
  return d.target.srcPrefix === undefined ? d.target.src : `${d.target.src}/${d.target.srcPrefix}`;
}

export function decisionView(d: Decision, now: number): DecisionView {
  const remainingS = d.endedAt === undefined ? Math.max(0, Math.ceil((d.expiresAt - now) / 1000)) : 0;
  return { ...d, source: decisionSource(d), remainingS };
}

export function switchesView(guard: ApiGuard) {
  const polls = guard.controller.poller.lastPoll;
  return [...guard.controller.server.switches.values()].map((conn) => ({
    dpid: conn.dpid,
    remote: conn.remote,
    connectedAt: conn.connectedAt,
    echoRttMs: conn.echoRttMs,
    tables: conn.features?.nTables ?? null,
    ports: [...conn.ports.values()].map((p) => ({ portNo: p.portNo, name: p.name, hwAddr: p.hwAddr, state: p.state, currSpeedKbps: p.currSpeed })),
    lastPoll: polls.get(conn.dpid) ?? null,
    messagesIn: conn.messagesIn,
    messagesOut: conn.messagesOut,
  }));
}

export function countByAction(decisions: readonly Decision[]): Partial<Record<MitigationAction, number>> {
  const out: Partial<Record<MitigationAction, number>> = {};
  for (const d of decisions) out[d.action] = (out[d.action] ?? 0) + 1;
  return out;
}

export function statusView(guard: ApiGuard, startedAt: number, now: number) {
  const active = guard.policy.activeDecisions();
  const switches = [...guard.controller.server.switches.values()];
  return {
    now,
    startedAt,
    uptimeS: Math.floor((now - startedAt) / 1000),
    switches: switches.map((c) => ({ dpid: c.dpid, remote: c.remote, echoRttMs: c.echoRttMs, ports: c.ports.size })),
    poll: { intervalMs: guard.controller.opts.pollIntervalMs, last: [...guard.controller.poller.lastPoll.values()] },
    decisions: { active: active.length, byAction: countByAction(active) },
    counters: { ...guard.counters },
    detect: guard.detect.stats(),
    forwarding: { ...guard.controller.forwarding.counters, shedPacketIns: guard.controller.shedPacketIns },
    enforcer: guard.enforcer.metrics(),
  };
}

export function reputationView(guard: ApiGuard, key: string, src: string, srcPrefix: number | undefined, now: number) {
  const record = guard.policy.source(src, srcPrefix);
  const active = guard.policy.activeDecisions().find((d) => decisionSource(d) === key);
  return {
    source: key,
    known: record !== undefined,
    trust: srcPrefix === undefined ? guard.policy.trustOf(src, now) : null,
    reputation: record?.reputation ? Math.round(decayedScore(record.reputation, now, guard.policy.config.reputation) * 10) / 10 : 0,
    offences: record?.offences ?? 0,
    falsePositives: record?.falsePositives ?? 0,
    adminOverrides: record?.adminOverrides ?? 0,
    lastSeenAt: record?.lastSeenAt ?? null,
    contributions: record?.contributions ?? [],
    activeDecision: active ? decisionView(active, now) : null,
    features: srcPrefix === undefined ? (guard.detect.featuresOf(src, now) ?? null) : null,
    decisions: guard.store.decisionsFor(key, 20).map((d) => decisionView(d, now)),
    hits: guard.store.hitsFor(key, 20),
    mitigations: guard.store.mitigationsFor(key, 20),
  };
}

export function topView(guard: ApiGuard, limit: number, now: number) {
  const active = new Map(guard.policy.activeDecisions().map((d) => [decisionSource(d), d]));
  const cfg = guard.policy.config.reputation;
  return {
    sources: guard.detect.topSources(limit, now).map((s) => {
      const record = guard.policy.source(s.src);
      return {
        ...s,
        reputation: record?.reputation ? Math.round(decayedScore(record.reputation, now, cfg) * 10) / 10 : 0,
        trust: guard.policy.trustOf(s.src, now),
        action: active.get(s.src)?.action ?? null,
      };
    }),
    destinations: guard.detect.destinations(limit, now),
  };
}
