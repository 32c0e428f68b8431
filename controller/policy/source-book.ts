/**
 * The source book: what the policy remembers of each source (reputation, hit history,
 * offences, false positives, overrides) and of each subnet's recent detections (subnet
 * velocity). Records of sources that never offended are forgotten once idle; offenders
 * and sources the policy was wrong about are kept (their trust depends on it).
 */
import type { PolicyConfig } from './config.js';
import type { PolicyKey } from './keys.js';
import type { PeerVelocity } from './multi-signal.js';
import { decayedScore } from './reputation.js';
import type { SourceRecord } from './state.js';
import { subnetKey } from './address.js';
import { trustLevel, type TrustLevel } from './trust.js';

const HOUR_MS = 3_600_000;
/** Subnet detections kept per subnet: more than any velocity rule counts. */
const SUBNET_HITS_KEPT = 64;

export class SourceBook {
  private readonly records = new Map<PolicyKey, SourceRecord>();
  private readonly subnetHits = new Map<string, number[]>();

  constructor(private readonly config: () => PolicyConfig) {}

  load(records: readonly SourceRecord[]): void {
    for (const s of records) this.records.set(s.key, s);
  }

  get(key: PolicyKey): SourceRecord | undefined {
    return this.records.get(key);
  }

  /** The record of `key`, created on first sight. */
  record(key: PolicyKey, now: number): SourceRecord {
    let s = this.records.get(key);
    if (!s) {
      s = { key, contributions: [], offences: 0, falsePositives: 0, adminOverrides: 0, lastSeenAt: now };
      this.records.set(key, s);
    }
    return s;
  }

  values(): IterableIterator<SourceRecord> {
    return this.records.values();
  }

  /** Trust from the decayed reputation and the history (adaptive-blocking.md trust levels). */
  trust(s: SourceRecord, now: number): TrustLevel {
    const cfg = this.config();
    const rep = s.reputation ? decayedScore(s.reputation, now, cfg.reputation) : 0;
    return trustLevel(rep, s, cfg.trust);
  }

  /** Trust of a source the book may not know: neutral history when it does not. */
  trustOfKey(key: PolicyKey, now: number): TrustLevel {
    const s = this.records.get(key);
    return s ? this.trust(s, now) : trustLevel(0, { offences: 0, falsePositives: 0, adminOverrides: 0 }, this.config().trust);
  }

  /** One more detection in `src`'s subnet: its counts over the last hour and the rapid-fire window. */
  subnetVelocity(src: string, now: number): PeerVelocity {
    const key = subnetKey(src);
    const times = (this.subnetHits.get(key) ?? []).filter((t) => t > now - HOUR_MS);
    times.push(now);
    if (times.length > SUBNET_HITS_KEPT) times.splice(0, times.length - SUBNET_HITS_KEPT);
    this.subnetHits.set(key, times);
    const since = now - this.config().multiSignal.rapidFireWindowMs;
    let rapid = 0;
    for (const t of times) if (t > since) rapid++;
    return { lastHour: times.length, rapidWindow: rapid };
  }

  /** Forgets idle sources that never offended and have no decision, and quiet subnets. */
  forgetIdle(now: number, hasDecision: (key: PolicyKey) => boolean): void {
    const idle = now - this.config().engine.forgetIdleSourceMs;
    for (const [key, s] of this.records) {
      if (s.lastSeenAt < idle && s.offences === 0 && s.falsePositives === 0 && s.adminOverrides === 0 && !hasDecision(key)) {
        this.records.delete(key);
      }
    }
    for (const [key, times] of this.subnetHits) if (times[times.length - 1]! <= now - HOUR_MS) this.subnetHits.delete(key);
  }
}
