/**
 * What an operator can do to the policy at run time (admin API, CLI): block a source by
 * hand, unblock it or mark a decision a false positive (the policy learns from both),
 * extend a decision, and replace the policy itself. Each rule is here, whatever surface
 * asks: a whitelisted address cannot be blocked, a blocklisted one cannot be unblocked
 * (it is taken off the blocklist instead), durations are positive and bounded, a block
 * wider than /8 (IPv4) or /16 (IPv6) must be forced, and a block no flow can carry is
 * refused before anything changes.
 */
import type { PolicyContext } from './context.js';
import type { DecisionTarget } from './decision.js';
import { noResult, type EngineResult } from './decision-book.js';
import { blockDuration } from './durations.js';
import { PolicyError } from './errors.js';
import { isBlocklistDecision } from './blocklist.js';
import { cidrText, isWide, sourceCidr, sourceKey, wideMessage } from './address.js';
import { probeDecision } from './enforceable.js';
import { describeScope, floodKey, sourceText, targetOfKey, type PolicyKey } from './keys.js';
import { forgiveReputation } from './reputation.js';
import type { SourceAction } from './response.js';
import { SIGNAL } from '../detect/signals.js';

export interface AdminBlockRequest {
  src: string;
  srcPrefix?: number;
  proto?: number;
  dstPort?: number;
  action?: SourceAction;
  durationMs?: number;
  /** The operator means a target wider than /8 (IPv4) or /16 (IPv6), /0 included. */
  force?: boolean;
  actor: string;
  reason: string;
}

/**
 * A block by hand where a flood enters (`ofguard block --ingress 1:5 --dst 10.0.0.100`):
 * whatever the sources, at that switch port (and sender MAC) toward that victim, for a
 * protocol (TCP connection attempts only unless `allTcp`).
 */
export interface AdminEntryBlockRequest {
  dpid: string;
  inPort: number;
  ethSrc?: string;
  dst: string;
  proto: number;
  /** TCP only: every segment, not just connection attempts. */
  allTcp?: boolean;
  action?: 'rate-limit' | 'drop';
  durationMs?: number;
  actor: string;
  reason: string;
}

/** Which decisions an admin operation is about: one decision, or every one of a source. */
export type DecisionSelector = { id: number } | { src: string; srcPrefix?: number };

export class AdminCommands {
  constructor(private readonly ctx: PolicyContext) {}

  block(req: AdminBlockRequest, now: number): EngineResult {
    const { book, sources, config, batch } = this.ctx;
    if (req.durationMs !== undefined && !(req.durationMs > 0 && Number.isFinite(req.durationMs))) {
      throw new PolicyError('POLICY_BAD_DURATION', `duration must be a positive number of ms, got ${req.durationMs}`);
    }
    const cidr = sourceCidr(req.src, req.srcPrefix);
    const wide = isWide(cidr);
    if (wide && !req.force) throw new PolicyError('POLICY_WIDE_PREFIX', wideMessage(cidr, 'admin API: "force": true, CLI: --force'), 'src');
    const key = cidrText(cidr);
    if (this.ctx.whitelist.covers(req.src, req.srcPrefix)) throw new PolicyError('POLICY_WHITELISTED', `${key} is whitelisted`);
    const action = req.action ?? 'drop';
    const rate = action === 'rate-limit' ? { unit: 'pktps' as const, rate: config.response.rateLimitPps } : undefined;
    const target: DecisionTarget = targetOfKey(key);
    if (req.proto !== undefined) target.proto = req.proto;
    if (req.dstPort !== undefined) target.dstPort = req.dstPort;
    // Checked before anything changes: a refused block leaves no offence, no record, no audit.
    const problem = this.ctx.enforceable.decision(probeDecision(target, action, now, rate));
    if (problem) throw new PolicyError('POLICY_NOT_ENFORCEABLE', `${key}: ${problem}`, 'src');
    const out = noResult();
    const src = sources.record(key, now);
    const offence = ++src.offences;
    batch.touch(src);
    const trust = sources.trust(src, now);
    const existing = book.get(key);
    if (existing) book.end(existing, now, `superseded by admin block (${req.actor})`, 'superseded', out, req.actor);
    const score = src.hits?.carriedScore ?? 0;
    const computed = blockDuration({ level: 'high', score, offence, trust, jitterKey: `${key}#${offence}` }, config.durations).durationMs;
    const decision = book.newDecision({
      target,
      action,
      ...(rate ? { rate } : {}),
      threatLevel: 'high',
      score,
      trust,
      signals: [{ name: SIGNAL.adminBlock, points: 0, detail: req.reason }],
      reason: `admin ${req.actor}: ${req.reason}`,
      origin: 'admin',
      offence,
      durationMs: Math.min(config.durations.maxMs, req.durationMs ?? computed),
      ...(wide ? { forced: true as const } : {}),
    }, now);
    book.activate(key, decision, 'admin-block', now, out, req.actor);
    return out;
  }

  /** A block where a flood enters, by hand: keyed on the entry point like the flood response's own. */
  blockEntry(req: AdminEntryBlockRequest, now: number): EngineResult {
    const { book, config } = this.ctx;
    if (req.durationMs !== undefined && !(req.durationMs > 0 && Number.isFinite(req.durationMs))) {
      throw new PolicyError('POLICY_BAD_DURATION', `duration must be a positive number of ms, got ${req.durationMs}`);
    }
    let dst: string;
    try {
      dst = sourceKey(req.dst);
    } catch (err) {
      if (err instanceof PolicyError) throw new PolicyError(err.code, err.detail, 'dst');
      throw err;
    }
    if (dst.includes('/')) throw new PolicyError('POLICY_BAD_ADDRESS', `the victim must be one address, got ${req.dst}`, 'dst');
    const target: DecisionTarget = {
      src: dst.includes(':') ? '::' : '0.0.0.0', srcPrefix: 0, dst, proto: req.proto, dpid: req.dpid, inPort: req.inPort, flood: 'spoofed',
      ...(req.ethSrc !== undefined ? { ethSrc: req.ethSrc.toLowerCase() } : {}),
      ...(req.proto === 6 && !req.allTcp ? { synOnly: true } : {}),
    };
    const action = req.action ?? 'drop';
    const rate = action === 'rate-limit' ? { unit: 'pktps' as const, rate: config.response.rateLimitPps } : undefined;
    const problem = this.ctx.enforceable.decision(probeDecision(target, action, now, rate));
    if (problem) throw new PolicyError('POLICY_NOT_ENFORCEABLE', `${describeScope(target)}: ${problem}`, 'ingress');
    const key = floodKey(target);
    const out = noResult();
    const existing = book.get(key);
    if (existing) book.end(existing, now, `superseded by admin block (${req.actor})`, 'superseded', out, req.actor);
    const computed = blockDuration({ level: 'high', score: 0, offence: 1, trust: 0.5, jitterKey: `${key}#admin` }, config.durations).durationMs;
    const decision = book.newDecision({
      target, action, ...(rate ? { rate } : {}), threatLevel: 'high', score: 0, trust: 0.5,
      signals: [{ name: SIGNAL.adminBlock, points: 0, detail: req.reason }],
      reason: `admin ${req.actor}: ${req.reason}`, origin: 'admin', offence: 1,
      durationMs: Math.min(config.durations.maxMs, req.durationMs ?? computed),
    }, now);
    book.activate(key, decision, 'admin-block', now, out, req.actor);
    return out;
  }

  /** Admin override: immediate unblock, and the policy learns (trust up, reputation forgiven, thresholds nudged). */
  unblock(selector: DecisionSelector, actor: string, reason: string, now: number): EngineResult {
    return this.release(selector, actor, reason, 'admin-unblock', now);
  }

  /** A confirmed false positive: immediate unblock, reputation boost, weights lowered. */
  markFalsePositive(selector: DecisionSelector, actor: string, now: number): EngineResult {
    return this.release(selector, actor, 'false positive', 'false-positive', now);
  }

  extend(id: number, extraMs: number, actor: string, now: number): EngineResult {
    if (!(extraMs > 0 && Number.isFinite(extraMs))) throw new PolicyError('POLICY_BAD_DURATION', `extension must be a positive number of ms, got ${extraMs}`);
    const entry = this.ctx.book.byId(id);
    const out = noResult();
    const expiresAt = Math.min(now + this.ctx.config.durations.maxMs, entry.decision.expiresAt + extraMs);
    this.ctx.book.update(entry, { ...entry.decision, expiresAt, reason: `${entry.decision.reason}; extended by ${actor}` }, 'extended', now, out, actor);
    return out;
  }

  private release(selector: DecisionSelector, actor: string, reason: string, event: 'admin-unblock' | 'false-positive', now: number): EngineResult {
    const { book, sources, config, batch, learner, thresholds } = this.ctx;
    const out = noResult();
    const key: PolicyKey = 'id' in selector ? book.byId(selector.id).key : sourceKey(selector.src, selector.srcPrefix);
    const entry = book.get(key);
    const src = sources.get(key);
    if (!entry && !src) throw new PolicyError('POLICY_UNKNOWN_DECISION', `no decision or history for ${key}`);
    if (entry && isBlocklistDecision(entry.decision)) {
      const text = sourceText(entry.decision.target);
      throw new PolicyError('POLICY_BLOCKLISTED', `${text} is on the blocklist: take it off the blocklist instead (ofguard blocklist rm ${text})`, 'id' in selector ? 'id' : 'src');
    }
    if (entry) book.end(entry, now, `${reason} (${actor})`, event, out, actor);
    if (src) {
      if (event === 'false-positive') {
        src.falsePositives++;
        learner.learn(src, 'false-positive', now);
      } else src.adminOverrides++;
      if (src.reputation) src.reputation = forgiveReputation(src.reputation, now, config.reputation);
      // The carried score made the block: forgiving it keeps the next hit from re-blocking at once.
      if (src.hits) src.hits = { ...src.hits, carriedScore: 0, credited: {} };
      batch.touch(src);
    }
    // Both count as the policy having been wrong: the adaptive thresholds become more conservative.
    thresholds.policyWasWrong(now);
    return out;
  }
}
