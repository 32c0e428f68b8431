/**
 * The enforcer: the I/O shell around scope, plan and outbound. It keeps the active
 * decisions and, per switch, what the switch holds (read back on connect, believed after
 * each accepted batch) and the fallbacks that switch needed. `apply` sends every relevant
 * switch the difference; `switchUp` and `reconcileAll` read a switch's guard table and
 * meters and fix whatever differs, so a restarted controller or switch converges on
 * exactly the active decisions.
 *
 * Enforcement is isolated per decision: one that cannot become flows (checked once per
 * version, see assertExpressible), whose message the codec refuses, or that a switch
 * rejects (an OpenFlow error traced to it by xid) with no fallback left, is marked failed
 * with its reason (failures.ts), counted and logged once, and left out of the next plans
 * while every other decision is installed. It is tried again when it changes, when the
 * switch reconnects, or after a bounded backoff (a timer per switch).
 */
import { systemTimers, type Clock, type Timers } from '../clock.js';
import type { Logger } from '../log.js';
import type { MultipartKind, MultipartReplyBodies, MultipartRequestBodies, OfpMessage } from '../openflow/index.js';
import { FlowModCommand, Group, Meter, MeterModCommand, Port } from '../openflow/constants.js';
import { decisionIdOf, ownerCookie, TABLE } from '../../flows/layout.js';
import type { Decision } from '../policy/decision.js';
import { MitigateError } from './errors.js';
import { aggregateKey, degrade, type FallbackKind, type MeterFallback } from './fallback.js';
import { FailureBook, type DecisionFailure, type FailureCause } from './failures.js';
import { EMPTY_HELD, heldFromSwitch, type HeldState } from './held.js';
import { Outbound, type OutboundConnection, type OutboundResult, type Rejection } from './outbound.js';
import { plan, type PlanResult } from './plan.js';
import { scopeFor, type IngressIndex, type ScopeMode } from './scope.js';
import { assertExpressible, assertWhitelistExpressible, isMitigationCookie } from './templates.js';

/** What the enforcer needs of a switch connection (SwitchConnection has it). */
export interface EnforcerConnection extends OutboundConnection {
  readonly closed: boolean;
  multipart<K extends MultipartKind>(mpType: K, body: MultipartRequestBodies[K]): Promise<MultipartReplyBodies[K]>;
}

export interface EnforcerOptions {
  clock: Clock;
  logger: Logger;
  /** Where decisions go: the ingress edge (default) or every switch. */
  scope?: ScopeMode;
  /** Networks that get allow flows above every drop. */
  whitelist?: readonly string[];
  /** What a rate limit becomes on a switch with no meter left (default selective-drop). */
  meterFallback?: MeterFallback;
  /** Where each source was seen entering on an edge port; the caller keeps it current. */
  ingress?: IngressIndex;
  barrierTimeoutMs?: number;
  /** For the retries of decisions a switch refused (default: real timers). */
  timers?: Timers;
}

export interface EnforcerMetrics {
  flowsInstalled: number;
  flowsRemoved: number;
  metersInstalled: number;
  metersRemoved: number;
  /** Switch errors by "type/code", expected ones included. */
  errors: Record<string, number>;
  /** Fallbacks taken by kind; "unplaced" when even the fallback could not be installed. */
  fallbacks: Record<string, number>;
  /** Decisions marked failed, by MitigateError code: each failure once (again only when its reason changes). */
  decisionFailures: Record<string, number>;
  applies: number;
  reconciles: number;
  /** Wall time of the last apply, all switches answered (ms, injected clock). */
  lastApplyMs: number;
}

export interface SwitchSyncReport {
  dpid: string;
  /** Messages written (retries included). */
  sent: number;
  rejected: Rejection[];
  fallbacks: { decisionId: number; kind: FallbackKind }[];
  /** Decisions that failed on this switch in this sync. */
  failed: ({ decisionId: number } & FailureCause)[];
  /** The switch could not be reached (closed, barrier timeout). */
  error?: string;
}

export interface ApplyReport {
  switches: SwitchSyncReport[];
  latencyMs: number;
  /** Decisions of this result that are not enforced everywhere they should be. */
  failed: DecisionFailure[];
}

interface SwitchState {
  dpid: string;
  conn: EnforcerConnection;
  outbound: Outbound;
  held: HeldState;
  /** The held state is not trustworthy (a failed exchange): read it before the next plan. */
  stale: boolean;
  maxMeters?: number;
  fallbacks: Map<number, FallbackKind[]>;
  /** Networks (/24, /64) whose per-source flows no longer fit this switch: blocked as one. */
  aggregated: Set<string>;
  queue: Promise<unknown>;
  /** The timer that syncs this switch when its next failed decision is due for a retry. */
  retry?: { at: number; handle: unknown };
}

/** Plan/send rounds per sync: the first try, then fallbacks (no meter, then aggregate). */
const MAX_ROUNDS = 4;

export class Enforcer {
  private readonly active = new Map<number, Decision>();
  /**
   * Switches each decision was scoped to, kept as a union: once blocked, a source's
   * traffic no longer reaches accounting, so the ingress index forgets where it entered;
   * the block must not move or vanish because of that.
   */
  private readonly scopes = new Map<number, { dpids: Set<string>; everywhere: boolean }>();
  private readonly switches = new Map<string, SwitchState>();
  private readonly failures = new FailureBook();
  private readonly timers: Timers;
  private readonly counters: EnforcerMetrics = {
    flowsInstalled: 0, flowsRemoved: 0, metersInstalled: 0, metersRemoved: 0,
    errors: {}, fallbacks: {}, decisionFailures: {}, applies: 0, reconciles: 0, lastApplyMs: 0,
  };

  /** Throws MitigateError for a whitelist entry no flow can match or carry: at start, not mid-sync. */
  private whitelist: readonly string[];

  constructor(private readonly opts: EnforcerOptions) {
    assertWhitelistExpressible(opts.whitelist ?? []);
    this.whitelist = opts.whitelist ?? [];
    this.timers = opts.timers ?? systemTimers;
  }

  /**
   * A new whitelist (policy changed at run time): checked like the one at start (throws
   * MitigateError before anything changes), then every switch is brought in line.
   */
  setWhitelist(cidrs: readonly string[]): Promise<SwitchSyncReport[]> {
    assertWhitelistExpressible(cidrs);
    this.whitelist = [...cidrs];
    return this.refresh();
  }

  /** The decisions being enforced. */
  activeDecisions(): Decision[] {
    return [...this.active.values()];
  }

  metrics(): EnforcerMetrics {
    const errors: Record<string, number> = { ...this.counters.errors };
    for (const sw of this.switches.values()) {
      for (const [name, n] of sw.outbound.errorCounts) errors[name] = (errors[name] ?? 0) + n;
    }
    return { ...this.counters, errors, fallbacks: { ...this.counters.fallbacks }, decisionFailures: { ...this.counters.decisionFailures } };
  }

  /** Why an active decision is not enforced, if it is not (undefined: installed, or on its way). */
  enforcementOf(decisionId: number): DecisionFailure | undefined {
    const f = this.failures.get(decisionId);
    // Failed everywhere: on every switch it is meant for.
    return f?.everywhere ? { ...f, dpids: [...(this.scopes.get(decisionId)?.dpids ?? [])].sort() } : f;
  }

  /** Every active decision that is not enforced, newest first. */
  failedDecisions(): DecisionFailure[] {
    return this.failures.all().map((f) => this.enforcementOf(f.decisionId)!).sort((a, b) => b.decisionId - a.decisionId);
  }

  /** The decisions, after fallbacks, that one switch should hold (failed ones left out until their retry). */
  desiredFor(dpid: string): Decision[] {
    const sw = this.switches.get(dpid);
    const now = this.opts.clock.now();
    const out: Decision[] = [];
    for (const d of this.active.values()) {
      if (!this.scopes.get(d.id)?.dpids.has(dpid)) continue;
      if (this.failures.held(d.id, dpid, now)) continue;
      const effective = sw ? this.effective(sw, d) : d;
      if (effective) out.push(effective);
    }
    return out;
  }

  /** The decision as this switch can hold it, after its fallbacks; undefined when it cannot. */
  private effective(sw: SwitchState, d: Decision): Decision | undefined {
    const kinds: FallbackKind[] = [...(sw.fallbacks.get(d.id) ?? [])];
    if (sw.aggregated.size > 0) {
      const key = aggregateKey(d);
      if (key !== undefined && sw.aggregated.has(key)) kinds.push('aggregate');
    }
    return kinds.length > 0 ? degrade(d, kinds, this.opts.meterFallback ?? 'selective-drop') : d;
  }

  /** Takes the policy engine's output and brings every switch concerned up to date. */
  async apply(result: { decisions: readonly Decision[]; ended: readonly Decision[] }): Promise<ApplyReport> {
    const started = this.opts.clock.now();
    const affected = new Set<string>();
    for (const d of result.ended) {
      for (const dpid of this.scopes.get(d.id)?.dpids ?? []) affected.add(dpid);
      this.active.delete(d.id);
      this.scopes.delete(d.id);
      this.failures.forget(d.id);
      for (const sw of this.switches.values()) sw.fallbacks.delete(d.id);
    }
    // A decision changed and then ended within one engine call is listed both ways: ended wins.
    const ended = new Set(result.ended.map((d) => d.id));
    for (const d of result.decisions) {
      if (ended.has(d.id)) continue;
      const previous = this.active.get(d.id);
      this.active.set(d.id, d);
      for (const dpid of this.rescope(d)) affected.add(dpid);
      // A decision the engine sends again unchanged is not news: its failure stands.
      if (!previous || JSON.stringify(previous) !== JSON.stringify(d)) this.check(d);
    }
    const switches = await Promise.all([...affected].flatMap((dpid) => {
      const sw = this.switches.get(dpid);
      return sw ? [this.enqueue(sw)] : [];
    }));
    this.counters.applies++;
    const latencyMs = this.opts.clock.now() - started;
    this.counters.lastApplyMs = latencyMs;
    const failed = result.decisions.flatMap((d) => this.enforcementOf(d.id) ?? []);
    return { switches, latencyMs, failed };
  }

  /** A switch connected (or reconnected): read what it holds and fix the difference. */
  async switchUp(conn: EnforcerConnection): Promise<SwitchSyncReport> {
    this.switchDown(conn.dpid);
    const sw: SwitchState = {
      dpid: conn.dpid, conn, outbound: new Outbound(conn, { logger: this.opts.logger, barrierTimeoutMs: this.opts.barrierTimeoutMs }),
      held: EMPTY_HELD, stale: true, fallbacks: new Map(), aggregated: new Set(), queue: Promise.resolve(),
    };
    this.switches.set(conn.dpid, sw);
    // Another connection may be another switch, or the same one restarted: what it refused is tried again.
    this.failures.retryNow(this.opts.clock.now(), { dpid: conn.dpid });
    sw.maxMeters = await this.meterLimit(conn);
    for (const d of this.active.values()) this.rescope(d);
    this.counters.reconciles++;
    return this.enqueue(sw);
  }

  switchDown(dpid: string): void {
    const sw = this.switches.get(dpid);
    if (!sw) return;
    if (sw.retry) this.timers.clearTimeout(sw.retry.handle);
    sw.outbound.close();
    for (const [name, n] of sw.outbound.errorCounts) this.counters.errors[name] = (this.counters.errors[name] ?? 0) + n;
    this.switches.delete(dpid);
  }

  /**
   * A flow of ours left the switch. Normally its decision ended first and this is the
   * switch catching up; if the decision is still active (a timeout ran out early, someone
   * deleted it by hand), the switch is read back and the flow put back.
   */
  async flowRemoved(dpid: string, cookie: bigint): Promise<SwitchSyncReport | undefined> {
    const sw = this.switches.get(dpid);
    if (!sw || !isMitigationCookie(cookie)) return undefined;
    const id = decisionIdOf(cookie);
    if (id !== 0 && !this.active.has(id)) return undefined;
    sw.stale = true;
    return this.enqueue(sw);
  }

  /** After a controller restart (decisions restored from the store): reconcile every switch. */
  async reconcileAll(): Promise<SwitchSyncReport[]> {
    for (const d of this.active.values()) this.rescope(d);
    this.counters.reconciles++;
    return Promise.all([...this.switches.values()].map((sw) => {
      sw.stale = true;
      return this.enqueue(sw);
    }));
  }

  /**
   * Re-plans every switch from what it is believed to hold: renews flows whose 65535 s
   * hard timeout runs out before their decision, and extends scopes to switches where a
   * source has newly been seen. Call it every few minutes.
   */
  async refresh(): Promise<SwitchSyncReport[]> {
    for (const d of this.active.values()) this.rescope(d);
    return Promise.all([...this.switches.values()].map((sw) => this.enqueue(sw)));
  }

  private rescope(d: Decision): Set<string> {
    let entry = this.scopes.get(d.id);
    if (!entry) this.scopes.set(d.id, (entry = { dpids: new Set(), everywhere: false }));
    const scope = scopeFor(d, { mode: this.opts.scope ?? 'ingress', switches: this.switches.keys(), ingress: this.opts.ingress });
    // Knowing nowhere is not news once a decision is placed at its ingress: keep it there.
    if (scope.basis === 'everywhere' && entry.dpids.size > 0 && !entry.everywhere) return entry.dpids;
    if (scope.basis === 'everywhere') entry.everywhere = true;
    for (const dpid of scope.dpids) entry.dpids.add(dpid);
    return entry.dpids;
  }

  /** Syncs of one switch run one after another, so each plans from the last one's result. */
  private enqueue(sw: SwitchState): Promise<SwitchSyncReport> {
    const run = sw.queue.then(() => this.sync(sw));
    sw.queue = run.catch(() => undefined);
    return run;
  }

  private async meterLimit(conn: EnforcerConnection): Promise<number | undefined> {
    try {
      // 0 is a switch without meters: every rate limit takes the meter fallback.
      return (await conn.multipart('meter_features', null)).maxMeter;
    } catch (err) {
      this.opts.logger.warn({ dpid: conn.dpid, err: (err as Error).message }, 'meter features unavailable: assuming no meter limit');
      return undefined;
    }
  }

  private async readHeld(sw: SwitchState): Promise<HeldState> {
    const [flows, meters] = await Promise.all([
      sw.conn.multipart('flow', {
        tableId: TABLE.guard, outPort: Port.ANY, outGroup: Group.ANY, cookie: ownerCookie.cookie, cookieMask: ownerCookie.cookieMask, match: {},
      }),
      sw.conn.multipart('meter_config', { meterId: Meter.ALL }),
    ]);
    return heldFromSwitch(flows, meters, this.opts.clock.now());
  }

  private async sync(sw: SwitchState): Promise<SwitchSyncReport> {
    const report: SwitchSyncReport = { dpid: sw.dpid, sent: 0, rejected: [], fallbacks: [], failed: [] };
    if (sw.conn.closed || this.switches.get(sw.dpid) !== sw) return report;
    // Decisions due for a retry start again from the decision as asked.
    const retrying = this.failures.due(sw.dpid, this.opts.clock.now());
    for (const id of retrying) sw.fallbacks.delete(id);
    try {
      for (let round = 0; round < MAX_ROUNDS; round++) {
        if (sw.stale) {
          sw.held = await this.readHeld(sw);
          sw.stale = false;
        }
        const desired = this.desiredFor(sw.dpid);
        const p = plan(desired, sw.held, { now: this.opts.clock.now(), whitelist: this.whitelist, maxMeters: sw.maxMeters });
        // A fallback this switch needed that no flow can express: failed here, the rest goes on.
        for (const { decision, error } of p.invalid) this.failed(decision.id, error, sw.dpid, report);
        // Out of meters by our own count: take the fallback before sending anything.
        if (p.outOfMeters.length > 0) {
          for (const d of p.outOfMeters) this.fallBack(sw, d, 'no-meter', 'no meter left on the switch', report);
          continue;
        }
        if (p.messages.length > 0) {
          const out = await sw.outbound.send(p.messages);
          report.sent += out.sent;
          this.count(p.messages, out);
          if (out.rejected.length > 0 || out.withheld.length > 0 || out.unencodable.length > 0) {
            this.setApart(sw, p, desired, out, report);
            // Part of the batch failed: what the switch holds now is best learned from it.
            sw.stale = true;
            continue;
          }
          sw.held = p.expected;
        }
        this.settled(sw, retrying, desired, report);
        return report;
      }
      this.opts.logger.warn({ dpid: sw.dpid, rounds: MAX_ROUNDS }, 'mitigation did not converge: will retry on the next apply');
    } catch (err) {
      sw.stale = true;
      report.error = (err as Error).message;
      this.counters.errors.connection = (this.counters.errors.connection ?? 0) + 1;
      this.opts.logger.warn({ dpid: sw.dpid, err: report.error }, 'could not sync mitigation to the switch');
    } finally {
      this.scheduleRetry(sw);
    }
    return report;
  }

  /**
   * Every rejected or unencodable message of a batch, traced to its decision: a fallback
   * when one fits (table full, out of meters), else the decision is failed on this switch.
   * Deletes and whitelist flows (decision 0) have no decision to fail: counted and logged.
   */
  private setApart(sw: SwitchState, p: PlanResult, desired: readonly Decision[], out: OutboundResult, report: SwitchSyncReport): void {
    report.rejected.push(...out.rejected);
    // The decisions as this round planned them (fallbacks already applied).
    const planned = new Map(desired.map((d) => [d.id, d]));
    const decisionOf = (m: OfpMessage): Decision | undefined => {
      let id: number | undefined;
      if (m.type === 'flow_mod' && m.command !== FlowModCommand.DELETE && m.command !== FlowModCommand.DELETE_STRICT) id = decisionIdOf(m.cookie);
      else if (m.type === 'meter_mod' && m.command !== MeterModCommand.DELETE) {
        for (const [decisionId, meterId] of p.meters) if (meterId === m.meterId) id = decisionId;
      }
      const d = id ? planned.get(id) : undefined;
      return d && this.active.has(d.id) ? d : undefined;
    };
    for (const r of out.rejected) {
      const d = decisionOf(r.message);
      if (!d) continue;
      if (r.kind === 'table-full') this.fallBack(sw, d, 'aggregate', r.error, report);
      else if (r.kind === 'out-of-meters') this.fallBack(sw, d, 'no-meter', r.error, report);
      else this.failed(d.id, new MitigateError('MITIGATE_SWITCH_REJECTED', `the switch refused its ${r.message.type}: ${r.error}`), sw.dpid, report);
    }
    for (const u of out.unencodable) {
      const d = decisionOf(u.message);
      if (d) this.failed(d.id, new MitigateError('MITIGATE_NOT_ENCODABLE', `its ${u.message.type}: ${u.error}`), sw.dpid, report);
    }
  }

  /** `failed`: the decision as it was planned when the switch could not take it. */
  private fallBack(sw: SwitchState, failed: Decision, kind: FallbackKind, cause: string, report: SwitchSyncReport): void {
    const decisionId = failed.id;
    const decision = this.active.get(decisionId)!;
    // Table full: the whole network goes coarse. When what failed was coarse already,
    // there is nothing coarser: the decision fails on this switch (and is tried again later).
    const network = kind === 'aggregate' ? aggregateKey(failed) : undefined;
    if (kind === 'aggregate' && network === undefined) {
      this.failed(decisionId, new MitigateError('MITIGATE_SWITCH_REJECTED', `${cause}, and no coarser flow is left`), sw.dpid, report);
      return;
    }
    if (network !== undefined) sw.aggregated.add(network);
    else sw.fallbacks.set(decisionId, [...(sw.fallbacks.get(decisionId) ?? []), kind]);
    const installed = this.effective(sw, decision);
    const counted = installed ? kind : 'unplaced';
    this.counters.fallbacks[counted] = (this.counters.fallbacks[counted] ?? 0) + 1;
    report.fallbacks.push({ decisionId, kind });
    if (!installed) {
      this.failed(decisionId, new MitigateError('MITIGATE_SWITCH_REJECTED', `${cause}, and a ${decision.action} has no fallback`), sw.dpid, report);
      return;
    }
    this.opts.logger.warn({ dpid: sw.dpid, decisionId, fallback: kind, cause, action: installed.action, target: installed.target }, 'mitigation degraded to fit the switch');
  }

  /** A new version of a decision: can it become flows at all? Any error is this decision's alone. */
  private check(d: Decision): void {
    try {
      assertExpressible(d);
    } catch (err) {
      const error = err instanceof MitigateError ? err : new MitigateError('MITIGATE_BAD_DECISION', `decision ${d.id} cannot be read: ${(err as Error).message}`);
      this.failed(d.id, error, undefined);
      return;
    }
    if (this.failures.expressible(d.id)) this.recovered(d.id);
    // Changed: whatever a switch refused of the old version is tried again.
    this.failures.retryNow(this.opts.clock.now(), { decisionId: d.id });
  }

  /** Marks a decision failed, everywhere (`dpid` undefined) or on one switch; logs and counts news only. */
  private failed(decisionId: number, error: MitigateError, dpid: string | undefined, report?: SwitchSyncReport): void {
    const cause: FailureCause = { code: error.code, reason: error.detail };
    report?.failed.push({ decisionId, ...cause });
    if (!this.failures.fail(decisionId, cause, dpid, this.opts.clock.now())) return;
    this.counters.decisionFailures[cause.code] = (this.counters.decisionFailures[cause.code] ?? 0) + 1;
    const d = this.active.get(decisionId);
    const about = { decisionId, code: cause.code, reason: cause.reason, action: d?.action, src: d?.target.src };
    if (dpid === undefined) this.opts.logger.warn(about, 'decision cannot become flows: not enforced (every other decision is)');
    else this.opts.logger.warn({ ...about, dpid, retryAt: this.failures.get(decisionId)?.retryAt }, 'decision not installed on this switch: tried again later (every other decision is installed)');
  }

  private recovered(decisionId: number, dpid?: string): void {
    this.opts.logger.info({ decisionId, ...(dpid ? { dpid } : {}) }, 'decision no longer failed');
  }

  /** The sync converged: decisions retried in it that the switch now holds are no longer failed there. */
  private settled(sw: SwitchState, retrying: readonly number[], desired: readonly Decision[], report: SwitchSyncReport): void {
    if (retrying.length === 0) return;
    const placed = new Set(desired.map((d) => d.id));
    for (const f of report.failed) placed.delete(f.decisionId);
    for (const id of retrying) if (placed.has(id) && this.failures.installed(id, sw.dpid)) this.recovered(id, sw.dpid);
  }

  /** One timer per switch, set for the next failed decision due for a retry there. */
  private scheduleRetry(sw: SwitchState): void {
    if (this.switches.get(sw.dpid) !== sw) return;
    const now = this.opts.clock.now();
    // Retries already due wait for the next sync, whatever starts it: no timer spins on them.
    const at = this.failures.nextRetry(sw.dpid, now);
    if (at === sw.retry?.at) return;
    if (sw.retry) this.timers.clearTimeout(sw.retry.handle);
    sw.retry = undefined;
    if (at === undefined) return;
    const handle = this.timers.setTimeout(() => {
      sw.retry = undefined;
      if (this.switches.get(sw.dpid) === sw) void this.enqueue(sw);
    }, at - now);
    sw.retry = { at, handle };
  }

  private count(messages: readonly OfpMessage[], out: OutboundResult): void {
    const failed = new Set<OfpMessage>([...out.rejected.map((r) => r.message), ...out.unencodable.map((u) => u.message), ...out.withheld]);
    for (const m of messages) {
      if (failed.has(m)) continue;
      if (m.type === 'flow_mod') {
        if (m.command === FlowModCommand.DELETE_STRICT || m.command === FlowModCommand.DELETE) this.counters.flowsRemoved++;
        else this.counters.flowsInstalled++;
      } else if (m.type === 'meter_mod') {
        if (m.command === MeterModCommand.DELETE) this.counters.metersRemoved++;
        else if (m.command === MeterModCommand.ADD) this.counters.metersInstalled++;
      }
    }
  }
}
