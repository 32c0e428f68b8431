/**
 * What the API answers, built from the running product as plain JSON data. Pure functions
 * of (guard, now): no I/O, easy to reuse from the dashboard.
 */
import type { Decision, MitigationAction } from '../policy/decision.js';
import type { Enforcer } from '../mitigate/enforcer.js';
import type { DecisionFailure } from '../mitigate/failures.js';
import { decayedScore } from '../policy/reputation.js';
import { describeScope } from '../policy/keys.js';
import type { ApiGuard } from './guard-view.js';

/** Why a decision in force is not enforced (absent while it is, or is on its way to the switches). */
export interface EnforcementView {
  state: 'failed';
  /** MitigateError code: MITIGATE_BAD_TARGET, MITIGATE_BAD_DECISION, MITIGATE_NOT_ENCODABLE, MITIGATE_SWITCH_REJECTED. */
  code: string;
  reason: string;
  /** Switches where it is not installed. */
  dpids: string[];
  /** When it failed (ms). */
  since: number;
  /** When it is tried again (ms); absent when only a change of the decision can help. */
  retryAt?: number;
}

export interface DecisionView extends Decision {
  /** The policy's key of the target: "203.0.113.7", "203.0.113.0/24" or "victim:10.0.0.5". */
  source: string;
  /** What part of the traffic it covers, for people (policy/keys.ts describeScope). */
  scope: string;
  /** Seconds until expiry; 0 once ended or expired. */
  remainingS: number;
  /** Present when the decision is in force but not enforced: one failed decision never stops the others. */
  enforcement?: EnforcementView;
}

/** Who knows whether a decision is enforced (the Guard's enforcer). */
export type EnforcementSource = Pick<Enforcer, 'enforcementOf'>;

function enforcementView(f: DecisionFailure): EnforcementView {
  return { state: f.state, code: f.code, reason: f.reason, dpids: f.dpids, since: f.since, ...(f.retryAt !== undefined ? { retryAt: f.retryAt } : {}) };
}

export function decisionSource(d: Decision): string {
  // A flood's sources are forged or innocent reflectors: it is named by what it is, and its scope says where.
  if (d.target.flood === 'spoofed') return 'spoofed sources';
  if (d.target.flood === 'reflection') return 'reflectors';
  if (d.action === 'throttle-victim' && d.target.dst) return `victim:${d.target.dst}`;
  return d.target.srcPrefix === undefined ? d.target.src : `${d.target.src}/${d.target.srcPrefix}`;
}

export function decisionView(d: Decision, now: number, enforcer?: EnforcementSource): DecisionView {
  const remainingS = d.endedAt === undefined ? Math.max(0, Math.ceil((d.expiresAt - now) / 1000)) : 0;
  const failure = d.endedAt === undefined ? enforcer?.enforcementOf(d.id) : undefined;
  return { ...d, source: decisionSource(d), scope: describeScope(d.target), remainingS, ...(failure ? { enforcement: enforcementView(failure) } : {}) };
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

/** Failed decisions listed in the status answer; the count is always whole. */
export const STATUS_FAILURES = 100;

export function statusView(guard: ApiGuard, startedAt: number, now: number) {
  const active = guard.policy.activeDecisions();
  const failed = guard.enforcer.failedDecisions();
  const switches = [...guard.controller.server.switches.values()];
  return {
    now,
    startedAt,
    uptimeS: Math.floor((now - startedAt) / 1000),
    switches: switches.map((c) => ({ dpid: c.dpid, remote: c.remote, echoRttMs: c.echoRttMs, ports: c.ports.size })),
    poll: { intervalMs: guard.controller.opts.pollIntervalMs, last: [...guard.controller.poller.lastPoll.values()] },
    decisions: {
      active: active.length,
      byAction: countByAction(active),
      /** In force but not enforced (see DecisionView.enforcement), newest first. */
      failed: failed.length,
      failures: failed.slice(0, STATUS_FAILURES).map((f) => ({ id: f.decisionId, ...enforcementView(f) })),
    },
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
    activeDecision: active ? decisionView(active, now, guard.enforcer) : null,
    features: srcPrefix === undefined ? (guard.detect.featuresOf(src, now) ?? null) : null,
    decisions: guard.store.decisionsFor(key, 20).map((d) => decisionView(d, now, guard.enforcer)),
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
