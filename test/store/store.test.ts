import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { chmodSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openStore } from '../../controller/store/store.js';
import { StoreError, STORE_ERROR_CODES } from '../../controller/store/errors.js';
import { SCHEMA_VERSION } from '../../controller/store/migrations.js';
import type { Decision } from '../../controller/policy/decision.js';
import { emptyChanges, type PolicyChanges } from '../../controller/policy/state.js';
import { parsePolicyConfig } from '../../controller/policy/config.js';

const dirs: string[] = [];
function tempDb(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ofguard-store-'));
  dirs.push(dir);
  return join(dir, 'ofguard.db');
}
test.after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function decision(over: Partial<Decision> = {}): Decision {
  return {
    id: 7,
    target: { src: '203.0.113.7' },
    action: 'drop',
    threatLevel: 'critical',
    score: 100,
    trust: 0.3,
    signals: [{ name: 'base.connections', points: 40, detail: '120 conn/s' }],
    reason: 'INSTANT_BLOCK',
    origin: 'auto',
    offence: 2,
    createdAt: 1000,
    expiresAt: 3_601_000,
    ...over,
  };
}

function batch(): PolicyChanges {
  const c = emptyChanges();
  c.sources.push({ key: '203.0.113.7', contributions: [], offences: 2, falsePositives: 0, adminOverrides: 1, lastSeenAt: 1000 });
  c.decisions.push(decision(), decision({ id: 8, target: { src: '198.51.100.0', srcPrefix: 24 }, action: 'rate-limit', rate: { unit: 'pktps', rate: 100 } }));
  c.decisions.push(decision({ id: 5, endedAt: 900, endReason: 'lifted' }));
  c.hits.push({ src: '203.0.113.7', at: 1000, attackType: 'syn-flood', pattern: 'many-to-single', connections: 120, packetRate: 120, score: 100, outcome: 'INSTANT_BLOCK', composite: 0.9, level: 'critical' });
  c.mitigations.push({ src: '203.0.113.7', decisionId: 7, action: 'drop', offence: 2, at: 1000, event: 'started' });
  c.mitigations.push({ src: '203.0.113.7', decisionId: 5, action: 'drop', offence: 1, at: 900, event: 'lifted', evidencePps: 0 });
  c.audit.push({ at: 1000, actor: 'policy', action: 'started', target: '203.0.113.7', after: decision() });
  c.versions.push({ at: 1000, actor: 'startup', reason: 'configuration', config: parsePolicyConfig(), weights: parsePolicyConfig().reputation.weights });
  return c;
}

test('a new file is migrated to the current schema, in WAL mode', () => {
  const path = tempDb();
  const store = openStore(path);
  store.close();
  const db = new Database(path, { readonly: true });
  assert.is(db.pragma('user_version', { simple: true }), SCHEMA_VERSION);
  assert.is(db.pragma('journal_mode', { simple: true }), 'wal');
  db.close();
});

test('write, close, reopen → the same state', () => {
  const path = tempDb();
  const store = openStore(path);
  store.commit(batch());
  const before = store.loadPolicyState();
  store.close();
  const again = openStore(path);
  const after = again.loadPolicyState();
  assert.equal(after, before);
  assert.is(after.maxDecisionId, 8);
  assert.equal(after.activeDecisions.map((d) => d.id), [7, 8], 'ended decisions are not active');
  assert.equal(after.activeDecisions[0], decision());
  assert.is(after.sources[0]!.offences, 2);
  assert.is(after.latestVersion!.actor, 'startup');
  assert.equal(again.hitsFor('203.0.113.7').map((h) => h.score), [100]);
  assert.equal(again.mitigationsFor('203.0.113.7').map((m) => m.event), ['started', 'lifted']);
  assert.is(again.mitigationsFor('203.0.113.7')[1]!.evidencePps, 0);
  assert.equal(again.decisionsFor('203.0.113.7').map((d) => d.id), [7, 5]);
  assert.equal(again.decisionsFor('198.51.100.0/24')[0]!.rate, { unit: 'pktps', rate: 100 });
  assert.equal((again.audit()[0]!.after as Decision).signals, decision().signals);
  again.close();
});

test('decisions are upserted by id: ending one updates the row', () => {
  const store = openStore(':memory:');
  store.commit(batch());
  const c = emptyChanges();
  c.decisions.push(decision({ endedAt: 2000, endReason: 'false positive' }));
  store.commit(c);
  assert.equal(store.loadPolicyState().activeDecisions.map((d) => d.id), [8]);
  assert.is(store.decisionsFor('203.0.113.7')[0]!.endReason, 'false positive');
  store.close();
});

test('a failing batch is rolled back whole', () => {
  const store = openStore(':memory:');
  const c = batch();
  (c.hits[0] as { attackType: unknown }).attackType = null; // NOT NULL violation after the decisions
  try {
    store.commit(c);
    assert.unreachable('should throw');
  } catch (err) {
    assert.instance(err, StoreError);
    assert.is((err as StoreError).code, 'STORE_WRITE_FAILED');
  }
  assert.equal(store.loadPolicyState().activeDecisions, []);
  store.close();
});

test('corrupt file → StoreError STORE_CORRUPT naming the path', () => {
  const path = tempDb();
  writeFileSync(path, Buffer.alloc(8192, 0x5a));
  try {
    openStore(path);
    assert.unreachable('should throw');
  } catch (err) {
    assert.instance(err, StoreError);
    assert.is((err as StoreError).code, 'STORE_CORRUPT');
    assert.ok((err as Error).message.includes(path));
  }
});

test('unwritable path → StoreError STORE_OPEN_FAILED naming the path', () => {
  const file = tempDb();
  writeFileSync(file, '');
  // A folder cannot be created under a file.
  const path = join(file, 'dir', 'x.db');
  try {
    openStore(path);
    assert.unreachable('should throw');
  } catch (err) {
    assert.instance(err, StoreError);
    assert.is((err as StoreError).code, 'STORE_OPEN_FAILED');
    assert.ok((err as Error).message.includes(path));
  }
});

test('schema from a newer ofguard → STORE_VERSION_TOO_NEW', () => {
  const path = tempDb();
  const db = new Database(path);
  db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
  db.close();
  try {
    openStore(path);
    assert.unreachable('should throw');
  } catch (err) {
    assert.is((err as StoreError).code, 'STORE_VERSION_TOO_NEW');
  }
});

test('prune forgets old hits, mitigation events and ended decisions, keeps active ones; the audit by its own cutoff', () => {
  const store = openStore(':memory:');
  store.commit(batch());
  const n = store.prune({ decisionsBefore: 950, historyBefore: 950, auditBefore: 950 });
  assert.equal(n, { hits: 0, mitigations: 1, decisions: 1, audit: 0 });
  assert.equal(store.loadPolicyState().activeDecisions.map((d) => d.id), [7, 8]);
  assert.is(store.audit().length, 1);
  assert.equal(store.prune({ decisionsBefore: 0, historyBefore: 0, auditBefore: 1001 }), { hits: 0, mitigations: 0, decisions: 0, audit: 1 });
  assert.is(store.audit().length, 0);
  assert.is(store.hitsFor('203.0.113.7').length, 1, 'each table by its own cutoff');
  store.close();
});

test('every store error code is documented in errors.ts', async () => {
  const { readFileSync } = await import('node:fs');
  const text = readFileSync(new URL('../../controller/store/errors.ts', import.meta.url), 'utf8');
  for (const code of STORE_ERROR_CODES) assert.ok(text.includes(`- ${code}`), code);
});

test('policy revisions: stored with their audit entry in one transaction, a taken version refused', () => {
  const store = openStore(tempDb());
  assert.is(store.latestPolicyRevision(), undefined);
  const policy = parsePolicyConfig({ durations: { lowMs: 1000 } });
  const audit = { at: 5, actor: 'api', action: 'policy-patched', target: 'policy', before: { version: 0 }, after: { version: 1 } };
  assert.is(store.savePolicyRevision({ version: 1, at: 5, actor: 'api', reason: 'r', changes: ['durations.lowMs'], policy }, audit), true);
  assert.is(store.savePolicyRevision({ version: 1, at: 6, actor: 'other', reason: 'late', changes: [], policy }, { ...audit, at: 6 }), false);
  assert.equal(store.audit().map((e) => e.at), [5], 'the refused one left no audit entry');
  store.savePolicyRevision({ version: 2, at: 7, actor: 'api', reason: 'again', changes: ['whitelist'], policy: { ...policy, whitelist: ['10.0.0.0/8'] } }, { ...audit, at: 7 });
  assert.equal(store.latestPolicyRevision()!.version, 2);
  assert.equal((store.latestPolicyRevision()!.policy as { whitelist: string[] }).whitelist, ['10.0.0.0/8']);
  assert.equal(store.policyRevision(1)!.policy, JSON.parse(JSON.stringify(policy)));
  assert.is(store.policyRevision(9), undefined);
  assert.equal(store.policyRevisions(10), [
    { version: 2, at: 7, actor: 'api', reason: 'again', changes: ['whitelist'] },
    { version: 1, at: 5, actor: 'api', reason: 'r', changes: ['durations.lowMs'] },
  ]);
  store.close();
});

test('recent decisions of every source, newest first, filtered by action, origin and ended', () => {
  const store = openStore(tempDb());
  store.commit(batch());
  const c = emptyChanges();
  c.decisions.push(decision({ id: 9, target: { src: '192.0.2.1' }, origin: 'admin', endedAt: 2000, endReason: 'unblocked' }));
  store.commit(c);
  assert.equal(store.recentDecisions({ limit: 10 }).map((d) => d.id), [9, 8, 7, 5]);
  assert.equal(store.recentDecisions({ limit: 2 }).map((d) => d.id), [9, 8]);
  assert.equal(store.recentDecisions({ limit: 10, ended: true }).map((d) => d.id), [9, 5]);
  assert.equal(store.recentDecisions({ limit: 10, ended: false }).map((d) => d.id), [8, 7]);
  assert.equal(store.recentDecisions({ limit: 10, action: 'drop', origin: 'auto' }).map((d) => d.id), [7, 5]);
  store.close();
});

test('database files are private: a new folder 0700, the database, WAL and SHM 0600', () => {
  const root = mkdtempSync(join(tmpdir(), 'ofguard-store-'));
  dirs.push(root);
  const folder = join(root, 'state', 'data');
  const path = join(folder, 'ofguard.db');
  const store = openStore(path);
  store.commit(batch());
  const mode = (p: string) => statSync(p).mode & 0o777;
  assert.is(mode(folder), 0o700);
  assert.is(mode(join(root, 'state')), 0o700, 'parents it created too');
  for (const f of [path, `${path}-wal`, `${path}-shm`]) assert.is(mode(f), 0o600, f);
  store.close();
});

test('files an older ofguard left 0644 are made 0600 at open; an existing folder is left as it is', () => {
  const folder = mkdtempSync(join(tmpdir(), 'ofguard-store-'));
  dirs.push(folder);
  chmodSync(folder, 0o755);
  const path = join(folder, 'ofguard.db');
  // What an older version left: the database and its WAL as the umask made them, still open elsewhere.
  const old = new Database(path);
  old.pragma('journal_mode = WAL');
  old.exec('CREATE TABLE t (x); INSERT INTO t VALUES (1)');
  for (const f of [path, `${path}-wal`, `${path}-shm`]) chmodSync(f, 0o644);
  const store = openStore(path);
  const mode = (p: string) => statSync(p).mode & 0o777;
  for (const f of [path, `${path}-wal`, `${path}-shm`]) assert.is(mode(f), 0o600, f);
  assert.is(mode(folder), 0o755, "the operator's folder is theirs (systemd's StateDirectoryMode, say)");
  store.close();
  old.close();
});

test.run();
