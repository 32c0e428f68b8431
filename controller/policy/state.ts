/**
 * What the policy engine remembers, as plain data: the contract between the engine and
 * the store. The engine mirrors every change as one `PolicyChanges` batch per call (one
 * SQLite transaction) and rebuilds itself from a `PolicySnapshot` at start.
 */
import type { AttackType, Severity, TrafficPattern } from '../detect/detection.js';
import type { ReputationWeights } from './config.js';
import type { Decision, MitigationAction } from './decision.js';
import type { HitHistory, MultiSignalOutcome } from './multi-signal.js';
import type { FactorContribution, ReputationState } from './reputation.js';

export interface SourceRecord {
  /** Normalised source key (see address.ts). */
  key: string;
  hits?: HitHistory;
  reputation?: ReputationState;
  /** Factor contributions behind the latest reputation (what learning adjusts). */
  contributions: FactorContribution[];
  /** What the latest detection looked like: selective drops name this protocol and port. */
  lastVector?: { pattern: TrafficPattern; proto?: number; dstPort?: number };
  offences: number;
  falsePositives: number;
  adminOverrides: number;
  lastSeenAt: number;
}

/** One scored detection ("hit"). */
export interface HitRecord {
  src: string;
  at: number;
  attackType: AttackType;
  pattern: TrafficPattern;
  connections: number;
  packetRate: number;
  score: number;
  outcome: MultiSignalOutcome;
  composite: number;
  level: Severity;
}

/** `refused`: ended at start-up, a decision an older version stored that this one cannot enforce (restore.ts). */
export type MitigationEvent = 'started' | 'escalated' | 'extended' | 'stepped-down' | 'lifted' | 'false-positive' | 'admin-unblock' | 'admin-block' | 'superseded' | 'refused';

/** Per-source, per-block history: what happened to each mitigation and on what evidence. */
export interface MitigationRecord {
  src: string;
  decisionId: number;
  action: MitigationAction;
  offence: number;
  at: number;
  event: MitigationEvent;
  /** Blocked-traffic rate the event was decided on, when there was one. */
  evidencePps?: number;
}

export interface AuditEntry {
  at: number;
  actor: string;
  action: string;
  target: string;
  before?: unknown;
  after?: unknown;
}

export interface PolicyVersion {
  at: number;
  actor: string;
  reason: string;
  config: unknown;
  weights: ReputationWeights;
}

export interface PolicyChanges {
  sources: SourceRecord[];
  /** Upserts by id: new, changed and ended decisions. */
  decisions: Decision[];
  hits: HitRecord[];
  mitigations: MitigationRecord[];
  audit: AuditEntry[];
  versions: PolicyVersion[];
}

export interface PolicySnapshot {
  sources: SourceRecord[];
  activeDecisions: Decision[];
  /** Highest decision id ever issued (ended ones included): ids are never reused. */
  maxDecisionId: number;
  latestVersion?: PolicyVersion;
}

/** What the engine needs from a store; controller/store implements it. */
export interface PolicyPersistence {
  commit(changes: PolicyChanges): void;
  loadPolicyState(): PolicySnapshot;
}

export function emptyChanges(): PolicyChanges {
  return { sources: [], decisions: [], hits: [], mitigations: [], audit: [], versions: [] };
}

export function hasChanges(c: PolicyChanges): boolean {
  return c.sources.length + c.decisions.length + c.hits.length + c.mitigations.length + c.audit.length + c.versions.length > 0;
}
