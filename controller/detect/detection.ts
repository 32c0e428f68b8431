/**
 * The contract between detection (controller/detect) and policy (controller/policy):
 * detection says what is happening and how it looks; policy decides what to do about it.
 * "The model decides what is happening; the patterns decide how fast to respond."
 */

/** The three traffic patterns of ip-pattern-flagging.md. */
export type TrafficPattern = 'single-to-single' | 'many-to-single' | 'single-to-many';

export type AttackType = 'syn-flood' | 'udp-flood' | 'icmp-flood' | 'scan' | 'brute-force' | 'benign';

export type Severity = 'low' | 'medium' | 'high' | 'critical';

/**
 * "203.0.113.7" or "203.0.113.0/24": the one spelling of a source (or a decision's target)
 * for the policy's keys, logs, the CLI, the API and reports.
 */
export function sourceText(t: { src: string; srcPrefix?: number | undefined }): string {
  return t.srcPrefix === undefined ? t.src : `${t.src}/${t.srcPrefix}`;
}

/** One reason that contributed to a score, with the points it gave: explainability. */
export interface Signal {
  /** Stable machine name, e.g. 'base.connections', 'abuseipdb.high', 'pattern.many-to-single'. */
  name: string;
  points: number;
  /** Human text with the measured value, e.g. '120 conn/s ≥ 100'. */
  detail?: string;
}

/** Optional enrichment from threat intelligence (AbuseIPDB-compatible, MaxMind geo). */
export interface IntelInfo {
  /** AbuseIPDB abuseConfidenceScore 0–100. */
  abuseConfidence?: number;
  /** ISO country code, when a geo database is configured. */
  country?: string;
  highRiskCountry?: boolean;
  /** Whitelisted by a known-good service list. */
  knownGood?: boolean;
}

/** What a brute force looks like, as the policy scores it. */
export interface BruteForceMeasure {
  attemptsPerMinute: number;
  /** The port's attempt threshold (auth ports and the rest differ). */
  threshold: number;
  packetsPerAttempt?: number;
}

/** One detection of one source (or subnet) at one moment: a "hit" in the seed's words. */
export interface Detection {
  /** Offending source address, or the network address when srcPrefix is set. */
  src: string;
  srcPrefix?: number;
  /** Victim, when the traffic aims at one destination. */
  dst?: string;
  proto?: number;
  dstPort?: number;
  /** Where the traffic enters the network (ingress edge switch and port). */
  dpid?: string;
  inPort?: number;
  /**
   * The source address also enters the network at another point (switch port): one of the
   * two may forge it. Set by the core from its ingress index. The policy then keeps this
   * entry point apart (its own record, its own decision, blocked only there), so the
   * address's real owner, a legitimate host elsewhere, is neither blocked nor blamed.
   */
  addressSeenElsewhere?: boolean;
  /** ms since epoch, from the injected clock. */
  at: number;
  pattern: TrafficPattern;
  /** The classifier's verdict and its confidence 0–1. */
  attackType: AttackType;
  confidence: number;
  /** Severity after pattern promotion (patterns promote, never demote). */
  severity: Severity;
  /**
   * Connection attempts per second over the short window (TCP SYN-without-ACK segments;
   * for UDP/ICMP, new flows per second). The "connections" of the SYN-flood scoring.
   */
  connections: number;
  packetRate: number;
  byteRate: number;
  /** Other vectors (attack types) seen from this source in the current window. */
  vectors: AttackType[];
  /** The source belongs to a /24 (/64) whose many members are attacking together. */
  subnetAttack: boolean;
  /** Inter-detection timing is regular (automation). */
  regularTiming: boolean;
  intel?: IntelInfo;
  /** The threat-intel netsets (detect.netsets) that list the source, by name. */
  netsets?: string[];
  /** Set for a brute force: attempts against the service port's own threshold. */
  bruteForce?: BruteForceMeasure;
  /** Named feature values behind the verdict (rates, ratios, z-scores, diversity): for people, not for rules. */
  features: Record<string, number>;
  /** Detection-side signals (z-score anomaly, pattern, blocklist hit, protocol anomaly). */
  signals: Signal[];
}
