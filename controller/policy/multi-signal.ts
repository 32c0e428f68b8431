/**
 * Multi-signal threat scoring of syn-flood-multisignal-scoring.md, point for point.
 *
 * How the worked examples read (they are golden tests, so the rules are built to give
 * their totals exactly while staying general):
 *
 * - Scores ACCUMULATE within an episode. Ex3 hit 2 is 55 = 15 (hit 1) + 25 + 15, and hit 3
 *   is 130 = 55 + 40 + 25 + 10; Ex4 hit 6 is 95 = 70 + 25. So each hit adds its points to
 *   the score carried from the previous hit of the same episode, and the total is capped.
 * - EVENT signals count on every hit: the base (connections, or packet rate for volumetric
 *   floods) and escalation (rise over the previous hit).
 * - STANDING signals count once per episode, at their highest level: threat intel, geo,
 *   persistence, velocity, coordinated. Ex4 hit 6 gets no second +20 persistence, +15
 *   subnet or +20 velocity, because hit 5 already put them in the carried 70. When a
 *   standing signal moves up a level (persistence 10 → 20) only the difference is added.
 *   Ex3 hit 3 gets "+10 (repeat)" because the 3rd detection is the first to reach 3–4.
 * - An EPISODE ends when the source has been quiet for `episodeGapMs`: the next hit starts
 *   again from 0 (carried score, credited standing signals, previous connection count).
 *   Persistence still counts every detection inside `persistenceWindowMs`, so a source
 *   that comes back is "persistent" straight away. That is Ex4 hit 5: its 4 earlier hits
 *   lie in an earlier episode, so it scores 70 from scratch with +20 persistence.
 * - VELOCITY is attack detections per hour and per 5 minutes. For a source in a subnet-wide
 *   attack (a botnet) the caller may pass the subnet's counts; the larger of the source's
 *   and the subnet's counts is used. Ex4's "high velocity" (+20, 10–19/hour) with only 5
 *   hits of its own is the /24's velocity. The hourly tiers (+20 for 10–19, +30 for 20+)
 *   take the highest that applies; rapid fire (+15 for 10+ in 5 minutes) is a separate
 *   signal that ADDS to the hourly tier: a burst is information beyond the hourly volume
 *   (10 in 5 minutes therefore scores 20 + 15 = 35).
 * - Volumetric UDP/ICMP floods score their base on packet rate with configurable buckets
 *   (`packetRateBuckets`) on the same 15/25/40 ladder; escalation keeps using new flows per
 *   second (`connections`), which is what rises when a flood ramps up.
 * - Threat intel comes with the first detection and is cached in the history for later
 *   ones; a known-good service is skipped entirely (score 0, outcome SKIPPED). A local
 *   blocklist listing of an attacking source is a standing intel signal (+30).
 * - Brute force scores its base on attempts per minute against the port's own threshold
 *   (`bruteForceBuckets`: 1×, 3×, 10× → 15/25/40), not on connections per second: 30 SSH
 *   logins a minute are a threat at 0.5 conn/s.
 */
import { SIGNAL } from '../detect/signals.js';
import type { Detection, IntelInfo, Signal } from '../detect/detection.js';
import { bucketPoints, type MultiSignalConfig } from './config.js';

const HOUR_MS = 3_600_000;

export type MultiSignalOutcome =
  /** known-good service: not scored */
  | 'SKIPPED'
  /** nothing scored */
  | 'NONE'
  /** Ex1: monitored, not blocked */
  | 'MONITOR'
  /** Ex2: high threat, blocked if it persists */
  | 'HIGH_THREAT'
  /** Ex4 hit 6 */
  | 'AUTO_BLOCK'
  /** Ex3 hit 3 */
  | 'INSTANT_BLOCK';

/** Per-source hit history: plain data, passed in and returned, stored as JSON. */
export interface HitHistory {
  /** Detection times inside the retention window, oldest first, bounded in length. */
  hitTimes: number[];
  lastHitAt: number;
  episodeStartedAt: number;
  /** Connections of the previous hit in this episode (escalation). */
  lastConnections: number;
  /** Score of the previous hit in this episode (already capped). */
  carriedScore: number;
  /** Standing-signal points already counted this episode, by signal name. */
  credited: Record<string, number>;
  /** Some hit of this episode showed a threat of its own (base, escalation or intel points). */
  threatening?: boolean;
  intel?: IntelInfo;
}

/** Detection counts of the source's subnet, for a subnet-wide attack. */
export interface PeerVelocity {
  lastHour: number;
  rapidWindow: number;
}

export interface MultiSignalResult {
  /** 0..cap. */
  score: number;
  /** Sum of the signals before the cap. */
  rawScore: number;
  /** Every contribution, the carried score included: they sum to rawScore. */
  signals: Signal[];
  outcome: MultiSignalOutcome;
  /** Detections of this source inside the persistence window, this one included. */
  detections: number;
  /** The history to keep; unchanged (possibly undefined) when the hit was SKIPPED. */
  history: HitHistory | undefined;
}

function isVolumetric(d: Detection): boolean {
  return d.attackType === 'udp-flood' || d.attackType === 'icmp-flood';
}

function countSince(times: readonly number[], since: number): number {
  let n = 0;
  for (let i = times.length - 1; i >= 0 && times[i]! > since; i--) n++;
  return n;
}

/** The longest run of timestamps any rule needs: older ones can never change a score. */
function retainedHits(cfg: MultiSignalConfig): number {
  let n = cfg.rapidFireCount;
  for (const b of cfg.persistenceBuckets) n = Math.max(n, b.min);
  for (const b of cfg.velocityHourBuckets) n = Math.max(n, b.min);
  return Math.ceil(n);
}

export function outcomeFor(score: number, cfg: MultiSignalConfig): MultiSignalOutcome {
  if (score >= cfg.instantBlockAt) return 'INSTANT_BLOCK';
  if (score >= cfg.autoBlockAt) return 'AUTO_BLOCK';
  if (score >= cfg.highThreatAt) return 'HIGH_THREAT';
  return score > 0 ? 'MONITOR' : 'NONE';
}

/**
 * Scores one detection ("hit") of a source against its history. Pure: the new history is
 * returned, the one passed in is not modified.
 */
export function scoreHit(
  previous: HitHistory | undefined,
  d: Detection,
  now: number,
  cfg: MultiSignalConfig,
  peers?: PeerVelocity,
): MultiSignalResult {
  const intel = d.intel ?? previous?.intel;
  if (intel?.knownGood) {
    return {
      score: 0,
      rawScore: 0,
      signals: [{ name: SIGNAL.intelKnownGood, points: 0, detail: 'whitelisted by a known-good service list' }],
      outcome: 'SKIPPED',
      detections: 0,
      history: previous,
    };
  }

  const newEpisode = !previous || now - previous.lastHitAt > cfg.episodeGapMs;
  const retention = Math.max(cfg.persistenceWindowMs, HOUR_MS, cfg.rapidFireWindowMs);
  const keep = retainedHits(cfg);
  const hitTimes: number[] = [];
  if (previous) {
    for (const t of previous.hitTimes) if (t > now - retention && t <= now) hitTimes.push(t);
  }
  hitTimes.push(now);
  if (hitTimes.length > keep) hitTimes.splice(0, hitTimes.length - keep);

  const credited: Record<string, number> = newEpisode ? {} : { ...previous!.credited };
  const carried = newEpisode ? 0 : previous!.carriedScore;
  const signals: Signal[] = [];
  let raw = 0;
  const add = (name: string, points: number, detail: string): void => {
    signals.push({ name, points, detail });
    raw += points;
  };
  /** A standing signal adds only what it has not already added this episode. */
  const stand = (name: string, level: number, detail: string): void => {
    const before = credited[name] ?? 0;
    if (level > before) {
      add(name, level - before, before > 0 ? `${detail} (was +${before})` : detail);
      credited[name] = level;
    }
  };

  if (carried > 0) add(SIGNAL.historyCarried, carried, `score of the previous hit in this episode`);

  // §2 base
  const bf = d.attackType === 'brute-force' ? d.bruteForce : undefined;
  if (bf && bf.threshold > 0) {
    const p = bucketPoints(cfg.bruteForceBuckets, bf.attemptsPerMinute / bf.threshold);
    if (p > 0) add(SIGNAL.baseAttempts, p, `${Math.round(bf.attemptsPerMinute)} attempts/min to port ${d.dstPort ?? '?'} (threshold ${bf.threshold})`);
  } else if (isVolumetric(d)) {
    const p = bucketPoints(cfg.packetRateBuckets, d.packetRate);
    if (p > 0) add(SIGNAL.basePacketRate, p, `${Math.round(d.packetRate)} pkt/s ${d.attackType}`);
  } else {
    const p = bucketPoints(cfg.connectionBuckets, d.connections);
    if (p > 0) add(SIGNAL.baseConnections, p, `${Math.round(d.connections)} conn/s`);
  }

  // §4 escalation, within the episode only
  if (!newEpisode) {
    const rise = d.connections - previous!.lastConnections;
    const p = bucketPoints(cfg.escalationBuckets, rise);
    if (p > 0) {
      add(SIGNAL.escalation, p, `${Math.round(previous!.lastConnections)} → ${Math.round(d.connections)} conn/s (+${Math.round(rise)})`);
    }
  }

  // §1 threat intelligence (standing)
  const abuse = intel?.abuseConfidence;
  if (abuse !== undefined) {
    const p = abuse >= cfg.abuseHighMin ? cfg.abuseHighPoints : abuse >= cfg.abuseMediumMin ? cfg.abuseMediumPoints : 0;
    if (p > 0) stand(SIGNAL.intelAbuseIpdb, p, `AbuseIPDB confidence ${abuse}%`);
  }
  if (intel?.highRiskCountry) stand(SIGNAL.intelGeo, cfg.geoHighRiskPoints, `high-risk country ${intel.country ?? '?'}`);
  // A listed source that attacks (a listed source that only looks benign is flagged, not scored).
  const lists = d.attackType === 'benign' ? [] : (d.netsets ?? []);
  if (lists.length > 0) stand(SIGNAL.intelNetset, cfg.blocklistPoints, `listed in ${lists.join(', ')}`);

  // Persistence, velocity and coordination amplify a threat; they are not one. A hit with
  // no volume, escalation, bad intel or blocklist listing of its own (a busy but ordinary client, which the
  // detector may still report at low severity every interval) gets none of them, unless an
  // earlier hit of this episode was threatening. Every worked example of the seed has a
  // base on the hit that gets them, so this changes none of them.
  const threatening = (!newEpisode && previous!.threatening === true) || raw - carried > 0;
  // §3 persistence (standing)
  const detections = countSince(hitTimes, now - cfg.persistenceWindowMs);
  const persistence = bucketPoints(cfg.persistenceBuckets, detections);
  if (threatening && persistence > 0) stand(SIGNAL.persistence, persistence, `${detections} detections`);

  // §5 velocity (standing)
  let perHour = countSince(hitTimes, now - HOUR_MS);
  let rapid = countSince(hitTimes, now - cfg.rapidFireWindowMs);
  let whose = 'source';
  if (d.subnetAttack && peers && (peers.lastHour > perHour || peers.rapidWindow > rapid)) {
    perHour = Math.max(perHour, peers.lastHour);
    rapid = Math.max(rapid, peers.rapidWindow);
    whose = 'subnet';
  }
  const hourly = bucketPoints(cfg.velocityHourBuckets, perHour);
  if (threatening && hourly > 0) stand(SIGNAL.velocityHourly, hourly, `${perHour} attacks/hour (${whose})`);
  if (threatening && rapid >= cfg.rapidFireCount) {
    stand(SIGNAL.velocityRapidFire, cfg.rapidFirePoints, `${rapid} attacks in ${cfg.rapidFireWindowMs / 60_000} min (${whose})`);
  }

  // §6 coordinated (standing)
  const vectors = new Set(d.vectors);
  if (d.attackType !== 'benign') vectors.add(d.attackType);
  vectors.delete('benign');
  if (threatening && vectors.size > 1) stand(SIGNAL.coordinatedVectors, cfg.multiVectorPoints, [...vectors].sort().join('+'));
  if (threatening && d.subnetAttack) stand(SIGNAL.coordinatedSubnet, cfg.subnetPoints, 'subnet-wide attack');
  if (threatening && d.regularTiming) stand(SIGNAL.coordinatedTiming, cfg.timingPoints, 'regular timing (automated)');

  const score = Math.min(cfg.cap, raw);
  const history: HitHistory = {
    hitTimes,
    lastHitAt: now,
    episodeStartedAt: newEpisode ? now : previous!.episodeStartedAt,
    lastConnections: d.connections,
    carriedScore: score,
    credited,
    threatening,
    ...(intel ? { intel } : {}),
  };
  return { score, rawScore: raw, signals, outcome: outcomeFor(score, cfg), detections, history };
}
