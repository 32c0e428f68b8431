/**
 * ofguard as a whole: the controller (switches, forwarding, stats) feeding the adaptive
 * core (detection → policy, persisted in SQLite) whose decisions the enforcer installs in
 * the switches. This file only wires; every part it joins is tested on its own.
 *
 *   snapshot ─► DetectionEngine.ingest ─► PolicyEngine.evaluate(evidence, link load) ─► Enforcer.apply
 *   every second: PolicyEngine.tick (expiries, step-downs) ─► Enforcer.apply
 *   every policy.retention.pruneEveryMs: Store.prune (bounded growth)
 *
 * The optional threat intelligence of detect.blocklists / detect.intel / detect.geo is
 * started here too: netset files are watched and reloaded into the detector, AbuseIPDB
 * answers and geo countries reach it through its IntelSource (never waited for).
 */
import { EventEmitter } from 'node:events';
import { basename, extname, join } from 'node:path';
import { mkdirSync } from 'node:fs';
import type { Clock } from './clock.js';
import type { Logger } from './log.js';
import { Controller, defaultControllerOptions, type ControllerOptions } from './controller.js';
import { DetectionEngine } from './detect/engine.js';
import { parseDetectConfig, type DetectConfig, type DetectConfigInput } from './detect/config.js';
import { GeoDatabase } from './detect/geo.js';
import { AbuseIpdbClient, ThreatIntel } from './detect/intel.js';
import { NetsetWatcher } from './detect/netset-watch.js';
import { NetworkLoad, busiestPortLoad } from './policy/load.js';
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
/** A switch's link load counts for this long after its last snapshot. */
const LOAD_MAX_AGE_MS = 10_000;

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

export class Guard extends EventEmitter<GuardEvents> {
  readonly controller: Controller;
  readonly detect: DetectionEngine;
  readonly policy: PolicyEngine;
  readonly enforcer: Enforcer;
  readonly store: Store;
  /** The AbuseIPDB-compatible client when detect.intel is set (tests wait on its idle()). */
  readonly intel: AbuseIpdbClient | undefined;
  /** One watcher per detect.blocklists file. */
  readonly netsets: readonly NetsetWatcher[];
  private readonly detectConfig: DetectConfig;
  private readonly load = new NetworkLoad(LOAD_MAX_AGE_MS);
  private lastPruneAt: number;
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
    const policyConfig = parsePolicyConfig(opts.policy ?? {});
    // Checked before the store opens (a bad detect config or a missing geo database stops
    // start-up with nothing to close); the whitelist is set again once the policy in force is known.
    this.detectConfig = parseDetectConfig({ ...(opts.detect ?? {}), whitelist: [...(opts.detect?.whitelist ?? []), ...policyConfig.whitelist] });
    const geo = this.detectConfig.geo ? GeoDatabase.openSync(this.detectConfig.geo.database) : undefined;
    // Opening the store first: a corrupt or unwritable database stops start-up with its path.
    this.store = openStore(join(opts.dataDir, 'ofguard.db'));
    // A policy changed at run time (stored revision) wins over the file's: its whitelist is the one in force.
    this.policy = PolicyEngine.fromStore(policyConfig, opts.clock, this.store);
    const whitelist = this.policy.config.whitelist;
    const restored = this.policy.restoredRevision;
    if (restored) opts.logger.info({ version: restored.version, changedAt: new Date(restored.at).toISOString(), actor: restored.actor }, 'policy changed at run time (stored version) is in force instead of the config file policy');
    const intelConfig = this.detectConfig.intel;
    this.intel = intelConfig
      ? new AbuseIpdbClient(intelConfig, opts.clock, (ip, err) => opts.logger.warn({ ip, code: err.code, err: err.message }, 'intel lookup failed'))
      : undefined;
    const intel = this.intel || geo ? new ThreatIntel(this.intel, geo, this.detectConfig.geo?.riskyCountries ?? []) : undefined;
    this.detect = new DetectionEngine(this.detectConfig, intel ? { intel } : {});
    this.detect.setWhitelist([...(opts.detect?.whitelist ?? []), ...whitelist]);
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
      whitelist, ingress: this.ingressView,
      ...(opts.meterFallback ? { meterFallback: opts.meterFallback } : {}),
    });
    this.controller = new Controller({ ...defaultControllerOptions, ...opts.controller, clock: opts.clock, logger: opts.logger });
    if (opts.recordPath) this.recorder = TraceRecorder.create(opts.recordPath, { createdAt: opts.clock.now(), config: withoutSecrets(opts.detect ?? {}) });
    this.controller.on('snapshot', (s) => this.onSnapshot(s));
    this.controller.on('switch_up', (conn) => {
      void this.enforcer.switchUp(conn).catch((err: Error) => opts.logger.error({ dpid: conn.dpid, err: err.message }, 'reconciliation failed'));
      conn.on('flow_removed', (msg) => void this.enforcer.flowRemoved(conn.dpid, msg.cookie));
    });
    this.controller.on('switch_down', (dpid) => this.enforcer.switchDown(dpid));
    // A whitelist changed through the API reaches detection and the switches at once.
    this.policy.onReconfigure((c) => {
      this.detect.setWhitelist([...(opts.detect?.whitelist ?? []), ...c.whitelist]);
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
    const result = this.policy.evaluate(detections, blockedRates([snapshot]), snapshot.now, { load: this.linkLoad(snapshot) });
    void this.enforce(result);
  }

  /** The busiest link's load, this switch's ports updated (congestion lowers the thresholds). */
  private linkLoad(snapshot: TrafficSnapshot): number {
    if (snapshot.ports.length > 0) {
      const ports = this.controller.server.switches.get(snapshot.dpid)?.ports;
      const defaultKbps = this.policy.config.thresholds.defaultLinkMbps * 1000;
      this.load.update(snapshot.dpid, busiestPortLoad(snapshot.ports, (no) => ports?.get(no)?.currSpeed, defaultKbps), snapshot.now);
    }
    return this.load.current(snapshot.now);
  }

  private tick(): void {
    const now = this.opts.clock.now();
    void this.enforce(this.policy.tick(now));
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
