/**
 * The policy at run time: read, replaced (PUT), patched (PATCH, deep merge) and its
 * whitelist and blocklist edited entry by entry. Every change is checked by the policy's
 * zod schema first (nothing changes on a bad field: POLICY_INVALID naming it), then by what
 * the enforcer can express (POLICY_NOT_ENFORCEABLE), may name the version it was based on
 * (`ifVersion`: stale → POLICY_VERSION_CONFLICT), becomes version + 1 in the store together
 * with its audit entry (one transaction), and then takes effect in the PolicyEngine, whose
 * result (decisions ended by the whitelist, blocklist drops) the caller enforces. Nothing
 * is stored that the engine would then refuse: a committed change never ends in an error.
 *
 * An entry wider than /8 (IPv4) or /16 (IPv6) must be forced (`force`): it is then kept
 * in the policy's `forced` list, so the mark survives restarts and later changes.
 *
 * Version 0 is the config file's policy; versions 1, 2, … are stored, and on restart the
 * latest wins over the file (PolicyEngine.fromStore).
 */
import type { ZodError } from 'zod';
import { changedFields, unknownFields, type Path } from '../config/paths.js';
import { mergeConfig } from '../config/load.js';
import { deepFreeze } from '../freeze.js';
import { cidrKey, isWide, parseCidr, readCidr, wideMessage } from './address.js';
import { policyConfigSchema, type PolicyConfig } from './config.js';
import type { EngineResult, PolicyEngine, StoredPolicyRevision } from './engine.js';
import { PolicyError } from './errors.js';
import type { AuditEntry } from './state.js';

export type ListName = 'whitelist' | 'blocklist';

export interface PolicyState {
  version: number;
  policy: PolicyConfig;
  /** When this version was made; null for version 0 (the config file's). */
  changedAt: number | null;
  actor: string;
  reason: string;
}

export interface ChangeOptions {
  actor: string;
  reason?: string;
  /** The version the change was based on: anything else is a conflict. */
  ifVersion?: number;
  /** Entries wider than /8 (IPv4) or /16 (IPv6) that the change adds are meant. */
  force?: boolean;
}

export interface PolicyChange {
  state: PolicyState;
  /** Dotted paths that changed; empty when the request changed nothing (no new version). */
  changes: string[];
  /** What the engine did about it (ended and new decisions), for the enforcer. */
  result: EngineResult;
}

export interface ListEntry {
  address: string;
  comment?: string;
}

const FILE_ACTOR = 'config-file';
const FORCE_HOW = 'admin API: "force": true, CLI: --force';
const LISTS = ['whitelist', 'blocklist'] as const;

export type RevisionsEngine = Pick<PolicyEngine, 'config' | 'reconfigure' | 'assertEnforceable'>;

/** One stored version: the whole policy and the dotted paths that changed from the version before. */
type Revision = StoredPolicyRevision & { changes: string[] };

/** What the store keeps of each version (controller/store implements it). */
export interface RevisionStore {
  latestPolicyRevision(): StoredPolicyRevision | undefined;
  /** The version and its audit entry in one transaction; false when that version exists already. */
  savePolicyRevision(revision: Revision, audit: AuditEntry): boolean;
  policyRevisions(limit: number): Array<Omit<Revision, 'policy'>>;
  policyRevision(version: number): Revision | undefined;
}

/** A policy check that failed, as POLICY_INVALID naming the first field (under `prefix`). */
function invalidPolicy(error: ZodError | undefined, unknown: Path | undefined, prefix: Path): PolicyError {
  if (unknown) {
    const field = [...prefix, ...unknown].join('.');
    return new PolicyError('POLICY_INVALID', `${field}: unknown field`, field);
  }
  const issue = error!.issues[0]!;
  const path = issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0]!] : issue.path;
  const field = [...prefix, ...path.map(String)].join('.');
  return new PolicyError('POLICY_INVALID', `${field}: ${issue.message}`, field);
}

/** Checks a whole policy: the parsed, frozen config, or POLICY_INVALID naming the field. */
export function checkPolicy(input: unknown, prefix: Path = ['policy']): PolicyConfig {
  const r = policyConfigSchema.safeParse(input);
  if (!r.success) throw invalidPolicy(r.error, undefined, prefix);
  const unknown = unknownFields(input, r.data)[0];
  if (unknown) throw invalidPolicy(undefined, unknown, prefix);
  return deepFreeze(r.data);
}

/** Every wide entry of both lists marked forced (a change made with `force`). */
function forceWideEntries(c: Record<string, unknown>): void {
  // Anything but a list is left for the schema to name.
  if (c.forced !== undefined && !Array.isArray(c.forced)) return;
  const forced = [...((c.forced as unknown[] | undefined) ?? [])];
  for (const list of LISTS) {
    const entries = c[list];
    if (!Array.isArray(entries)) continue;
    for (const entry of entries) {
      if (typeof entry !== 'string' || forced.includes(entry)) continue;
      const cidr = readCidr(entry);
      if (typeof cidr !== 'string' && isWide(cidr)) forced.push(entry);
    }
  }
  c.forced = forced;
}

/** Notes and forced marks of entries that are in neither list any more go with them. */
function dropOrphanMarks(c: Record<string, unknown>): void {
  if (!Array.isArray(c.whitelist) || !Array.isArray(c.blocklist)) return;
  const listed = new Set<unknown>([...c.whitelist, ...c.blocklist]);
  if (c.notes && typeof c.notes === 'object') c.notes = Object.fromEntries(Object.entries(c.notes).filter(([entry]) => listed.has(entry)));
  if (Array.isArray(c.forced)) c.forced = c.forced.filter((entry) => listed.has(entry));
}

/** An entry named by the request ("address"): its normalised spelling, or POLICY_BAD_ADDRESS naming the field. */
function entryOf(address: string): string {
  try {
    return cidrKey(address);
  } catch (err) {
    if (err instanceof PolicyError) throw new PolicyError(err.code, err.detail, 'address');
    throw err;
  }
}

export class PolicyRevisions {
  constructor(
    private readonly engine: RevisionsEngine,
    private readonly store: RevisionStore,
  ) {}

  current(): PolicyState {
    const latest = this.store.latestPolicyRevision();
    const policy = this.engine.config;
    if (!latest) return { version: 0, policy, changedAt: null, actor: FILE_ACTOR, reason: 'the config file' };
    return { version: latest.version, policy, changedAt: latest.at, actor: latest.actor, reason: latest.reason };
  }

  /** PUT: the whole policy (fields left out take their defaults). */
  replace(input: Record<string, unknown>, opts: ChangeOptions, now: number): PolicyChange {
    const c = { ...input };
    if (opts.force) forceWideEntries(c);
    return this.commit(checkPolicy(opts.force ? c : input), opts, 'policy-replaced', 'policy', now);
  }

  /**
   * PATCH: a partial policy deep-merged into the one in force (arrays are replaced whole).
   * Notes and forced marks of entries the patch took off both lists go with them, unless it
   * sets them itself.
   */
  patch(partial: Record<string, unknown>, opts: ChangeOptions, now: number): PolicyChange {
    const merged = mergeConfig(toPlain(this.engine.config), partial);
    const marks = { notes: merged.notes, forced: merged.forced };
    dropOrphanMarks(merged);
    if (partial.notes !== undefined) merged.notes = marks.notes;
    if (partial.forced !== undefined) merged.forced = marks.forced;
    if (opts.force) forceWideEntries(merged);
    return this.commit(checkPolicy(merged), opts, 'policy-patched', 'policy', now);
  }

  entries(list: ListName): ListEntry[] {
    const c = this.engine.config;
    return c[list].map((address) => (c.notes[address] !== undefined ? { address, comment: c.notes[address] } : { address }));
  }

  /** Adds (or re-comments) an entry; the address is stored normalised. A wide one needs `force`. */
  addEntry(list: ListName, address: string, comment: string | undefined, opts: ChangeOptions, now: number): PolicyChange {
    const entry = entryOf(address);
    const cidr = parseCidr(entry);
    if (isWide(cidr) && !opts.force) throw new PolicyError('POLICY_WIDE_PREFIX', wideMessage(cidr, FORCE_HOW), 'address');
    const c = toPlain(this.engine.config);
    const entries = c[list] as string[];
    const notes = c.notes as Record<string, string>;
    if (entries.some((e) => cidrKey(e) === entry)) {
      if (comment === undefined || notes[entry] === comment) throw new PolicyError('POLICY_ALREADY_LISTED', `${entry} is already in the ${list}`, 'address');
    } else entries.push(entry);
    if (comment !== undefined) notes[entry] = comment;
    if (opts.force) forceWideEntries(c);
    return this.commit(checkPolicy(c), opts, `${list}-add`, entry, now, 'address');
  }

  /** Removes every spelling of the entry (and its note and forced mark). */
  removeEntry(list: ListName, address: string, opts: ChangeOptions, now: number): PolicyChange {
    const entry = entryOf(address);
    const c = toPlain(this.engine.config);
    const entries = c[list] as string[];
    const kept = entries.filter((e) => cidrKey(e) !== entry);
    if (kept.length === entries.length) throw new PolicyError('POLICY_NOT_LISTED', `${entry} is not in the ${list}`, 'address');
    c[list] = kept;
    dropOrphanMarks(c);
    return this.commit(checkPolicy(c), opts, `${list}-remove`, entry, now, 'address');
  }

  /** Newest first. */
  versions(limit: number): Array<Omit<Revision, 'policy'>> {
    return this.store.policyRevisions(limit);
  }

  version(n: number): Revision | undefined {
    return this.store.policyRevision(n);
  }

  /**
   * Stores `next` as the next version and puts it in force. Everything that can refuse it
   * runs first (the enforcer's check, the version); `field` names the request field a
   * refused list entry is reported under (default: the policy path).
   */
  private commit(next: PolicyConfig, opts: ChangeOptions, action: string, target: string, now: number, field?: string): PolicyChange {
    const current = this.current();
    if (opts.ifVersion !== undefined && opts.ifVersion !== current.version) {
      throw new PolicyError('POLICY_VERSION_CONFLICT', `the policy is at version ${current.version}, not ${opts.ifVersion}: read it again and retry`, 'ifVersion');
    }
    const fields = changedFields(current.policy, next);
    const changes = fields.map((f) => f.path);
    if (changes.length === 0) return { state: current, changes, result: { decisions: [], ended: [] } };
    try {
      this.engine.assertEnforceable(next, now);
    } catch (err) {
      if (err instanceof PolicyError) throw new PolicyError(err.code, err.detail, field ?? `policy.${err.field}`);
      throw err;
    }
    const version = current.version + 1;
    const reason = opts.reason ?? action;
    // The audit keeps the changed values; each version's whole policy is in the revisions table.
    const before = { version: current.version, values: Object.fromEntries(fields.map((f) => [f.path, f.before])) };
    const after = { version, values: Object.fromEntries(fields.map((f) => [f.path, f.after])) };
    const saved = this.store.savePolicyRevision({ version, at: now, actor: opts.actor, reason, changes, policy: next }, { at: now, actor: opts.actor, action, target, before, after });
    if (!saved) throw new PolicyError('POLICY_VERSION_CONFLICT', `version ${version} was stored meanwhile: read the policy again and retry`, 'ifVersion');
    const result = this.engine.reconfigure(next, opts.actor, now);
    return { state: { version, policy: next, changedAt: now, actor: opts.actor, reason }, changes, result };
  }
}

/** A mutable deep copy of frozen config data. */
function toPlain(config: PolicyConfig): Record<string, unknown> {
  return JSON.parse(JSON.stringify(config)) as Record<string, unknown>;
}
