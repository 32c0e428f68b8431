/**
 * ofguard as a whole: the controller (switches, forwarding, stats) feeding the adaptive
 * core (detection → policy, persisted in SQLite) whose decisions the enforcer installs in
 * the switches. This file only wires; every part it joins is tested on its own.
 *
 *   snapshot ─► DetectionEngine.ingest ─► PolicyEngine.evaluate(evidence) ─► Enforcer.apply
 *   every second: PolicyEngine.tick (expiries, step-downs) ─► Enforcer.apply
 */
import { EventEmitter } from 'node:events';
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import type { Clock } from './clock.js';
import type { Logger } from './log.js';
import { Controller, defaultControllerOptions, type ControllerOptions } from './controller.js';
import { DetectionEngine } from './detect/engine.js';
import type { DetectConfigInput } from './detect/config.js';
import type { Detection } from './detect/detection.js';
import { PolicyEngine, type EngineResult } from './policy/engine.js';
import { parsePolicyConfig, type PolicyConfigInput } from './policy/config.js';
import { blockedRates } from './policy/evidence.js';
import { sourceKey } from './policy/address.js';
import { openStore, type Store } from './store/store.js';
import { Enforcer } from './mitigate/enforcer.js';
import type { ScopeMode } from './mitigate/scope.js';
import type { MeterFallback } from './mitigate/fallback.js';
import type { TrafficSnapshot } from './stats/snapshot.js';
import type { Decision } from './policy/decision.js';
import { TraceRecorder } from './replay/recorder.js';

export interface GuardOptions {
  controller: Partial<Omit<ControllerOptions, 'clock' | 'logger'>>;
  /** State folder: the SQLite database lives here. */
  dataDir: string;
  detect?: DetectConfigInput;
  policy?: PolicyConfigInput;
  scope?: ScopeMode;
  /** What a rate limit becomes on a switch with no meter left. */
  meterFallback?: MeterFallback;
  /** Record every snapshot to this trace file (controller/replay/FORMAT.md). */
  recordPath?: string;
  /** How often the policy reviews expiries and step-downs. */
  tickMs?: number;
  clock: Clock;
  logger: Logger;
}

export interface GuardEvents {
  detections: [Detection[]];
  decisions: [EngineResult];
  snapshot: [TrafficSnapshot];
}

/** How long a source stays in the ingress index after it was last seen entering. */
const INGRESS_TTL_MS = 10 * 60_000;

export class Guard extends EventEmitter<GuardEvents> {
  readonly controller: Controller;
  readonly detect: DetectionEngine;
  readonly policy: PolicyEngine;
  readonly enforcer: Enforcer;
  readonly store: Store;
  /** source key → switches where it was seen entering on an edge port (accounting flows). */
  private readonly ingress = new Map<string, Map<string, number>>();
  private readonly ingressView = new Map<string, Set<string>>();
  private tickTimer?: NodeJS.Timeout;
  private recorder?: TraceRecorder;
  /** Counted for status and metrics. */
  readonly counters = { snapshots: 0, detections: 0, decisions: 0, ended: 0, applyFailures: 0 };

  constructor(readonly opts: GuardOptions) {
    super();
    mkdirSync(opts.dataDir, { recursive: true });
    // Opening the store first: a corrupt or unwritable database stops start-up with its path.
    this.store = openStore(join(opts.dataDir, 'ofguard.db'));
    const policyConfig = parsePolicyConfig(opts.policy ?? {});
    this.policy = PolicyEngine.fromStore(policyConfig, opts.clock, this.store);
    this.detect = new DetectionEngine({ ...(opts.detect ?? {}), whitelist: [...(opts.detect?.whitelist ?? []), ...policyConfig.whitelist] });
    this.enforcer = new Enforcer({
      clock: opts.clock, logger: opts.logger, scope: opts.scope ?? 'ingress',
      whitelist: policyConfig.whitelist, ingress: this.ingressView,
      ...(opts.meterFallback ? { meterFallback: opts.meterFallback } : {}),
    });
    this.controller = new Controller({ ...defaultControllerOptions, ...opts.controller, clock: opts.clock, logger: opts.logger });
    if (opts.recordPath) this.recorder = TraceRecorder.create(opts.recordPath, { createdAt: opts.clock.now(), config: opts.detect ?? {} });
    this.controller.on('snapshot', (s) => this.onSnapshot(s));
    this.controller.on('switch_up', (conn) => {
      void this.enforcer.switchUp(conn).catch((err: Error) => opts.logger.error({ dpid: conn.dpid, err: err.message }, 'reconciliation failed'));
      conn.on('flow_removed', (msg) => void this.enforcer.flowRemoved(conn.dpid, msg.cookie));
    });
    this.controller.on('switch_down', (dpid) => this.enforcer.switchDown(dpid));
  }

  get log(): Logger {
    return this.opts.logger;
  }

  async start(): Promise<{ port: number }> {
    // Decisions that were active when the controller stopped are enforced again as soon as
    // each switch connects (reconciliation reads what the switch still holds).
    await this.enforcer.apply({ decisions: this.policy.activeDecisions(), ended: [] });
    const addr = await this.controller.start();
    this.tickTimer = setInterval(() => this.tick(), this.opts.tickMs ?? 1000);
    this.tickTimer.unref();
    return addr;
  }

  async stop(): Promise<void> {
    clearInterval(this.tickTimer);
    await this.controller.stop();
    this.recorder?.close();
    this.store.close();
  }

  activeDecisions(): Decision[] {
    return this.policy.activeDecisions();
  }

  /** Applies an engine result (from the core or an admin action) to the switches. */
  async enforce(result: EngineResult): Promise<void> {
    if (result.decisions.length === 0 && result.ended.length === 0) return;
    this.counters.decisions += result.decisions.length;
    this.counters.ended += result.ended.length;
    this.emit('decisions', result);
    for (const d of result.decisions) {
      this.log.info({ id: d.id, src: d.target.srcPrefix === undefined ? d.target.src : `${d.target.src}/${d.target.srcPrefix}`, action: d.action, level: d.threatLevel, score: d.score, expiresInS: Math.round((d.expiresAt - this.opts.clock.now()) / 1000), reason: d.reason }, 'decision');
    }
    for (const d of result.ended) this.log.info({ id: d.id, src: d.target.src, action: d.action, endReason: d.endReason }, 'decision ended');
    try {
      await this.enforcer.apply(result);
    } catch (err) {
      this.counters.applyFailures++;
      this.log.error({ err: (err as Error).message }, 'enforcement failed');
    }
  }

  private onSnapshot(snapshot: TrafficSnapshot): void {
    this.counters.snapshots++;
    this.recorder?.record(snapshot);
    this.noteIngress(snapshot);
    const detections = this.detect.ingest(snapshot);
    this.counters.detections += detections.length;
    this.emit('snapshot', snapshot);
    if (detections.length) this.emit('detections', detections);
    const result = this.policy.evaluate(detections, blockedRates([snapshot]), snapshot.now);
    void this.enforce(result);
  }

  private tick(): void {
    void this.enforce(this.policy.tick(this.opts.clock.now()));
  }

  /** Accounting flows exist only at a source's ingress edge: that is where it enters. */
  private noteIngress(snapshot: TrafficSnapshot): void {
    for (const f of snapshot.flows) {
      if (f.kind !== 'accounting' || !f.src || f.packets === 0) continue;
      let key: string;
      try { key = sourceKey(f.src, f.srcPrefix); } catch { continue; }
      let seen = this.ingress.get(key);
      if (!seen) this.ingress.set(key, (seen = new Map()));
      seen.set(snapshot.dpid, snapshot.now);
      let view = this.ingressView.get(key);
      if (!view) this.ingressView.set(key, (view = new Set()));
      view.add(snapshot.dpid);
    }
    if (this.counters.snapshots % 60 === 0) this.forgetIngress(snapshot.now);
  }

  private forgetIngress(now: number): void {
    for (const [key, seen] of this.ingress) {
      for (const [dpid, at] of seen) if (now - at > INGRESS_TTL_MS) { seen.delete(dpid); this.ingressView.get(key)?.delete(dpid); }
      if (seen.size === 0) { this.ingress.delete(key); this.ingressView.delete(key); }
    }
  }
}
