/**
 * Detection configuration: one zod schema is the single source of truth for names,
 * bounds and defaults; parseDetectConfig() checks once and freezes.
 */
import { deepFreeze } from '../freeze.js';
import { z } from 'zod';
import { cidrEntry } from '../policy/address.js';

/** detect.intel: an AbuseIPDB v2 compatible service (GET {baseUrl}/api/v2/check, header `Key`). */
export const AbuseIpdbConfigSchema = z.object({
  baseUrl: z.string().url().default('https://api.abuseipdb.com'),
  /** API key, sent as the `Key` header. */
  key: z.string().min(1),
  /** Reports older than this are ignored by the service. */
  maxAgeInDays: z.number().int().min(1).max(365).default(90),
  /** How long an answer is reused (the free plan allows 1 000 lookups a day). */
  ttlMs: z.number().positive().default(6 * 3_600_000),
  /** How long a failure is remembered before the address is asked again. */
  failureTtlMs: z.number().positive().default(60_000),
  timeoutMs: z.number().positive().default(3_000),
  maxConcurrent: z.number().int().min(1).default(4),
  /** Lookups waiting beyond this are not queued (asked again on a later hit). */
  maxQueue: z.number().int().min(1).default(1_000),
  cacheSize: z.number().int().min(1).default(100_000),
});
export type AbuseIpdbConfig = z.infer<typeof AbuseIpdbConfigSchema>;

/** detect.geo: a MaxMind-format (.mmdb) country or city database, read once at start. */
export const GeoConfigSchema = z.object({
  database: z.string().min(1),
  /** ISO 3166 alpha-2 codes that count as high-risk (+5 in the SYN-flood seed). Default none. */
  riskyCountries: z.array(z.string().length(2)).default([]),
});
export type GeoConfig = z.infer<typeof GeoConfigSchema>;

export const DetectConfigSchema = z.object({
  /** Sources tracked one by one (typed-array slots). The rest live in the sketch. */
  maxSources: z.number().int().min(1).max(16_000_000).default(100_000),
  /** Destinations tracked (servers and victims). */
  maxDestinations: z.number().int().min(1).max(1_000_000).default(8_192),
  /** Sources whose detection history is kept (persistence, velocity, timing). */
  maxHistory: z.number().int().min(1).default(50_000),

  /** Per-source short window (rates, handshake, diversity) and its bucket count. */
  shortWindowMs: z.number().positive().default(10_000),
  /** 5 buckets of 2 s: 1 M sources × 5 metrics × 5 buckets × 4 B = 100 MB. */
  shortBuckets: z.number().int().min(1).max(120).default(5),
  /** Per-destination window behind unique_ips_60s. */
  destWindowMs: z.number().positive().default(60_000),
  destBuckets: z.number().int().min(1).max(60).default(6),
  /** Velocity windows over detection episodes. */
  velocityShortMs: z.number().positive().default(300_000),
  velocityLongMs: z.number().positive().default(3_600_000),

  /** Baseline EWMA half-life in poll intervals, z-score floor and warm-up samples. */
  baselineHalfLife: z.number().positive().default(60),
  zMinStd: z.number().positive().default(5),
  zWarmup: z.number().int().min(1).max(250).default(5),
  /** z at or above which a volumetric metric counts as anomalous. */
  zAnomaly: z.number().positive().default(4),
  /** Smoothing of protocol shares and ratios (per interval). */
  shareAlpha: z.number().gt(0).max(1).default(0.3),

  /** A source is evaluated when any of these holds in the interval / short window. */
  candidate: z
    .object({
      minPacketRate: z.number().nonnegative().default(20),
      minConnRate: z.number().nonnegative().default(5),
      minDistinct: z.number().nonnegative().default(10),
      minIcmpErrorRate: z.number().nonnegative().default(5),
      /** Packet rate from which a source aiming at a victim of many→single is evaluated. */
      minMemberRate: z.number().nonnegative().default(5),
    })
    .prefault({}),

  sketch: z
    .object({
      width: z.number().int().min(16).default(1 << 16),
      depth: z.number().int().min(1).max(8).default(4),
      /** Packets a sketched source must reach (within about a short window) to be tracked. */
      promoteAfterPackets: z.number().positive().default(100),
      bloomBits: z.number().int().min(64).default(1 << 23),
      bloomHashes: z.number().int().min(1).max(16).default(4),
    })
    .prefault({}),
  /** Slots sampled (clock hand) to find the idlest one to evict. */
  evictionSample: z.number().int().min(1).max(1024).default(16),
  /** A source reported by another switch is taken over after this much silence. */
  ownerTakeoverMs: z.number().nonnegative().default(3_000),

  patterns: z
    .object({
      /** Distinct destinations in the short window that make single→many. */
      serverDiversity: z.number().positive().default(8),
      /**
       * unique_ips_60s at a destination that make many→single … (8: a small botnet against
       * an office server is many→single too; the rate gate below keeps a busy server with
       * many ordinary clients out of it).
       */
      manyToSingleSources: z.number().positive().default(8),
      /** … together with an aggregate rate this high or this anomalous. */
      destMinPacketRate: z.number().nonnegative().default(1_000),
      destZ: z.number().positive().default(4),
      /**
       * A destination whose busiest source carries at least this share of its traffic is not
       * under a distributed attack, however many other hosts reached it in the last minute:
       * one flooder beside a few clients' chatter is single→single, and must cost neither the
       * server a victim-wide throttle nor its quiet clients a many→single promotion.
       */
      manyToSingleMaxShare: z.number().positive().max(1).default(0.5),
    })
    .prefault({}),
  /** ICMP errors (unreachable, time exceeded) per second from one source that are a flood. */
  icmpErrorFlood: z.number().positive().default(50),
  /**
   * An ICMP error flow at or below this rate (per second) is a host's answer: stacks
   * rate-limit their errors per peer (Linux: about one a second, bursts of six). Such
   * errors are evidence about the host they are addressed to (a scanner probing closed
   * ports, a UDP flooder) and are credited to it, never to the host that sends them.
   * Faster error flows are crafted: the sender's own traffic.
   */
  icmpAnswerMaxRate: z.number().nonnegative().default(10),
  /** Slow brute force (brute-force.ts): repeated short connections to one service port. */
  bruteForce: z
    .object({
      /** Ports where a few tens of attempts a minute are already guessing. */
      authPorts: z.array(z.number().int().min(1).max(65535)).default([22, 23, 3389, 21, 25, 110, 143, 3306, 5432]),
      /** Connection attempts per minute from one source to one auth port that make a brute force. */
      authPerMinute: z.number().positive().default(20),
      /**
       * The same for every other port: web clients (and NAT gateways full of them) open
       * short connections all the time; a form-guessing tool without keep-alive opens 20+ a second.
       */
      otherPerMinute: z.number().positive().default(1_200),
      /**
       * Forward packets per attempt above which the connections are sessions, not guesses
       * (an SSH login attempt is 12–25 packets from the client; a session, hundreds).
       */
      maxPacketsPerAttempt: z.number().positive().default(30),
      windowMs: z.number().positive().default(60_000),
      buckets: z.number().int().min(1).max(60).default(6),
      /** A brute-forcing source is reported at most this often (flag, throttle, then block if it persists). */
      reportEveryMs: z.number().nonnegative().default(30_000),
      /** (source, port) pairs tracked at once; the least recently active is forgotten first. */
      maxTracked: z.number().int().min(1).default(65_536),
    })
    .prefault({}),
  /**
   * Floods whose sources cannot be trusted (destination-view.ts): forged sources (each seen
   * once) and reflection (answers nobody asked for, from reflector service ports), judged
   * per destination and attributed to the entry points that carry them.
   */
  untrusted: z
    .object({
      /** New sources per second toward one destination that start to look like forgery. */
      minNewSourcesPerSec: z.number().positive().default(20),
      /** … and at least this many of them in one poll round, however short the round. */
      minOneShotSources: z.number().int().min(1).default(20),
      /** … of which at least this share sent one packet and were never heard of again. */
      minOneShotShare: z.number().min(0).max(1).default(0.7),
      /** … and at least this many times the destination's usual rate of new sources. */
      baselineFactor: z.number().positive().default(5),
      /** An entry point carrying at least this share of the forged sources is where the flood comes in. */
      minEntryShare: z.number().min(0).max(1).default(0.05),
      /** Reflector service ports: UDP from them to a host that asked nothing is reflection. */
      reflectorPorts: z.array(z.number().int().min(1).max(65535)).default([53, 123, 19, 389, 1900, 11211, 161, 137, 27015, 3702]),
      /** Reflected packets per second toward one destination that make a reflection flood. */
      minReflectedPps: z.number().positive().default(200),
      /** … with the destination's own requests to that port below this share of the answers. */
      maxRequestShare: z.number().min(0).max(1).default(0.05),
      /** Sources seen with traffic that completes handshakes mark their entry point as legitimate for this long. */
      legitimateTtlMs: z.number().positive().default(600_000),
      /** Packets per interval of a (non-SYN) conversation that show it is a real, answered one. */
      legitimatePackets: z.number().positive().default(3),
    })
    .prefault({}),
  /**
   * Coordinated groups (coordination.ts): sources that begin attacking one service within
   * `startWindowMs` of each other at rates within `rateRatio` of each other, `minSources`
   * or more, are many→single whatever the destination's source count.
   */
  coordination: z
    .object({
      minSources: z.number().int().min(2).default(3),
      startWindowMs: z.number().positive().default(5_000),
      rateRatio: z.number().min(1).default(4),
      memoryMs: z.number().positive().default(60_000),
    })
    .prefault({}),
  /** Members of one /24 (/64) detected together that make a subnet-wide attack. */
  subnetMinMembers: z.number().int().min(2).default(3),

  /** Classifier confidence below which a non-benign verdict is not reported. */
  minConfidence: z.number().min(0).max(1).default(0.5),
  /**
   * Connection attempts per second (SYN without ACK) past which a source is a SYN flood
   * whatever the model says: a victim answering every SYN makes the flood look answered.
   */
  synFloodConnections: z.number().positive().default(200),
  /** Magnitude thresholds behind the base severity (conn/s, the SYN-flood seed's bands). */
  severity: z
    .object({
      connMedium: z.number().default(20),
      connHigh: z.number().default(50),
      connCritical: z.number().default(100),
      ppsMedium: z.number().default(1_000),
      ppsHigh: z.number().default(10_000),
      ppsCritical: z.number().default(50_000),
    })
    .prefault({}),

  /** A detection after this much quiet starts a new episode (for velocity and timing). */
  episodeGapMs: z.number().positive().default(5_000),
  /** Coefficient of variation of episode gaps below which timing counts as automated. */
  regularTimingCv: z.number().positive().default(0.2),
  /** Escalation compares connections with the hit at least this long ago. */
  escalationSpanMs: z.number().positive().default(10_000),
  /** Attack types seen within this window count as the source's vectors. */
  vectorWindowMs: z.number().positive().default(60_000),

  /** CIDRs never detected as attackers (read by the one strict parser, policy/address.ts). */
  whitelist: z.array(cidrEntry).default([]),

  /**
   * Local netset files (FireHOL, Spamhaus DROP: one address or CIDR per line). A listed
   * source is evaluated whatever its volume, flagged even when its traffic looks benign
   * and scores +30 when it attacks. Each list is named after its file (basename without
   * extension) and reloaded when the file changes. Default: none.
   */
  blocklists: z.array(z.string().min(1)).default([]),
  /** How often the netset files are checked for changes (mtime, size, inode). */
  blocklistCheckMs: z.number().int().min(100).default(5_000),
  /** AbuseIPDB-compatible lookups (syn-flood-multisignal-scoring.md §1). Off unless set. */
  intel: AbuseIpdbConfigSchema.optional(),
  /** MaxMind-format country database and the countries that count as high-risk (+5). Off unless set. */
  geo: GeoConfigSchema.optional(),
});

export type DetectConfig = Readonly<z.infer<typeof DetectConfigSchema>>;
export type DetectConfigInput = z.input<typeof DetectConfigSchema>;

export function parseDetectConfig(input: DetectConfigInput = {}): DetectConfig {
  return deepFreeze(DetectConfigSchema.parse(input));
}

