/**
 * The three traffic patterns of ip-pattern-flagging.md and severity. "The model decides
 * what is happening; the patterns decide how fast to respond": the attack type comes
 * from the classifier, the severity starts from the attack's magnitude and is then only
 * ever promoted, by patterns, anomalies and rule hits, never demoted.
 */
import { SIGNAL } from './signals.js';
import type { DetectConfig } from './config.js';
import type { DestinationSummary } from './destinations.js';
import type { AttackType, Severity, Signal, TrafficPattern } from './detection.js';

export const SEVERITIES: readonly Severity[] = ['low', 'medium', 'high', 'critical'];

export function severityRank(s: Severity): number {
  return SEVERITIES.indexOf(s);
}

/** The higher of two severities: the one operation allowed on a severity. */
export function promote(current: Severity, floor: Severity): Severity {
  return severityRank(floor) > severityRank(current) ? floor : current;
}

/** One level up (critical stays critical). */
export function promoteOne(s: Severity): Severity {
  return SEVERITIES[Math.min(severityRank(s) + 1, SEVERITIES.length - 1)]!;
}

/**
 * Signal points of the detection-side signals: the policy adds them to its own multi-signal
 * score. Chosen on the seeds' scale: a pattern weighs like the subnet-wide signal (+15), a
 * blocklist hit like a high AbuseIPDB confidence (+30).
 */
export const SIGNAL_POINTS = {
  manyToSingle: 15,
  singleToMany: 15,
  zAnomaly: 10,
  blocklist: 30,
  protocol: 10,
} as const;

export interface PatternInput {
  attackType: AttackType;
  connections: number;
  packetRate: number;
  distinctDsts: number;
  zScore: number;
  /** The destination the source mostly aims at, when tracked. */
  target?: DestinationSummary;
}

export interface Assessment {
  pattern: TrafficPattern;
  severity: Severity;
  signals: Signal[];
}

/** Severity from the attack's size alone (the SYN-flood seed's connection bands, and pps). */
export function baseSeverity(attackType: AttackType, connections: number, packetRate: number, config: DetectConfig): Severity {
  if (attackType === 'benign') return 'low';
  const s = config.severity;
  const byConn: Severity = connections >= s.connCritical ? 'critical' : connections >= s.connHigh ? 'high' : connections >= s.connMedium ? 'medium' : 'low';
  const byRate: Severity = packetRate >= s.ppsCritical ? 'critical' : packetRate >= s.ppsHigh ? 'high' : packetRate >= s.ppsMedium ? 'medium' : 'low';
  return promote(byConn, byRate);
}

export function trafficPattern(input: PatternInput, config: DetectConfig): TrafficPattern {
  if (input.distinctDsts >= config.patterns.serverDiversity) return 'single-to-many';
  if (input.target?.underAttack) return 'many-to-single';
  return 'single-to-single';
}

/**
 * Pattern, severity and the signals behind them. single→single stays at its base (it may
 * be an admin or a misconfigured client: conservative); many→single and single→many go to
 * at least high (rarely legitimate); a volumetric anomaly promotes one level.
 */
export function assess(input: PatternInput, config: DetectConfig): Assessment {
  const signals: Signal[] = [];
  let severity = baseSeverity(input.attackType, input.connections, input.packetRate, config);
  const pattern = trafficPattern(input, config);
  if (pattern === 'single-to-many') {
    severity = promote(severity, 'high');
    signals.push({ name: SIGNAL.patternSingleToMany, points: SIGNAL_POINTS.singleToMany, detail: `${input.distinctDsts.toFixed(0)} destinations ≥ ${config.patterns.serverDiversity}` });
  } else if (pattern === 'many-to-single') {
    severity = promote(severity, 'high');
    const t = input.target!;
    signals.push({
      name: SIGNAL.patternManyToSingle,
      points: SIGNAL_POINTS.manyToSingle,
      detail: `${t.dst}: ${t.uniqueIps} sources/60 s, ${t.packetRate.toFixed(0)} pps (z ${t.zScore.toFixed(1)})`,
    });
  }
  if (input.zScore >= config.zAnomaly) {
    severity = promoteOne(severity);
    signals.push({ name: SIGNAL.anomalyZScore, points: SIGNAL_POINTS.zAnomaly, detail: `packet rate z ${input.zScore.toFixed(1)} ≥ ${config.zAnomaly}` });
  }
  return { pattern, severity, signals };
}
