/**
 * What an operator is told: one Alert per detection or decision worth a page, built as
 * plain data from the core's own records. Which alerts matter is decided here (severity,
 * and the key that makes repeats of one episode the same alert); how they are written
 * (format.ts) and delivered (webhook.ts) is decided elsewhere.
 */
import type { AttackType, Detection, Severity, Signal, TrafficPattern } from '../detect/detection.js';
import { promote, severityRank } from '../detect/patterns.js';
import type { Decision, MitigationAction } from '../policy/decision.js';

export type AlertKind = 'detection' | 'decision';

export interface Alert {
  kind: AlertKind;
  severity: Severity;
  /** The offender: an address, or a network in CIDR form. */
  source: string;
  /** The victim as `dst[:port]` when the traffic aims at one, e.g. '10.0.0.1:8080'. */
  target?: string;
  proto?: number;
  attackType?: AttackType;
  pattern?: TrafficPattern;
  action?: MitigationAction;
  /** Multi-signal threat score 0–100 (decisions). */
  score?: number;
  /** Classifier confidence 0–1 (detections). */
  confidence?: number;
  signals: Signal[];
  decisionId?: number;
  /** ms since epoch: when the core saw it, not when it was sent. */
  at: number;
  /** One line for people. */
  summary: string;
  /** Alerts with the same key within the dedupe window are one alert. */
  dedupeKey: string;
}

/** Whether `s` is at or above `min`. */
export function atLeast(s: Severity, min: Severity): boolean {
  return severityRank(s) >= severityRank(min);
}

function cidr(src: string, prefix: number | undefined): string {
  return prefix === undefined ? src : `${src}/${prefix}`;
}

function victim(dst: string | undefined, dstPort: number | undefined): string | undefined {
  if (dst === undefined) return undefined;
  if (dstPort === undefined) return dst;
  return dst.includes(':') ? `[${dst}]:${dstPort}` : `${dst}:${dstPort}`;
}

export function alertFromDetection(d: Detection): Alert {
  const source = cidr(d.src, d.srcPrefix);
  const target = victim(d.dst, d.dstPort);
  return {
    kind: 'detection',
    severity: d.severity,
    source,
    ...(target !== undefined ? { target } : {}),
    ...(d.proto !== undefined ? { proto: d.proto } : {}),
    attackType: d.attackType,
    pattern: d.pattern,
    confidence: d.confidence,
    signals: d.signals,
    at: d.at,
    summary: `${d.attackType} from ${source}${target ? ` to ${target}` : ''} (${d.pattern}, ${Math.round(d.packetRate)} pkt/s)`,
    // One episode: the same offender doing the same thing to the same victim.
    dedupeKey: `detection|${source}|${d.attackType}|${d.dst ?? ''}`,
  };
}

/** The pattern a decision was driven by, when its signals name one ('pattern.many-to-single'). */
function patternOf(signals: readonly Signal[]): TrafficPattern | undefined {
  for (const s of signals) {
    if (s.name === 'pattern.many-to-single' || s.name === 'pattern.single-to-many' || s.name === 'pattern.single-to-single') {
      return s.name.slice('pattern.'.length) as TrafficPattern;
    }
  }
  return undefined;
}

/**
 * A decision's severity is its threat level, except that a full drop is always at least
 * high: cutting a source off entirely is something an operator must hear about.
 */
export function decisionSeverity(d: Decision): Severity {
  return d.action === 'drop' ? promote(d.threatLevel, 'high') : d.threatLevel;
}

export function alertFromDecision(d: Decision): Alert {
  const source = cidr(d.target.src, d.target.srcPrefix);
  const target = victim(d.target.dst, d.target.dstPort);
  const pattern = patternOf(d.signals);
  return {
    kind: 'decision',
    severity: decisionSeverity(d),
    source,
    ...(target !== undefined ? { target } : {}),
    ...(d.target.proto !== undefined ? { proto: d.target.proto } : {}),
    ...(pattern ? { pattern } : {}),
    action: d.action,
    score: d.score,
    signals: d.signals,
    decisionId: d.id,
    at: d.updatedAt ?? d.createdAt,
    summary: `${d.action} ${source}${target ? ` → ${target}` : ''}: ${d.reason} (score ${Math.round(d.score)}, ${d.origin})`,
    // A refreshed expiry is the same alert; an escalation to another action is news.
    dedupeKey: `decision|${d.id}|${d.action}`,
  };
}
