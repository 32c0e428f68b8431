/**
 * Composite threat score of adaptive-blocking.md ("Threat Assessment"): base (traffic,
 * the multi-signal score), reputation (history), behaviour (the traffic pattern) and
 * pattern (the classifier's verdict) components, each 0–1, weighted into one score 0–1,
 * then a threat level. The level is only ever promoted: by the detection's own severity,
 * by the multi-signal outcome, and by the pattern rules of ip-pattern-flagging.md
 * (single→many is HIGH at once; many→single escalates one level). Never demoted.
 */
import type { AttackType, Severity, TrafficPattern } from '../detect/detection.js';
import type { ThreatConfig } from './config.js';
import type { MultiSignalOutcome } from './multi-signal.js';

export const SEVERITY_ORDER: readonly Severity[] = ['low', 'medium', 'high', 'critical'];

export const severityRank = (s: Severity): number => SEVERITY_ORDER.indexOf(s);
export const maxSeverity = (a: Severity, b: Severity): Severity => (severityRank(a) >= severityRank(b) ? a : b);

export interface ThreatInput {
  multiSignalScore: number;
  outcome: MultiSignalOutcome;
  /** Reputation 0 (trusted) – 100 (suspicious). */
  reputation: number;
  pattern: TrafficPattern;
  attackType: AttackType;
  confidence: number;
  severity: Severity;
}

export interface ThreatScore {
  base: number;
  reputation: number;
  behaviour: number;
  pattern: number;
  /** Weighted composite 0–1. */
  composite: number;
  level: Severity;
  /** Why the level is above what the composite alone gives. */
  promotions: string[];
}

const clamp01 = (x: number): number => (x < 0 ? 0 : x > 1 ? 1 : x);

export function levelForComposite(composite: number, cfg: ThreatConfig): Severity {
  if (composite >= cfg.criticalAt) return 'critical';
  if (composite >= cfg.highAt) return 'high';
  if (composite >= cfg.mediumAt) return 'medium';
  return 'low';
}

export function threatScore(input: ThreatInput, cfg: ThreatConfig): ThreatScore {
  const w = cfg.weights;
  const base = clamp01(input.multiSignalScore / 100);
  const reputation = clamp01(input.reputation / 100);
  const behaviour = cfg.patternBehaviour[input.pattern];
  const pattern = input.attackType === 'benign' ? 0 : clamp01(input.confidence);
  const total = w.base + w.reputation + w.behaviour + w.pattern;
  const composite = total > 0 ? clamp01((w.base * base + w.reputation * reputation + w.behaviour * behaviour + w.pattern * pattern) / total) : 0;

  const promotions: string[] = [];
  let level = levelForComposite(composite, cfg);
  const promote = (to: Severity, why: string): void => {
    if (severityRank(to) > severityRank(level)) {
      level = to;
      promotions.push(why);
    }
  };
  promote(input.severity, `detection severity ${input.severity}`);
  if (input.outcome === 'INSTANT_BLOCK') promote('critical', 'INSTANT_BLOCK');
  if (input.outcome === 'AUTO_BLOCK') promote('high', 'AUTO_BLOCK');
  if (input.pattern === 'single-to-many') promote('high', 'single→many (reconnaissance) is HIGH');
  if (input.pattern === 'many-to-single') {
    promote(SEVERITY_ORDER[Math.min(3, severityRank(level) + 1)]!, 'many→single escalates one level');
  }
  return { base, reputation, behaviour, pattern, composite, level, promotions };
}
