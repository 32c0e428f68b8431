/**
 * ofguard as a whole: the I/O shell around the pure core. It keeps the sockets (the
 * controller: switches, forwarding, stats), the timers, the store, the logs and the events,
 * and wires them to the core (controller/core), whose decisions the enforcer installs in
 * the switches. Every product rule lives in the core or below it; this file only wires.
 *
 *   poll round ─► Core.round ─► Enforcer.apply
 *   every second: Core.tick (expiries, step-downs) ─► Enforcer.apply
 *   every policy.retention.pruneEveryMs: Store.prune (bounded growth)
 *
 * The optional threat intelligence of detect.blocklists / detect.intel / detect.geo is
 * started here too: netset files are watched and reloaded into the detector, AbuseIPDB
 * answers and geo countries reach it through its IntelSource (never waited for).
 */
import { EventEmitter } from 'node:events';
import { basename, extname, join } from 'node:path';
import type { Clock } from './clock.js';
import type { Logger } from './log.js';
import { Controller, defaultControllerOptions, type ControllerOptions } from './controller.js';
import { DetectionEngine } from './detect/engine.js';
import { parseDetectConfig, type DetectConfig, type DetectConfigInput } from './detect/config.js';
import { GeoDatabase } from './detect/geo.js';
import { AbuseIpdbClient, ThreatIntel } from './detect/intel.js';
import { NetsetWatcher } from './detect/netset-watch.js';
import { sourceText, type Detection } from './detect/detection.js';
import { PolicyEngine, type EngineResult } from './policy/engine.js';
import { parsePolicyConfig, type PolicyConfigInput } from './policy/config.js';
import { openStore, type Store } from './store/store.js';
import { Enforcer } from './mitigate/enforcer.js';
import { MitigateError } from './mitigate/errors.js';
import { assertExpressible, assertWhitelistExpressible } from './mitigate/templates.js';
import type { EnforceCheck } from './policy/enforceable.js';
import type { ScopeMode } from './mitigate/scope.js';
import type { MeterFallback } from './mitigate/fallback.js';
import type { PollRound, TrafficSnapshot } from './stats/snapshot.js';
import { Core } from './core/core.js';
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

/** The detection config as a trace records it: the intel API key is not written to disk. */
function withoutSecrets(detect: DetectConfigInput): DetectConfigInput {
  return detect.intel ? { ...detect, intel: { ...detect.intel, key: '(redacted)' } } : detect;
}

/** One list name per netset file: its basename without extension, made unique. */
function netsetNames(paths: readonly string[]): Array<[name: string, path: string]> {
  const used = new Set<string>();
  return paths.map((path) => {
    const stem = basename(path, extname(path)) || 'netset';
    let name = stem;
    for (let n = 2; used.has(name); n++) name = `${stem}-${n}`;
    used.add(name);
    return [name, path];
  });
}

/** Why `check` (one of the enforcer's) refuses, or undefined when it does not. */
function mitigateProblem(check: () => void): string | undefined {
  try {
    check();
    return undefined;
  } catch (err) {
    if (err instanceof MitigateError) return err.message;
    throw err;
  }
}

/** What the enforcer can express: the policy asks before it stores a change (policy/enforceable.ts). */
const enforceable: EnforceCheck = {
  decision: (d) => mitigateProblem(() => assertExpressible(d)),
  whitelist: (cidrs) => mitigateProblem(() => assertWhitelistExpressible(cidrs)),
};

export class Guard extends EventEmitter<GuardEvents> {
  readonly controller: Controller;
  readonly core: Core;
  readonly detect: DetectionEngine;
  readonly policy: PolicyEngine;
  readonly enforcer: Enforcer;
  readonly store: Store;
  /** The AbuseIPDB-compatible client when detect.intel is set (tests wait on its idle()). */
  readonly intel: AbuseIpdbClient | undefined;
  /** One watcher per detect.blocklists file. */
  readonly netsets: readonly NetsetWatcher[];
  private readonly detectConfig: DetectConfig;
  private lastPruneAt: number;
  private tickTimer?: NodeJS.Timeout;
  private recorder?: TraceRecorder;
  /** Counted for status and metrics. */
  readonly counters = { snapshots: 0, detections: 0, decisions: 0, ended: 0, applyFailures: 0, spoofedFloods: 0, reflectionFloods: 0 };

  constructor(readonly opts: GuardOptions) {
    super();
    const policyConfig = parsePolicyConfig(opts.policy ?? {});
    // Checked before the store opens (a bad detect config or a missing geo database stops
    // start-up with nothing to close); the core sets detection's whitelist once the policy in force is known.
    this.detectConfig = parseDetectConfig(opts.detect ?? {});
    const geo = this.detectConfig.geo ? GeoDatabase.openSync(this.detectConfig.geo.database) : undefined;
    // Opening the store first (it creates the data folder, 0700): a corrupt or unwritable database stops start-up with its path.
    this.store = openStore(join(opts.dataDir, 'ofguard.db'));
    // A policy changed at run time (stored revision) wins over the file's: its whitelist is the one in force.
    this.policy = PolicyEngine.fromStore(policyConfig, opts.clock, this.store, { enforceable });
    // Written by an older version, refused by this one: left out, so the rest starts.
    for (const s of this.policy.skippedOnRestore) opts.logger.warn({ where: s.where, entry: s.entry, problem: s.problem }, 'stored entry skipped at start-up');
    const whitelist = this.policy.config.whitelist;
    const restored = this.policy.restoredRevision;
    if (restored) opts.logger.info({ version: restored.version, changedAt: new Date(restored.at).toISOString(), actor: restored.actor }, 'policy changed at run time (stored version) is in force instead of the config file policy');
    const intelConfig = this.detectConfig.intel;
    this.intel = intelConfig
      ? new AbuseIpdbClient(intelConfig, opts.clock, (ip, err) => opts.logger.warn({ ip, code: err.code, err: err.message }, 'intel lookup failed'))
      : undefined;
    const intel = this.intel || geo ? new ThreatIntel(this.intel, geo, this.detectConfig.geo?.riskyCountries ?? []) : undefined;
    this.detect = new DetectionEngine(this.detectConfig, intel ? { intel } : {});
    this.core = new Core({ detect: this.detect, policy: this.policy, detectWhitelist: this.detectConfig.whitelist });
    this.netsets = netsetNames(this.detectConfig.blocklists).map(
      ([name, path]) =>
        new NetsetWatcher(
          name,
          path,
          (load) => {
            this.detect.setBlocklist(load.name, load.matcher);
            opts.logger.info({ list: load.name, path: load.path, entries: load.matcher.size, invalidLines: load.invalid.length }, 'blocklist loaded');
          },
          // The last good version stays in force: a list being rewritten, or gone, blocks nothing new.
          (err) => opts.logger.warn({ path, code: err.code, err: err.message }, 'blocklist not (re)loaded'),
        ),
    );
    this.lastPruneAt = opts.clock.now();
    this.enforcer = new Enforcer({
      clock: opts.clock, logger: opts.logger, scope: opts.scope ?? 'ingress',
      whitelist, ingress: this.core.ingress,
      ...(opts.meterFallback ? { meterFallback: opts.meterFallback } : {}),
    });
    this.controller = new Controller({ ...defaultControllerOptions, ...opts.controller, clock: opts.clock, logger: opts.logger });
    if (opts.recordPath) this.recorder = TraceRecorder.create(opts.recordPath, { createdAt: opts.clock.now(), config: withoutSecrets(opts.detect ?? {}) });
    this.controller.on('snapshot', (s) => this.onSnapshot(s));
    this.controller.on('round', (r) => this.onRound(r));
    this.controller.on('switch_up', (conn) => {
      void this.enforcer.switchUp(conn).catch((err: Error) => opts.logger.error({ dpid: conn.dpid, err: err.message }, 'reconciliation failed'));
      conn.on('flow_removed', (msg) => void this.enforcer.flowRemoved(conn.dpid, msg.cookie));
    });
    this.controller.on('switch_down', (dpid) => {
      this.enforcer.switchDown(dpid);
      this.core.switchDown(dpid);
    });
    // A whitelist changed through the API reaches the switches at once (and detection, through the core).
    this.policy.onReconfigure((c) => {
      void this.enforcer.setWhitelist(c.whitelist).catch((err: Error) => opts.logger.error({ err: err.message }, 'whitelist flows not updated'));
    });
  }

  get log(): Logger {
    return this.opts.logger;
  }

  async start(): Promise<{ port: number }> {
    // Decisions that were active when the controller stopped are enforced again as soon as
    // each switch connects (reconciliation reads what the switch still holds).
    await this.enforcer.apply({ decisions: this.policy.activeDecisions(), ended: [] });
    const addr = await this.controller.start();
    for (const w of this.netsets) w.start(this.detectConfig.blocklistCheckMs);
    this.prune(this.opts.clock.now());
    this.tickTimer = setInterval(() => this.tick(), this.opts.tickMs ?? 1000);
    this.tickTimer.unref();
    return addr;
  }

  async stop(): Promise<void> {
    clearInterval(this.tickTimer);
    for (const w of this.netsets) w.stop();
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
      this.log.info({ id: d.id, src: sourceText(d.target), action: d.action, level: d.threatLevel, score: d.score, expiresInS: Math.round((d.expiresAt - this.opts.clock.now()) / 1000), reason: d.reason }, 'decision');
    }
    for (const d of result.ended) this.log.info({ id: d.id, src: d.target.src, action: d.action, endReason: d.endReason }, 'decision ended');
    try {
      const report = await this.enforcer.apply(result);
      // The enforcer logs each failed decision and unreachable switch; here the result is counted.
      if (report.failed.length > 0 || report.switches.some((s) => s.error !== undefined)) this.counters.applyFailures++;
    } catch (err) {
      this.counters.applyFailures++;
      this.log.error({ err: (err as Error).message }, 'enforcement failed');
    }
  }

  private onSnapshot(snapshot: TrafficSnapshot): void {
    this.counters.snapshots++;
    this.recorder?.record(snapshot);
    this.emit('snapshot', snapshot);
  }

  private onRound(round: PollRound): void {
    const result = this.core.round(round);
    this.counters.detections += result.detections.length;
    for (const f of result.floods) this.counters[f.kind === 'spoofed' ? 'spoofedFloods' : 'reflectionFloods']++;
    if (result.detections.length) this.emit('detections', result.detections);
    void this.enforce(result);
  }

  private tick(): void {
    const now = this.opts.clock.now();
    void this.enforce(this.core.tick(now));
    if (now - this.lastPruneAt >= this.policy.config.retention.pruneEveryMs) this.prune(now);
  }

  /** Retention (policy.retention): old ended decisions, history and audit entries leave the store. */
  prune(now: number): void {
    this.lastPruneAt = now;
    const r = this.policy.config.retention;
    try {
      const n = this.store.prune({ decisionsBefore: now - r.decisionsMs, historyBefore: now - r.historyMs, auditBefore: now - r.auditMs });
      if (n.hits + n.mitigations + n.decisions + n.audit > 0) this.log.info(n, 'store pruned');
    } catch (err) {
      this.log.error({ err: (err as Error).message, code: (err as { code?: string }).code }, 'store pruning failed');
    }
  }

}
