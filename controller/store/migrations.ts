/**
 * Schema migrations, applied in order inside one transaction each; SQLite's user_version
 * records how far a file has come. Append new migrations, never edit old ones.
 */
export const MIGRATIONS: readonly string[] = [
  // 1: initial schema
  `
  CREATE TABLE reputation (
    src        TEXT PRIMARY KEY,
    score      REAL NOT NULL,
    offences   INTEGER NOT NULL,
    last_seen  INTEGER NOT NULL,
    state      TEXT NOT NULL            -- SourceRecord as JSON
  );
  CREATE TABLE decisions (
    id          INTEGER PRIMARY KEY,
    src         TEXT NOT NULL,
    action      TEXT NOT NULL,
    origin      TEXT NOT NULL,
    offence     INTEGER NOT NULL,
    threat      TEXT NOT NULL,
    score       REAL NOT NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    ended_at    INTEGER,                -- NULL while active
    end_reason  TEXT,
    signals     TEXT NOT NULL,          -- Signal[] as JSON
    decision    TEXT NOT NULL           -- the whole Decision as JSON
  );
  CREATE INDEX decisions_active ON decisions (ended_at) WHERE ended_at IS NULL;
  CREATE INDEX decisions_src ON decisions (src, created_at);
  CREATE TABLE mitigations (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    src          TEXT NOT NULL,
    decision_id  INTEGER NOT NULL,
    action       TEXT NOT NULL,
    offence      INTEGER NOT NULL,
    at           INTEGER NOT NULL,
    event        TEXT NOT NULL,
    evidence_pps REAL
  );
  CREATE INDEX mitigations_src ON mitigations (src, at);
  CREATE TABLE hits (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    src          TEXT NOT NULL,
    at           INTEGER NOT NULL,
    attack_type  TEXT NOT NULL,
    pattern      TEXT NOT NULL,
    connections  REAL NOT NULL,
    packet_rate  REAL NOT NULL,
    score        REAL NOT NULL,
    outcome      TEXT NOT NULL,
    composite    REAL NOT NULL,
    level        TEXT NOT NULL
  );
  CREATE INDEX hits_src ON hits (src, at);
  CREATE TABLE audit (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    at      INTEGER NOT NULL,
    actor   TEXT NOT NULL,
    action  TEXT NOT NULL,
    target  TEXT NOT NULL,
    before  TEXT,                       -- JSON
    after   TEXT                        -- JSON
  );
  CREATE INDEX audit_at ON audit (at);
  CREATE TABLE policy_versions (
    version  INTEGER PRIMARY KEY AUTOINCREMENT,
    at       INTEGER NOT NULL,
    actor    TEXT NOT NULL,
    reason   TEXT NOT NULL,
    config   TEXT NOT NULL,             -- JSON
    weights  TEXT NOT NULL              -- JSON
  );
  `,
  // 2: policies changed at run time (admin API), one row per version; version 0 is the
  // config file's policy and is never stored
  `
  CREATE TABLE policy_revisions (
    version  INTEGER PRIMARY KEY,
    at       INTEGER NOT NULL,
    actor    TEXT NOT NULL,
    reason   TEXT NOT NULL,
    changes  TEXT NOT NULL,             -- JSON: the field paths that changed
    policy   TEXT NOT NULL              -- JSON: the whole policy config
  );
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;
