/**
 * SQLite store (better-sqlite3): reputation per source, decisions (active and ended),
 * mitigation history, scored detections, audit log, policy versions (learned weights) and
 * policy revisions (the policy changed at run time through the admin API).
 *
 * - WAL journal, synchronous=NORMAL: a commit costs no fsync of the main file, readers
 *   (API, CLI) never block the controller.
 * - Every statement is prepared once at open; the policy engine's changes of one call
 *   arrive as one batch and are written in one transaction.
 * - Open fails early and clearly: a folder that cannot be created, a file that is not a
 *   database or a schema from a newer ofguard each give a StoreError with a code and the path.
 * - Private: reputation, decisions and the audit are nobody else's business. A new data
 *   folder is created 0700; the database, its WAL and its shared memory are 0600, also when
 *   an older ofguard left them 0644 (fixed at open). SQLite creates the WAL and SHM with
 *   the database's own mode, so a 0600 database keeps them 0600.
 */
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { Decision } from '../policy/decision.js';
import type { PolicyRevisionSource, StoredPolicyRevision } from '../policy/engine.js';
import type {
  AuditEntry,
  HitRecord,
  MitigationRecord,
  PolicyChanges,
  PolicyPersistence,
  PolicySnapshot,
  PolicyVersion,
  SourceRecord,
} from '../policy/state.js';
import { StoreError } from './errors.js';
import { MIGRATIONS, SCHEMA_VERSION } from './migrations.js';

type Db = Database.Database;
type Statement = Database.Statement;

const CORRUPT_CODES = new Set(['SQLITE_NOTADB', 'SQLITE_CORRUPT']);

function sqliteCode(err: unknown): string {
  return typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : '';
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

const json = (v: unknown): string | null => (v === undefined ? null : JSON.stringify(v));

/** Times (ms since epoch) before which each kind of record is forgotten. */
export interface PruneCutoffs {
  decisionsBefore: number;
  historyBefore: number;
  auditBefore: number;
}

/** Rows deleted per table. */
export interface PruneResult {
  hits: number;
  mitigations: number;
  decisions: number;
  audit: number;
}

export class Store implements PolicyPersistence, PolicyRevisionSource {
  private readonly st: Record<
    | 'upsertSource'
    | 'upsertDecision'
    | 'insertHit'
    | 'insertMitigation'
    | 'insertAudit'
    | 'insertVersion'
    | 'allSources'
    | 'activeDecisions'
    | 'maxDecisionId'
    | 'latestVersion'
    | 'decisionsFor'
    | 'hitsFor'
    | 'mitigationsFor'
    | 'auditSince'
    | 'pruneHits'
    | 'pruneMitigations'
    | 'pruneDecisions'
    | 'pruneAudit'
    | 'insertRevision'
    | 'latestRevision'
    | 'revision'
    | 'revisions'
    | 'recentDecisions',
    Statement
  >;
  private readonly commitTx: (changes: PolicyChanges) => void;

  constructor(
    private readonly db: Db,
    readonly path: string,
  ) {
    this.st = {
      upsertSource: db.prepare(
        `INSERT INTO reputation (src, score, offences, last_seen, state) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT(src) DO UPDATE SET score = excluded.score, offences = excluded.offences,
           last_seen = excluded.last_seen, state = excluded.state`,
      ),
      upsertDecision: db.prepare(
        `INSERT INTO decisions (id, src, action, origin, offence, threat, score, created_at, expires_at, ended_at, end_reason, signals, decision)
         VALUES (@id, @src, @action, @origin, @offence, @threat, @score, @createdAt, @expiresAt, @endedAt, @endReason, @signals, @decision)
         ON CONFLICT(id) DO UPDATE SET src = excluded.src, action = excluded.action, origin = excluded.origin,
           offence = excluded.offence, threat = excluded.threat, score = excluded.score, created_at = excluded.created_at,
           expires_at = excluded.expires_at, ended_at = excluded.ended_at, end_reason = excluded.end_reason,
           signals = excluded.signals, decision = excluded.decision`,
      ),
      insertHit: db.prepare(
        `INSERT INTO hits (src, at, attack_type, pattern, connections, packet_rate, score, outcome, composite, level)
         VALUES (@src, @at, @attackType, @pattern, @connections, @packetRate, @score, @outcome, @composite, @level)`,
      ),
      insertMitigation: db.prepare(
        `INSERT INTO mitigations (src, decision_id, action, offence, at, event, evidence_pps)
         VALUES (@src, @decisionId, @action, @offence, @at, @event, @evidencePps)`,
      ),
      insertAudit: db.prepare(`INSERT INTO audit (at, actor, action, target, before, after) VALUES (?, ?, ?, ?, ?, ?)`),
      insertVersion: db.prepare(`INSERT INTO policy_versions (at, actor, reason, config, weights) VALUES (?, ?, ?, ?, ?)`),
      allSources: db.prepare(`SELECT state FROM reputation`),
      activeDecisions: db.prepare(`SELECT decision FROM decisions WHERE ended_at IS NULL ORDER BY id`),
      maxDecisionId: db.prepare(`SELECT coalesce(max(id), 0) AS id FROM decisions`),
      latestVersion: db.prepare(`SELECT at, actor, reason, config, weights FROM policy_versions ORDER BY version DESC LIMIT 1`),
      decisionsFor: db.prepare(`SELECT decision FROM decisions WHERE src = ? ORDER BY id DESC LIMIT ?`),
      hitsFor: db.prepare(
        `SELECT src, at, attack_type AS attackType, pattern, connections, packet_rate AS packetRate, score, outcome, composite, level
         FROM hits WHERE src = ? ORDER BY at DESC, id DESC LIMIT ?`,
      ),
      mitigationsFor: db.prepare(
        `SELECT src, decision_id AS decisionId, action, offence, at, event, evidence_pps AS evidencePps
         FROM mitigations WHERE src = ? ORDER BY at DESC, id DESC LIMIT ?`,
      ),
      auditSince: db.prepare(`SELECT at, actor, action, target, before, after FROM audit WHERE at >= ? ORDER BY id LIMIT ?`),
      pruneHits: db.prepare(`DELETE FROM hits WHERE at < ?`),
      pruneMitigations: db.prepare(`DELETE FROM mitigations WHERE at < ?`),
      pruneDecisions: db.prepare(`DELETE FROM decisions WHERE ended_at IS NOT NULL AND ended_at < ?`),
      pruneAudit: db.prepare(`DELETE FROM audit WHERE at < ?`),
      insertRevision: db.prepare(`INSERT INTO policy_revisions (version, at, actor, reason, changes, policy) VALUES (?, ?, ?, ?, ?, ?)`),
      latestRevision: db.prepare(`SELECT version, at, actor, reason, changes, policy FROM policy_revisions ORDER BY version DESC LIMIT 1`),
      revision: db.prepare(`SELECT version, at, actor, reason, changes, policy FROM policy_revisions WHERE version = ?`),
      revisions: db.prepare(`SELECT version, at, actor, reason, changes FROM policy_revisions ORDER BY version DESC LIMIT ?`),
      // NULL filters match everything; `ended` 0: in force only, 1: ended only, NULL: both.
      recentDecisions: db.prepare(
        `SELECT decision FROM decisions
         WHERE (@action IS NULL OR action = @action) AND (@origin IS NULL OR origin = @origin)
           AND (@ended IS NULL OR (ended_at IS NOT NULL) = @ended)
         ORDER BY id DESC LIMIT @limit`,
      ),
    };
    this.commitTx = db.transaction((c: PolicyChanges) => {
      for (const s of c.sources) {
        this.st.upsertSource.run(s.key, s.reputation?.score ?? 0, s.offences, s.lastSeenAt, JSON.stringify(s));
      }
      for (const d of c.decisions) this.st.upsertDecision.run(decisionRow(d));
      for (const h of c.hits) this.st.insertHit.run(h);
      for (const m of c.mitigations) this.st.insertMitigation.run({ ...m, evidencePps: m.evidencePps ?? null });
      for (const a of c.audit) this.st.insertAudit.run(a.at, a.actor, a.action, a.target, json(a.before), json(a.after));
      for (const v of c.versions) this.st.insertVersion.run(v.at, v.actor, v.reason, JSON.stringify(v.config), JSON.stringify(v.weights));
    });
  }

  /** Told how long each committed batch took, in seconds (the SQLite write latency metric). */
  readonly commitListeners = new Set<(seconds: number) => void>();

  /** One transaction: all of the batch or none of it. */
  commit(changes: PolicyChanges): void {
    const started = process.hrtime.bigint();
    this.guard('STORE_WRITE_FAILED', () => this.commitTx(changes));
    if (this.commitListeners.size === 0) return;
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    for (const l of this.commitListeners) l(seconds);
  }

  loadPolicyState(): PolicySnapshot {
    return this.guard('STORE_CORRUPT', () => {
      const sources = (this.st.allSources.all() as Array<{ state: string }>).map((r) => JSON.parse(r.state) as SourceRecord);
      const activeDecisions = (this.st.activeDecisions.all() as Array<{ decision: string }>).map((r) => JSON.parse(r.decision) as Decision);
      const maxDecisionId = (this.st.maxDecisionId.get() as { id: number }).id;
      const v = this.st.latestVersion.get() as { at: number; actor: string; reason: string; config: string; weights: string } | undefined;
      const snapshot: PolicySnapshot = { sources, activeDecisions, maxDecisionId };
      if (v) snapshot.latestVersion = { at: v.at, actor: v.actor, reason: v.reason, config: JSON.parse(v.config), weights: JSON.parse(v.weights) } satisfies PolicyVersion;
      return snapshot;
    });
  }

  /** A source's decisions, newest first. */
  decisionsFor(src: string, limit = 100): Decision[] {
    return (this.st.decisionsFor.all(src, limit) as Array<{ decision: string }>).map((r) => JSON.parse(r.decision) as Decision);
  }

  /** Decisions of every source, newest first, optionally only ended (or only in force) ones. */
  recentDecisions(filter: { limit: number; action?: string; origin?: string; ended?: boolean }): Decision[] {
    const rows = this.st.recentDecisions.all({
      action: filter.action ?? null,
      origin: filter.origin ?? null,
      ended: filter.ended === undefined ? null : Number(filter.ended),
      limit: filter.limit,
    }) as Array<{ decision: string }>;
    return rows.map((r) => JSON.parse(r.decision) as Decision);
  }

  /**
   * Stores a policy revision and its audit entry in one transaction. False when `version`
   * exists already: someone else changed the policy first (optimistic concurrency).
   */
  savePolicyRevision(revision: PolicyRevision, audit: AuditEntry): boolean {
    return this.guard('STORE_WRITE_FAILED', () => {
      try {
        this.db.transaction(() => {
          this.st.insertRevision.run(revision.version, revision.at, revision.actor, revision.reason, JSON.stringify(revision.changes), JSON.stringify(revision.policy));
          this.st.insertAudit.run(audit.at, audit.actor, audit.action, audit.target, json(audit.before), json(audit.after));
        })();
        return true;
      } catch (err) {
        if (sqliteCode(err) === 'SQLITE_CONSTRAINT_PRIMARYKEY') return false;
        throw err;
      }
    });
  }

  latestPolicyRevision(): PolicyRevision | undefined {
    const row = this.st.latestRevision.get() as RevisionRow | undefined;
    return row && revisionOf(row);
  }

  policyRevision(version: number): PolicyRevision | undefined {
    const row = this.st.revision.get(version) as RevisionRow | undefined;
    return row && revisionOf(row);
  }

  /** Newest first, without the policies themselves. */
  policyRevisions(limit = 100): Array<Omit<PolicyRevision, 'policy'>> {
    return (this.st.revisions.all(limit) as Array<Omit<RevisionRow, 'policy'>>).map((r) => ({ ...r, changes: JSON.parse(r.changes) as string[] }));
  }

  hitsFor(src: string, limit = 100): HitRecord[] {
    return this.st.hitsFor.all(src, limit) as HitRecord[];
  }

  mitigationsFor(src: string, limit = 100): MitigationRecord[] {
    return (this.st.mitigationsFor.all(src, limit) as Array<MitigationRecord & { evidencePps: number | null }>).map((r) => {
      const { evidencePps, ...rest } = r;
      return evidencePps === null ? rest : { ...rest, evidencePps };
    });
  }

  audit(since = 0, limit = 1000): AuditEntry[] {
    const rows = this.st.auditSince.all(since, limit) as Array<{ at: number; actor: string; action: string; target: string; before: string | null; after: string | null }>;
    return rows.map((r) => ({
      at: r.at,
      actor: r.actor,
      action: r.action,
      target: r.target,
      ...(r.before !== null ? { before: JSON.parse(r.before) as unknown } : {}),
      ...(r.after !== null ? { after: JSON.parse(r.after) as unknown } : {}),
    }));
  }

  /**
   * Retention, in one transaction: forgets decisions that ended before `decisionsBefore`,
   * scored detections and mitigation events before `historyBefore` and audit entries
   * before `auditBefore`. Active decisions, reputations and policy versions are kept.
   */
  prune(cutoffs: PruneCutoffs): PruneResult {
    return this.guard('STORE_WRITE_FAILED', () =>
      this.db.transaction(() => ({
        hits: this.st.pruneHits.run(cutoffs.historyBefore).changes,
        mitigations: this.st.pruneMitigations.run(cutoffs.historyBefore).changes,
        decisions: this.st.pruneDecisions.run(cutoffs.decisionsBefore).changes,
        audit: this.st.pruneAudit.run(cutoffs.auditBefore).changes,
      }))(),
    );
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  private guard<T>(code: 'STORE_WRITE_FAILED' | 'STORE_CORRUPT', fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      if (err instanceof StoreError) throw err;
      throw new StoreError(CORRUPT_CODES.has(sqliteCode(err)) ? 'STORE_CORRUPT' : code, this.path, describe(err), { cause: err });
    }
  }
}

/** A policy changed at run time: version 1, 2, … (0 is the config file's, never stored). */
export interface PolicyRevision extends StoredPolicyRevision {
  /** Dotted paths of the fields that changed from the previous version. */
  changes: string[];
}

interface RevisionRow {
  version: number;
  at: number;
  actor: string;
  reason: string;
  changes: string;
  policy: string;
}

function revisionOf(r: RevisionRow): PolicyRevision {
  return { ...r, changes: JSON.parse(r.changes) as string[], policy: JSON.parse(r.policy) as unknown };
}

function decisionRow(d: Decision): Record<string, unknown> {
  return {
    id: d.id,
    src: d.action === 'throttle-victim' && d.target.dst ? `victim:${d.target.dst}` : d.target.srcPrefix !== undefined ? `${d.target.src}/${d.target.srcPrefix}` : d.target.src,
    action: d.action,
    origin: d.origin,
    offence: d.offence,
    threat: d.threatLevel,
    score: d.score,
    createdAt: d.createdAt,
    expiresAt: d.expiresAt,
    endedAt: d.endedAt ?? null,
    endReason: d.endReason ?? null,
    signals: JSON.stringify(d.signals),
    decision: JSON.stringify(d),
  };
}

/** Opens (creating if needed) and migrates the database at `path` (':memory:' for tests). */
/** Only this user may read or write the database files. */
const FILE_MODE = 0o600;
const FOLDER_MODE = 0o700;

/** The database and its companions made 0600 where they are looser (an older ofguard's 0644). */
function makePrivate(path: string): void {
  for (const file of [path, `${path}-wal`, `${path}-shm`]) {
    if (existsSync(file) && (statSync(file).mode & 0o077) !== 0) chmodSync(file, FILE_MODE);
  }
}

/** The folder (0700 when new) and an empty 0600 database file, before SQLite creates it with the umask's mode. */
function preparePrivateFile(path: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: FOLDER_MODE });
  closeSync(openSync(path, 'a', FILE_MODE));
  makePrivate(path);
}

export function openStore(path: string): Store {
  const onDisk = path !== ':memory:' && path !== '';
  let db: Db;
  try {
    if (onDisk) preparePrivateFile(path);
    db = new Database(path);
  } catch (err) {
    throw new StoreError(CORRUPT_CODES.has(sqliteCode(err)) ? 'STORE_CORRUPT' : 'STORE_OPEN_FAILED', path, describe(err), { cause: err });
  }
  try {
    // The first statements read the header: a file that is not a database fails here.
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('busy_timeout = 5000');
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > SCHEMA_VERSION) {
      throw new StoreError('STORE_VERSION_TOO_NEW', path, `schema version ${version}, this ofguard knows up to ${SCHEMA_VERSION}`);
    }
    for (let v = version; v < SCHEMA_VERSION; v++) {
      db.transaction(() => {
        db.exec(MIGRATIONS[v]!);
        db.pragma(`user_version = ${v + 1}`);
      })();
    }
    // A WAL and SHM an older ofguard left 0644 were reopened as they were.
    if (onDisk) makePrivate(path);
    return new Store(db, path);
  } catch (err) {
    db.close();
    if (err instanceof StoreError) throw err;
    const code = CORRUPT_CODES.has(sqliteCode(err)) ? 'STORE_CORRUPT' : 'STORE_OPEN_FAILED';
    throw new StoreError(code, path, describe(err), { cause: err });
  }
}
