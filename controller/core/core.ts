/**
 * The pure core, driven a poll round at a time (in the spirit of Faucet's ValvesManager):
 * every switch's snapshot of one round goes in with the round's time, detections and
 * decisions come out as data. No sockets, no timers, no store calls of its own (the policy
 * engine mirrors its changes into the store it was given). The running product (Guard),
 * `ofguard replay`, the benchmarks and the tests drive this same object, so a replay shows
 * exactly what the product would have done.
 *
 *   round(snapshots of one round) ─► ingress index, evidence, link load (over the whole round)
 *                                 ─► DetectionEngine.ingest per snapshot
 *                                 ─► untrusted floods, coordinated groups (over the round)
 *                                 ─► PolicyEngine.evaluate once ─► decisions
 *   tick(now)                     ─► PolicyEngine.tick (expiries, step-downs) ─► decisions
 *
 * What it owns, each in its own module: where sources enter (core/ingress.ts), what the
 * blocks stopped across the switches (policy/evidence.ts), the network's link load
 * (policy/load.ts), and the detection whitelist, which is the detection config's own
 * whitelist together with the policy's (kept in step when the policy changes).
 */
import { sourceText, type Detection } from '../detect/detection.js';
import type { DetectionEngine } from '../detect/engine.js';
import type { UntrustedFlood } from '../detect/destination-view.js';
import type { Decision } from '../policy/decision.js';
import type { EngineResult, PolicyEngine } from '../policy/engine.js';
import { EvidenceBook } from '../policy/evidence.js';
import { NetworkLoad, busiestPortLoad } from '../policy/load.js';
import type { IngressIndex as IngressView } from '../mitigate/scope.js';
import type { PollRound } from '../stats/snapshot.js';
import { IngressIndex } from './ingress.js';

/** A switch's link load counts for this long after its last snapshot. */
const LOAD_MAX_AGE_MS = 10_000;

export interface CoreOptions {
  detect: DetectionEngine;
  policy: PolicyEngine;
  /** The detection config's own whitelist; the policy's whitelist is added to it. */
  detectWhitelist?: readonly string[];
}

export interface RoundResult extends EngineResult {
  detections: Detection[];
  floods: UntrustedFlood[];
}

export class Core {
  readonly detect: DetectionEngine;
  readonly policy: PolicyEngine;
  private readonly ingressIndex = new IngressIndex();
  private readonly evidence = new EvidenceBook();
  private readonly load = new NetworkLoad(LOAD_MAX_AGE_MS);
  private readonly detectWhitelist: readonly string[];

  constructor(opts: CoreOptions) {
    this.detect = opts.detect;
    this.policy = opts.policy;
    this.detectWhitelist = opts.detectWhitelist ?? [];
    this.syncWhitelist();
    this.policy.onReconfigure(() => this.syncWhitelist());
  }

  /** Where each source enters the network, for the enforcer's scoping. */
  get ingress(): IngressView {
    return this.ingressIndex.view;
  }

  /** What detection never evaluates: the detection config's whitelist and the policy's. */
  detectionWhitelist(): string[] {
    return [...this.detectWhitelist, ...this.policy.config.whitelist];
  }

  /** One poll round: every switch's snapshot, evidence and load taken over all of them. */
  round(round: PollRound): RoundResult {
    const defaultKbps = this.policy.config.thresholds.defaultLinkMbps * 1000;
    const detections: Detection[] = [];
    for (const snapshot of round.snapshots) {
      this.ingressIndex.note(snapshot);
      this.evidence.record(snapshot);
      if (snapshot.ports.length > 0) this.load.update(snapshot.dpid, busiestPortLoad(snapshot.ports, defaultKbps), snapshot.now);
      for (const d of this.detect.ingest(snapshot)) {
        if (d.dpid !== undefined && this.ingressIndex.seenElsewhere(sourceText(d), d.dpid, d.inPort)) d.addressSeenElsewhere = true;
        detections.push(d);
      }
    }
    // Floods of forged or reflected sources are judged over the whole round; the forged
    // sources themselves are nobody to hold to account (no record, no decision).
    const floods = this.detect.untrustedFloods(round.now);
    // (Also before any verdict: a swarm of one-shot newcomers is no one to answer for.)
    const accountable = detections.filter((d) => !this.detect.isForgedSource(d));
    // Sources that began together against one service, on any switch, are one attack.
    this.detect.coordinate(accountable, round.now);
    const result = this.policy.evaluate(accountable, this.evidence.rates(round.now), round.now, { load: this.load.current(round.now), floods });
    return { detections: accountable, floods, ...result };
  }

  /** Expiries, evidence-based extension or step-down, early unblock, network recovery. */
  tick(now: number): EngineResult {
    return this.policy.tick(now);
  }

  /** A switch left: what it stopped no longer counts as evidence. */
  switchDown(dpid: string): void {
    this.evidence.forget(dpid);
  }

  activeDecisions(): Decision[] {
    return this.policy.activeDecisions();
  }

  private syncWhitelist(): void {
    this.detect.setWhitelist(this.detectionWhitelist());
  }
}
