/**
 * Every number the policy uses, in one zod schema with the seed documents' values as
 * defaults. `parsePolicyConfig({})` gives the product brief; operators override any leaf.
 * The parsed object is frozen: runtime state lives in the engine, never in the config.
 */
import { deepFreeze } from '../freeze.js';
import { z } from 'zod';
import { isWellFormed, NOT_WELL_FORMED } from '../unicode.js';
import { cidrEntry, isWide, readCidr, wideMessage } from './address.js';

/** How a wide entry is forced, whatever surface the policy came through. */
const FORCE_HOW = 'list it in policy.forced too; admin API: "force": true, CLI: --force';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** A step table: a value scores the most points among the buckets whose `min` it reaches. */
const bucket = z.object({ min: z.number().nonnegative(), points: z.number().nonnegative() });
const buckets = z.array(bucket).min(1);

const multiSignal = z
  .object({
    /** syn-flood-multisignal-scoring.md §1: AbuseIPDB confidence → points. */
    abuseHighMin: z.number().default(75),
    abuseHighPoints: z.number().default(30),
    abuseMediumMin: z.number().default(50),
    abuseMediumPoints: z.number().default(15),
    geoHighRiskPoints: z.number().default(5),
    /** A source on a local blocklist (detect.blocklists) that attacks: weighed like a high AbuseIPDB confidence. */
    blocklistPoints: z.number().default(30),
    /**
     * Brute force has its own base: attempts per minute as multiples of the port's own
     * threshold (detect.bruteForce: a few tens a minute on auth ports, far more on web
     * ports), on the same 15/25/40 ladder.
     */
    bruteForceBuckets: buckets.default([
      { min: 1, points: 15 },
      { min: 3, points: 25 },
      { min: 10, points: 40 },
    ]),
    /** §2: connection attempts per second → points (lower bounds inclusive). */
    connectionBuckets: buckets.default([
      { min: 20, points: 15 },
      { min: 50, points: 25 },
      { min: 100, points: 40 },
    ]),
    /**
     * Volumetric UDP/ICMP floods have no "connections": their base comes from the packet
     * rate instead, on the same 15/25/40 ladder. The defaults put "moderate" above what
     * a busy legitimate host sends (DESIGN: legitimate 10–100 pps) and "critical" at a
     * rate that saturates a 100 Mbit/s link with small packets.
     */
    packetRateBuckets: buckets.default([
      { min: 1_000, points: 15 },
      { min: 10_000, points: 25 },
      { min: 50_000, points: 40 },
    ]),
    /** §3: detections of the source within persistenceWindowMs (the current one included). */
    persistenceBuckets: buckets.default([
      { min: 3, points: 10 },
      { min: 5, points: 20 },
    ]),
    persistenceWindowMs: z.number().positive().default(24 * HOUR),
    /** §4: rise of connections over the previous hit of the same episode. */
    escalationBuckets: buckets.default([
      { min: 20, points: 15 },
      { min: 50, points: 25 },
    ]),
    /** §5: detections per hour (sustained) and within 5 minutes (rapid fire). */
    velocityHourBuckets: buckets.default([
      { min: 10, points: 20 },
      { min: 20, points: 30 },
    ]),
    rapidFireCount: z.number().int().positive().default(10),
    rapidFireWindowMs: z.number().positive().default(5 * MINUTE),
    rapidFirePoints: z.number().default(15),
    /** §6 coordinated attack. */
    multiVectorPoints: z.number().default(20),
    subnetPoints: z.number().default(15),
    timingPoints: z.number().default(10),
    /** A source quiet for this long starts a new episode: the carried score goes back to 0. */
    episodeGapMs: z.number().positive().default(10 * MINUTE),
    cap: z.number().positive().default(100),
    /** Outcomes: Ex2 (50) is "high threat, blocked if persists", Ex4 (95) AUTO_BLOCK. */
    highThreatAt: z.number().default(50),
    autoBlockAt: z.number().default(80),
    instantBlockAt: z.number().default(100),
  })
  .prefault({});

const reputationWeights = z.object({
  packetRateDeviation: z.number().nonnegative().default(0.3),
  synAckRatio: z.number().nonnegative().default(0.25),
  icmpErrorRate: z.number().nonnegative().default(0.15),
  geoConsistency: z.number().nonnegative().default(0.1),
  mitigationHistory: z.number().nonnegative().default(0.2),
});

const reputation = z
  .object({
    weights: reputationWeights.prefault({}),
    /** Reputation halves after this long without new evidence. */
    halfLifeMs: z.number().positive().default(30 * MINUTE),
    /** Baseline of a source never seen before (DESIGN: legitimate 10–100 pps). */
    defaultBaselinePps: z.number().positive().default(100),
    /** EWMA weight of a new packet-rate sample in the per-source baseline. */
    baselineAlpha: z.number().gt(0).lt(1).default(0.1),
    /** Normalisation: the factor value reaches 1 at these. */
    deviationZMax: z.number().positive().default(6),
    synAckRatioMax: z.number().gt(1).default(10),
    icmpErrorRateMax: z.number().positive().default(100),
    geoChangesMax: z.number().positive().default(3),
    geoWindowMs: z.number().positive().default(HOUR),
    mitigationsMax: z.number().positive().default(5),
    /** Learning: multiplicative step and the bounds every weight stays within. */
    learningRate: z.number().gt(0).lt(1).default(0.1),
    minWeight: z.number().positive().default(0.02),
    maxWeight: z.number().lt(1).default(0.6),
    /** A confirmed false positive takes this many points off the source's reputation. */
    falsePositiveBoost: z.number().nonnegative().default(30),
    /** Predictive thresholds on max(score, projected score). */
    lowAt: z.number().default(30),
    mediumAt: z.number().default(50),
    highAt: z.number().default(75),
    trendPoints: z.number().int().min(2).default(6),
    /** How far ahead the trend projects the score. */
    trendHorizonMs: z.number().nonnegative().default(5 * MINUTE),
    /** How long the trend's points must span before it projects anything (a step is not a trend). */
    trendMinSpanMs: z.number().nonnegative().default(30_000),
  })
  .prefault({});

const trust = z
  .object({
    /** Reputation upper bounds of the trust levels 0.9, 0.7, 0.5, 0.3 (0.1 above). */
    reputationBounds: z.array(z.number()).length(4).default([20, 40, 60, 80]),
    /** Offences that lower trust by one and by two levels. */
    offenceStepOne: z.number().int().positive().default(1),
    offenceStepTwo: z.number().int().positive().default(3),
    /** Confirmed false positives / admin overrides raise trust one level each, at most this. */
    maxRaiseLevels: z.number().int().nonnegative().default(2),
  })
  .prefault({});

const threat = z
  .object({
    weights: z
      .object({
        base: z.number().nonnegative().default(0.45),
        reputation: z.number().nonnegative().default(0.2),
        behaviour: z.number().nonnegative().default(0.15),
        pattern: z.number().nonnegative().default(0.2),
      })
      .prefault({}),
    /** How threatening each traffic pattern is by itself (ip-pattern-flagging.md). */
    patternBehaviour: z
      .object({
        'single-to-single': z.number().min(0).max(1).default(0.4),
        'many-to-single': z.number().min(0).max(1).default(0.8),
        'single-to-many': z.number().min(0).max(1).default(0.7),
      })
      .prefault({}),
    /** Composite (0–1) lower bounds of medium, high, critical. */
    mediumAt: z.number().default(0.4),
    highAt: z.number().default(0.6),
    criticalAt: z.number().default(0.8),
  })
  .prefault({});

const durations = z
  .object({
    lowMs: z.number().positive().default(60_000),
    mediumMs: z.number().positive().default(5 * MINUTE),
    highMs: z.number().positive().default(15 * MINUTE),
    criticalMinMs: z.number().positive().default(HOUR),
    criticalMaxMs: z.number().positive().default(24 * HOUR),
    /**
     * A first critical offence lasts criticalMinMs … this, by score: the top of the range
     * (criticalMaxMs) is for repeat offenders and very poor trust, so one flood, or one
     * mistake, does not cost a day.
     */
    criticalFirstOffenceMaxMs: z.number().positive().default(4 * HOUR),
    /** Multi-signal score at which critical durations start to grow past criticalMinMs. */
    criticalScoreFloor: z.number().default(80),
    /** Each repeat offence multiplies the duration by this, up to repeatMaxFactor. */
    repeatGrowth: z.number().min(1).default(2),
    repeatMaxFactor: z.number().min(1).default(16),
    /** Multiplier per trust level; very poor (0.1) gets the maximum instead. */
    trustFactors: z
      .object({
        high: z.number().positive().default(0.5),
        good: z.number().positive().default(0.75),
        neutral: z.number().positive().default(1),
        poor: z.number().positive().default(1.5),
      })
      .prefault({}),
    /** No block ever lasts longer than this: nothing is permanent. */
    maxMs: z.number().positive().default(24 * HOUR),
    /** Expiries are spread by up to this share of the duration (taken off, never added). */
    jitterShare: z.number().min(0).max(0.5).default(0.1),
    jitterSeed: z.number().int().default(0x0f6a4d),
  })
  .prefault({});

const response = z
  .object({
    /** Graduated bands on the composite threat score 0–1 (adaptive-blocking.md). */
    monitorAt: z.number().default(0.3),
    rateLimitAt: z.number().default(0.4),
    selectiveAt: z.number().default(0.6),
    fullBlockAbove: z.number().default(0.8),
    /** Meter rates: the strict one for rate-limit, the gentle one for predictive shaping. */
    rateLimitPps: z.number().positive().default(100),
    shapingPps: z.number().positive().default(1_000),
    victimThrottlePps: z.number().positive().default(10_000),
    /**
     * How long a victim's server-level throttle lasts; every many→single detection while
     * less than half of it is left renews it. It caps the legitimate users of that server
     * too, so it follows the attack instead of the threat level's block duration (a
     * distributed flood of 10 s must not cap a server for hours).
     */
    victimThrottleMs: z.number().positive().default(5 * MINUTE),
    /** single→single is blocked only after this many detections in the persistence window. */
    sustainedHits: z.number().int().positive().default(5),
    /** A new event raises a source's action by at most this many stages (flag→throttle→block). */
    maxStagesPerEvent: z.number().int().positive().default(1),
  })
  .prefault({});

/** Floods of untrusted sources, answered where they enter (flood-response.ts). */
const floods = z
  .object({
    /** The first answer at an entry point: a meter this strict (packets/s toward the victim from there). */
    meterPps: z.number().positive().default(100),
    /** A flood still this strong through its meter for this long is dropped at that entry point. */
    sustainedMs: z.number().nonnegative().default(2_000),
    /**
     * At an entry point legitimate clients share (an uplink): a meter on the victim's
     * connection attempts, this many times its usual rate of newcomers, never below the floor.
     */
    sharedMeterFactor: z.number().positive().default(20),
    sharedMeterFloorPps: z.number().positive().default(200),
  })
  .prefault({});

const thresholds = z
  .object({
    highAttackFrequencyFactor: z.number().default(0.8),
    highFalsePositiveFactor: z.number().default(1.1),
    congestionFactor: z.number().default(0.85),
    quietFactor: z.number().default(1.2),
    minFactor: z.number().positive().default(0.5),
    maxFactor: z.number().positive().default(2),
    /** Conditions: detections per hour, false-positive share, link load, quiet time. */
    highAttackPerHour: z.number().positive().default(20),
    highFalsePositiveRate: z.number().min(0).max(1).default(0.2),
    congestionLoad: z.number().min(0).max(1).default(0.8),
    quietMs: z.number().positive().default(HOUR),
    /** Speed assumed for ports whose description reports none (0: such ports are left out of the link load). */
    defaultLinkMbps: z.number().nonnegative().default(0),
  })
  .prefault({});

const unblock = z
  .object({
    /** Blocked traffic at or above this rate at expiry means the source is still attacking… */
    attackPps: z.number().nonnegative().default(50),
    /**
     * …when it is also at least this share of the most the mitigation ever stopped from
     * it: after a 20 000 pkt/s flood, 250 pkt/s of RST backscatter (the victim's SYN-ACK
     * retransmissions answered by the attacker's kernel) is an attack that stopped, not
     * one that goes on. 0 turns the relative test off.
     */
    attackShareOfPeak: z.number().min(0).max(1).default(0.1),
    /** Blocked traffic below this rate means the source went quiet. */
    quietPps: z.number().nonnegative().default(1),
    /**
     * Evidence older than this counts as no traffic: without fresh proof of an attack
     * (switch gone, poller stopped) a block is not extended, so every block ends.
     */
    evidenceMaxAgeMs: z.number().positive().default(2 * MINUTE),
    /** Duration of each step on the way down (drop → rate-limit → monitor → allow). */
    stepDownMs: z.number().positive().default(60_000),
    /** Trust at or above this may be unblocked before expiry once quiet long enough. */
    earlyUnblockMinTrust: z.number().default(0.7),
    earlyUnblockQuietMs: z.number().positive().default(2 * MINUTE),
    /** No attack detections for this long: the network has recovered. */
    recoveryQuietMs: z.number().positive().default(10 * MINUTE),
    /** Medium/low decisions lifted per tick once the network recovered (progressive). */
    recoveryBatch: z.number().int().positive().default(10),
  })
  .prefault({});

export const policyConfigSchema = z
  .object({
    multiSignal,
    reputation,
    trust,
    threat,
    durations,
    response,
    floods,
    thresholds,
    unblock,
    engine: z
      .object({
        /**
         * A source with no offence, no override and no active decision is forgotten after
         * this long idle: randomized-source floods must not grow memory without bound.
         */
        forgetIdleSourceMs: z.number().positive().default(HOUR),
      })
      .prefault({}),
    /**
     * How long the store keeps what no longer acts (pruned from the guard's tick, every
     * `pruneEveryMs`): ended decisions, the per-source history (scored detections and
     * mitigation events) and the audit log. Active decisions and reputations are never pruned.
     */
    retention: z
      .object({
        decisionsMs: z.number().positive().default(30 * 24 * HOUR),
        historyMs: z.number().positive().default(30 * 24 * HOUR),
        auditMs: z.number().positive().default(90 * 24 * HOUR),
        pruneEveryMs: z.number().positive().default(HOUR),
      })
      .prefault({}),
    /** CIDRs (IPv4 or IPv6) that are never blocked, whatever happens. */
    whitelist: z.array(cidrEntry).default([]),
    /**
     * CIDRs the operator wants dropped: each gets an admin drop decision, renewed at expiry
     * for as long as it is listed. The whitelist wins over it.
     */
    blocklist: z.array(cidrEntry).default([]),
    /** Why an entry of the whitelist or blocklist is there, by entry (shown by the API and CLI). */
    notes: z.record(z.string(), z.string().max(200).refine(isWellFormed, NOT_WELL_FORMED)).default({}),
    /**
     * Whitelist and blocklist entries wider than /8 (IPv4) or /16 (IPv6), /0 included, that
     * the operator means: any other entry that wide is refused, so a typo ("10.0.0.0/" or
     * "/1" for "/16") never allows or drops a whole address space. Written as in the list.
     */
    forced: z.array(z.string()).default([]),
  })
  .superRefine((c, ctx) => {
    for (const entry of Object.keys(c.notes)) {
      if (!c.whitelist.includes(entry) && !c.blocklist.includes(entry)) {
        ctx.addIssue({ code: 'custom', path: ['notes', entry], message: 'a note for an entry that is in neither the whitelist nor the blocklist' });
      }
    }
    c.forced.forEach((entry, i) => {
      if (!c.whitelist.includes(entry) && !c.blocklist.includes(entry)) {
        ctx.addIssue({ code: 'custom', path: ['forced', i], message: `${JSON.stringify(entry)} is in neither the whitelist nor the blocklist` });
      }
    });
    for (const list of ['whitelist', 'blocklist'] as const) {
      c[list].forEach((entry, i) => {
        const cidr = readCidr(entry);
        if (typeof cidr !== 'string' && isWide(cidr) && !c.forced.includes(entry)) {
          ctx.addIssue({ code: 'custom', path: [list, i], message: wideMessage(cidr, FORCE_HOW) });
        }
      });
    }
  })
  .prefault({});

export type PolicyConfig = z.infer<typeof policyConfigSchema>;
export type PolicyConfigInput = z.input<typeof policyConfigSchema>;
export type MultiSignalConfig = PolicyConfig['multiSignal'];
export type ReputationConfig = PolicyConfig['reputation'];
export type ReputationWeights = ReputationConfig['weights'];
export type TrustConfig = PolicyConfig['trust'];
export type ThreatConfig = PolicyConfig['threat'];
export type DurationConfig = PolicyConfig['durations'];
export type ResponseConfig = PolicyConfig['response'];
export type ThresholdConfig = PolicyConfig['thresholds'];
export type UnblockConfig = PolicyConfig['unblock'];
export type Bucket = z.infer<typeof bucket>;

/** Checked once, then frozen. Throws zod's error (with paths) on a bad config. */
export function parsePolicyConfig(input: PolicyConfigInput = {}): PolicyConfig {
  return deepFreeze(policyConfigSchema.parse(input));
}

/** Most points among the buckets the value reaches; 0 below all of them. */
export function bucketPoints(buckets: readonly Bucket[], value: number): number {
  let points = 0;
  for (let i = 0; i < buckets.length; i++) {
    const b = buckets[i]!;
    if (value >= b.min && b.points > points) points = b.points;
  }
  return points;
}
