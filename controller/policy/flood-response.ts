/**
 * Floods without a trustworthy source (detect/destination-view.ts), answered where they
 * enter the network, never by the addresses they forge: per entry point (switch, port,
 * and the sender's MAC when legitimate hosts share the port) toward the victim, for the
 * flood's protocol only — connection attempts only for TCP, the reflector's source port
 * only for reflection. Graduated like the others:
 *
 *   first verdict      a flood of medium severity or more (1 000 pkt/s and up) is dropped at
 *                      once where it enters (ip-pattern-flagging.md: many→single is "rarely
 *                      legitimate", severity escalates at once, and no legitimate
 *                      conversation enters there for a meter to spare); a low one gets a
 *                      strict meter first (floods.meterPps); reflection is always dropped:
 *                      answers nobody asked for
 *   still flooding     through the meter for floods.sustainedMs → dropped there
 *   shared entry       legitimate clients enter at the same port and MAC (an uplink): a
 *                      meter on the victim's connection attempts from there, sized from its
 *                      usual rate of newcomers, so clients still connect; never a drop
 *
 * Durations, evidence-based review at expiry and step-downs are the lifecycle's, as for a
 * source; the key is the entry point (keys.ts floodKey), so a forged address is never
 * blocked, scored or remembered.
 */
import type { UntrustedFlood, FloodEntry } from '../detect/destination-view.js';
import type { Signal } from '../detect/detection.js';
import type { PolicyContext } from './context.js';
import type { DecisionTarget, MeterRate, MitigationAction } from './decision.js';
import type { EngineResult } from './decision-book.js';
import { blockDuration } from './durations.js';
import { floodKey, type PolicyKey } from './keys.js';
import { maxSeverity, severityRank } from './threat.js';

const FLOOD_ACTOR = 'policy';

/** What a flood's decision says; the rest (trust, offence, duration) is the response's. */
interface FloodDecisionSpec {
  target: DecisionTarget;
  action: MitigationAction;
  rate?: MeterRate;
  threatLevel: UntrustedFlood['severity'];
  score: number;
  signals: Signal[];
  reason: string;
}
/** Floods are nobody's: their entry points carry neutral trust. */
const FLOOD_TRUST = 0.5;

function floodTarget(f: UntrustedFlood, e: FloodEntry): DecisionTarget {
  const t: DecisionTarget = { src: f.dst.includes(':') ? '::' : '0.0.0.0', srcPrefix: 0, dst: f.dst, proto: f.proto, dpid: e.dpid, flood: f.kind };
  if (e.inPort !== undefined) t.inPort = e.inPort;
  // Other hosts legitimately behind this port: only the flood's own MAC is matched.
  if (e.portShared && !e.sharedWithLegitimate && e.ethSrc !== undefined) t.ethSrc = e.ethSrc;
  if (f.kind === 'spoofed' && f.proto === 6) t.synOnly = true;
  if (f.kind === 'reflection' && f.srcPort !== undefined) t.srcPort = f.srcPort;
  return t;
}

export class FloodResponse {
  constructor(private readonly ctx: PolicyContext) {}

  respond(floods: readonly UntrustedFlood[], now: number, out: EngineResult): void {
    for (const f of floods) for (const e of f.entries) this.atEntry(f, e, now, out);
  }

  /** Meters that have held a flood back for floods.sustainedMs become drops at their entry point. */
  escalate(now: number, out: EngineResult): void {
    const { book, config } = this.ctx;
    for (const entry of book.entries()) {
      const d = entry.decision;
      if (!d.target.flood || d.action !== 'rate-limit' || d.target.shared) continue;
      if (now - d.createdAt < config.floods.sustainedMs || entry.blockedPps < config.unblock.attackPps) continue;
      this.issue(entry.key, {
        target: d.target, action: 'drop', threatLevel: d.threatLevel, score: d.score, signals: d.signals,
        reason: `still flooding through its meter (${Math.round(entry.blockedPps)} pkt/s): dropped at its entry point`,
      }, now, out);
    }
  }

  private atEntry(f: UntrustedFlood, e: FloodEntry, now: number, out: EngineResult): void {
    const { book, config } = this.ctx;
    const target = floodTarget(f, e);
    const key = floodKey(target);
    const current = book.get(key)?.decision;
    const signals: Signal[] = f.signals;
    const what = f.kind === 'spoofed' ? `forged sources → ${f.dst}` : `reflection from port ${f.srcPort} → ${f.dst}`;
    let action: MitigationAction;
    let rate: MeterRate | undefined;
    let reason: string;
    if (e.sharedWithLegitimate) {
      target.shared = true;
      action = 'rate-limit';
      rate = { unit: 'pktps', rate: Math.max(config.floods.sharedMeterFloorPps, config.floods.sharedMeterFactor * f.usualNewSourcesPerSec) };
      reason = `shared entry: ${what}; legitimate clients enter here too, so their connection attempts are metered, not dropped`;
    } else if (f.kind === 'reflection') {
      // Answers nobody asked for carry nothing the victim wants: no meter stage to spare them.
      action = 'drop';
      reason = `${what}: answers ${f.dst} never asked for, dropped where they enter`;
    } else if (severityRank(f.severity) >= severityRank('medium') || current?.action === 'drop') {
      action = 'drop';
      reason = `${what}: ${f.severity} flood dropped where it enters`;
    } else {
      action = 'rate-limit';
      rate = { unit: 'pktps', rate: config.floods.meterPps };
      reason = `${what}: metered where it enters, dropped if it goes on`;
    }
    if (current && current.action === action) {
      const level = maxSeverity(f.severity, current.threatLevel);
      const left = current.expiresAt - now;
      const full = this.durationMs(key, level, Math.max(f.score, current.score));
      if (severityRank(f.severity) <= severityRank(current.threatLevel) && left >= full / 2) return;
      book.update(book.get(key)!, { ...current, threatLevel: level, signals, expiresAt: Math.max(current.expiresAt, now + full) }, 'extended', now, out, FLOOD_ACTOR);
      return;
    }
    this.issue(key, { target, action, ...(rate ? { rate } : {}), threatLevel: f.severity, score: f.score, signals, reason }, now, out);
  }

  private issue(key: PolicyKey, spec: FloodDecisionSpec, now: number, out: EngineResult): void {
    const { book, sources, batch } = this.ctx;
    const entry = book.get(key);
    const record = sources.record(key, now);
    const offence = entry && entry.decision.action !== 'monitor' ? entry.decision.offence : ++record.offences;
    record.lastSeenAt = now;
    batch.touch(record);
    if (entry) book.end(entry, now, `escalated to ${spec.action}`, 'superseded', out, FLOOD_ACTOR);
    const decision = book.newDecision({ ...spec, trust: FLOOD_TRUST, origin: 'auto', offence, durationMs: this.durationMs(key, spec.threatLevel, spec.score, offence) }, now);
    book.activate(key, decision, entry ? 'escalated' : 'started', now, out, FLOOD_ACTOR, { sawTraffic: entry?.sawTraffic ?? false, ...(entry ? { peakPps: entry.peakPps } : {}) });
  }

  private durationMs(key: PolicyKey, level: UntrustedFlood['severity'], score: number, offence = 1): number {
    return blockDuration({ level, score, offence: Math.max(1, offence), trust: FLOOD_TRUST, jitterKey: `${key}#${offence}` }, this.ctx.config.durations).durationMs;
  }
}
