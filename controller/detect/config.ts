/**
 * Detection configuration: one zod schema is the single source of truth for names,
 * bounds and defaults; parseDetectConfig() checks once and freezes.
 */
import { z } from 'zod';

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
  zWarmup: z.number().int().min(1).default(5),
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
    })
    .prefault({}),
  /** ICMP errors (unreachable, time exceeded) per second from one source that are a flood. */
  icmpErrorFlood: z.number().positive().default(50),
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

  /** CIDRs never detected as attackers. */
  whitelist: z.array(z.string()).default([]),
});

export type DetectConfig = Readonly<z.infer<typeof DetectConfigSchema>>;
export type DetectConfigInput = z.input<typeof DetectConfigSchema>;

export function parseDetectConfig(input: DetectConfigInput = {}): DetectConfig {
  return deepFreeze(DetectConfigSchema.parse(input));
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object') {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}
