/**
 * The policy's changes of one call, mirrored into the store as one batch (one SQLite
 * transaction): sources touched, hits scored, decision lifecycle events, audit entries and
 * policy versions. Every part of the policy writes here; the engine flushes once per call.
 */
import { emptyChanges, hasChanges, type AuditEntry, type HitRecord, type MitigationRecord, type PolicyChanges, type PolicyPersistence, type PolicyVersion, type SourceRecord } from './state.js';
import type { Decision } from './decision.js';

export class ChangeBatch {
  private changes: PolicyChanges = emptyChanges();
  /** Sources already in this batch (a Set: a flood touches thousands per call). */
  private readonly dirty = new Set<SourceRecord>();

  constructor(private readonly store?: PolicyPersistence) {}

  /** A source record changed: stored with the batch (once, however often it changed). */
  touch(src: SourceRecord): void {
    if (this.dirty.has(src)) return;
    this.dirty.add(src);
    this.changes.sources.push(src);
  }

  hit(h: HitRecord): void {
    this.changes.hits.push(h);
  }

  audit(a: AuditEntry): void {
    this.changes.audit.push(a);
  }

  version(v: PolicyVersion): void {
    this.changes.versions.push(v);
  }

  /** A decision was issued, changed or ended: the decision row, its history row and its audit entry. */
  decision(d: Decision, history: MitigationRecord, audit: AuditEntry): void {
    this.changes.decisions.push(d);
    this.changes.mitigations.push(history);
    this.changes.audit.push(audit);
  }

  flush(): void {
    if (!hasChanges(this.changes)) return;
    const batch = this.changes;
    this.changes = emptyChanges();
    this.dirty.clear();
    this.store?.commit(batch);
  }
}
