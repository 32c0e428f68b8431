/**
 * The enforcer: the I/O shell around scope, plan and outbound. It keeps the active
 * decisions and, per switch, what the switch holds (read back on connect, believed after
 * each accepted batch) and the fallbacks that switch needed. `apply` sends every relevant
 * switch the difference; `switchUp` and `reconcileAll` read a switch's guard table and
 * meters and fix whatever differs, so a restarted controller or switch converges on
 * exactly the active decisions.
 */
import type { Clock } from '../clock.js';
import type { Logger } from '../log.js';
import type { MultipartKind, MultipartReplyBodies, MultipartRequestBodies, OfpMessage } from '../openflow/index.js';
import { FlowModCommand, Group, Meter, MeterModCommand, Port } from '../openflow/constants.js';
import { decisionIdOf, ownerCookie, TABLE } from '../../flows/layout.js';
import type { Decision } from '../policy/decision.js';
import { aggregateKey, degrade, type FallbackKind, type MeterFallback } from './fallback.js';
import { EMPTY_HELD, heldFromSwitch, type HeldState } from './held.js';
import { Outbound, type OutboundConnection, type Rejection } from './outbound.js';
import { plan, type PlanResult } from './plan.js';
import { scopeFor, type IngressIndex, type ScopeMode } from './scope.js';
import { isMitigationCookie, whitelistFlows } from './templates.js';

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
  /** Decisions no flow could express, by MitigateError code. */
  invalid: Record<string, number>;
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
  /** The switch could not be reached (closed, barrier timeout). */
  error?: string;
}

export interface ApplyReport {
  switches: SwitchSyncReport[];
  latencyMs: number;
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
  private readonly counters: EnforcerMetrics = {
    flowsInstalled: 0, flowsRemoved: 0, metersInstalled: 0, metersRemoved: 0,
    errors: {}, fallbacks: {}, invalid: {}, applies: 0, reconciles: 0, lastApplyMs: 0,
  };

  /** Throws MitigateError (MITIGATE_BAD_TARGET) for a whitelist entry no flow can match: at start, not mid-sync. */
  private whitelist: readonly string[];

  constructor(private readonly opts: EnforcerOptions) {
    whitelistFlows(opts.whitelist ?? []);
    this.whitelist = opts.whitelist ?? [];
  }

  /**
   * A new whitelist (policy changed at run time): checked like the one at start (throws
   * MITIGATE_BAD_TARGET before anything changes), then every switch is brought in line.
   */
  setWhitelist(cidrs: readonly string[]): Promise<SwitchSyncReport[]> {
    whitelistFlows(cidrs);
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
    return { ...this.counters, errors, fallbacks: { ...this.counters.fallbacks }, invalid: { ...this.counters.invalid } };
  }

  /** The decisions, after fallbacks, that one switch should hold. */
  desiredFor(dpid: string): Decision[] {
    const sw = this.switches.get(dpid);
    const out: Decision[] = [];
    for (const d of this.active.values()) {
      if (!this.scopes.get(d.id)?.dpids.has(dpid)) continue;
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
      for (const sw of this.switches.values()) sw.fallbacks.delete(d.id);
    }
    // A decision changed and then ended within one engine call is listed both ways: ended wins.
    const ended = new Set(result.ended.map((d) => d.id));
    for (const d of result.decisions) {
      if (ended.has(d.id)) continue;
      this.active.set(d.id, d);
      for (const dpid of this.rescope(d)) affected.add(dpid);
    }
    const switches = await Promise.all([...affected].flatMap((dpid) => {
      const sw = this.switches.get(dpid);
      return sw ? [this.enqueue(sw)] : [];
    }));
    this.counters.applies++;
    const latencyMs = this.opts.clock.now() - started;
    this.counters.lastApplyMs = latencyMs;
    return { switches, latencyMs };
  }

  /** A switch connected (or reconnected): read what it holds and fix the difference. */
  async switchUp(conn: EnforcerConnection): Promise<SwitchSyncReport> {
    this.switchDown(conn.dpid);
    const sw: SwitchState = {
      dpid: conn.dpid, conn, outbound: new Outbound(conn, { logger: this.opts.logger, barrierTimeoutMs: this.opts.barrierTimeoutMs }),
      held: EMPTY_HELD, stale: true, fallbacks: new Map(), aggregated: new Set(), queue: Promise.resolve(),
    };
    this.switches.set(conn.dpid, sw);
    sw.maxMeters = await this.meterLimit(conn);
    for (const d of this.active.values()) this.rescope(d);
    this.counters.reconciles++;
    return this.enqueue(sw);
  }

  switchDown(dpid: string): void {
    const sw = this.switches.get(dpid);
    if (!sw) return;
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
    const report: SwitchSyncReport = { dpid: sw.dpid, sent: 0, rejected: [], fallbacks: [] };
    if (sw.conn.closed || this.switches.get(sw.dpid) !== sw) return report;
    try {
      for (let round = 0; round < MAX_ROUNDS; round++) {
        if (sw.stale) {
          sw.held = await this.readHeld(sw);
          sw.stale = false;
        }
        const desired = this.desiredFor(sw.dpid);
        const p = plan(desired, sw.held, { now: this.opts.clock.now(), whitelist: this.whitelist, maxMeters: sw.maxMeters });
        this.recordInvalid(sw, p);
        // Out of meters by our own count: take the fallback before sending anything.
        if (p.outOfMeters.length > 0) {
          for (const d of p.outOfMeters) this.fallBack(sw, d, 'no-meter', report);
          continue;
        }
        if (p.messages.length === 0) return report;
        const out = await sw.outbound.send(p.messages);
        report.sent += out.sent;
        this.count(p.messages, out.rejected);
        if (out.rejected.length === 0 && out.withheld.length === 0) {
          sw.held = p.expected;
          return report;
        }
        report.rejected.push(...out.rejected);
        const planned = new Map(desired.map((d) => [d.id, d]));
        for (const r of out.rejected) this.fallBackFor(sw, r, p, planned, report);
        // Part of the batch failed: what the switch holds now is best learned from it.
        sw.stale = true;
      }
      this.opts.logger.warn({ dpid: sw.dpid, rounds: MAX_ROUNDS }, 'mitigation did not converge: will retry on the next apply');
    } catch (err) {
      sw.stale = true;
      report.error = (err as Error).message;
      this.counters.errors.connection = (this.counters.errors.connection ?? 0) + 1;
      this.opts.logger.warn({ dpid: sw.dpid, err: report.error }, 'could not sync mitigation to the switch');
    }
    return report;
  }

  private recordInvalid(sw: SwitchState, p: PlanResult): void {
    for (const { decision, error } of p.invalid) {
      this.counters.invalid[error.code] = (this.counters.invalid[error.code] ?? 0) + 1;
      this.opts.logger.warn({ dpid: sw.dpid, decisionId: decision.id, code: error.code, err: error.message }, 'decision cannot be expressed as a flow');
      // Marked so that the next plans skip it instead of counting it again.
      sw.fallbacks.set(decision.id, [...(sw.fallbacks.get(decision.id) ?? []), 'rejected']);
    }
  }

  /** `planned`: the decisions as this round planned them (fallbacks already applied). */
  private fallBackFor(sw: SwitchState, r: Rejection, p: PlanResult, planned: ReadonlyMap<number, Decision>, report: SwitchSyncReport): void {
    const m = r.message;
    let decisionId: number | undefined;
    if (m.type === 'flow_mod' && m.command !== FlowModCommand.DELETE && m.command !== FlowModCommand.DELETE_STRICT) decisionId = decisionIdOf(m.cookie);
    else if (m.type === 'meter_mod' && m.command !== MeterModCommand.DELETE) {
      for (const [id, meterId] of p.meters) if (meterId === m.meterId) decisionId = id;
    }
    // Deletes, and whitelist flows (decision 0), have nothing coarser: logged and counted only.
    const failed = decisionId ? planned.get(decisionId) : undefined;
    if (!failed || !this.active.has(failed.id)) return;
    const kind: FallbackKind = r.kind === 'table-full' ? 'aggregate' : r.kind === 'out-of-meters' ? 'no-meter' : 'rejected';
    this.fallBack(sw, failed, kind, report);
  }

  /** `failed`: the decision as it was planned when the switch refused it. */
  private fallBack(sw: SwitchState, failed: Decision, kind: FallbackKind, report: SwitchSyncReport): void {
    const decisionId = failed.id;
    const decision = this.active.get(decisionId)!;
    // Table full: the whole network goes coarse. When what failed was coarse already,
    // there is nothing coarser: stop trying it on this switch.
    const network = kind === 'aggregate' ? aggregateKey(failed) : undefined;
    if (network !== undefined) sw.aggregated.add(network);
    else sw.fallbacks.set(decisionId, [...(sw.fallbacks.get(decisionId) ?? []), kind === 'aggregate' ? 'rejected' : kind]);
    const installed = this.effective(sw, decision);
    const counted = installed || kind === 'rejected' ? kind : 'unplaced';
    this.counters.fallbacks[counted] = (this.counters.fallbacks[counted] ?? 0) + 1;
    report.fallbacks.push({ decisionId, kind });
    this.opts.logger.warn({ dpid: sw.dpid, decisionId, fallback: kind, action: installed?.action, target: installed?.target },
      installed ? 'mitigation degraded to fit the switch' : 'mitigation could not be installed on the switch');
  }

  private count(messages: readonly OfpMessage[], rejected: readonly Rejection[]): void {
    const failed = new Set(rejected.map((r) => r.message));
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
