/**
 * The policy at run time: read, replaced (PUT), patched (PATCH, deep merge) and its
 * whitelist and blocklist edited entry by entry. Every change is checked by the policy's
 * zod schema first (nothing changes on a bad field), may name the version it was based on
 * (`ifVersion`: stale → 409), becomes version + 1 in the store together with its audit entry
 * (one transaction), and then takes effect in the PolicyEngine, whose result (decisions
 * ended by the whitelist, blocklist drops) the caller enforces.
 *
 * Version 0 is the config file's policy; versions 1, 2, … are stored, and on restart the
 * latest wins over the file (PolicyEngine.fromStore).
 */
import type { ZodError } from 'zod';
import { changedFields, unknownFields, type Path } from '../config/paths.js';
import { mergeConfig } from '../config/load.js';
import { policyConfigSchema, type PolicyConfig } from '../policy/config.js';
import type { EngineResult, PolicyEngine } from '../policy/engine.js';
import { sourceKey } from '../policy/address.js';
import type { PolicyRevision, Store } from '../store/store.js';
import { ApiError } from './errors.js';

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
  /** The version the change was based on: anything else is a conflict (409). */
  ifVersion?: number;
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

export type PolicyAdminEngine = Pick<PolicyEngine, 'config' | 'reconfigure'>;
export type PolicyAdminStore = Pick<Store, 'latestPolicyRevision' | 'savePolicyRevision' | 'policyRevisions' | 'policyRevision'>;

/** A policy check that failed, as the API's 400 naming the first field (under "policy"). */
export function invalidPolicy(error: ZodError | undefined, unknown: Path | undefined, prefix: Path): ApiError {
  if (unknown) {
    const field = [...prefix, ...unknown].join('.');
    return new ApiError(400, 'API_INVALID', `${field}: unknown field`, field);
  }
  const issue = error!.issues[0]!;
  const path = issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0]!] : issue.path;
  const field = [...prefix, ...path.map(String)].join('.');
  return new ApiError(400, 'API_INVALID', `${field}: ${issue.message}`, field);
}

/** Checks a whole policy: the parsed, frozen config, or the 400 naming the field. */
export function checkPolicy(input: unknown, prefix: Path = ['policy']): PolicyConfig {
  const r = policyConfigSchema.safeParse(input);
  if (!r.success) throw invalidPolicy(r.error, undefined, prefix);
  const unknown = unknownFields(input, r.data)[0];
  if (unknown) throw invalidPolicy(undefined, unknown, prefix);
  return deepFreeze(r.data);
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/** "10.1.2.3/8" → "10.0.0.0/8", "10.0.0.5/32" → "10.0.0.5": one spelling per entry. */
export function normaliseEntry(text: string): string {
  const slash = text.indexOf('/');
  return slash < 0 ? sourceKey(text) : sourceKey(text.slice(0, slash), Number(text.slice(slash + 1)));
}

export class PolicyAdmin {
  constructor(
    private readonly engine: PolicyAdminEngine,
    private readonly store: PolicyAdminStore,
  ) {}

  current(): PolicyState {
    const latest = this.store.latestPolicyRevision();
    const policy = this.engine.config;
    if (!latest) return { version: 0, policy, changedAt: null, actor: FILE_ACTOR, reason: 'the config file' };
    return { version: latest.version, policy, changedAt: latest.at, actor: latest.actor, reason: latest.reason };
  }

  /** PUT: the whole policy (fields left out take their defaults). */
  replace(input: unknown, opts: ChangeOptions, now: number): PolicyChange {
    return this.commit(checkPolicy(input), opts, 'policy-replaced', 'policy', now);
  }

  /**
   * PATCH: a partial policy deep-merged into the one in force (arrays are replaced whole).
   * Notes of entries the patch took off both lists go with them, unless it sets notes itself.
   */
  patch(partial: Record<string, unknown>, opts: ChangeOptions, now: number): PolicyChange {
    const merged = mergeConfig(toPlain(this.engine.config), partial);
    if (partial.notes === undefined && Array.isArray(merged.whitelist) && Array.isArray(merged.blocklist)) {
      const listed = new Set<unknown>([...merged.whitelist, ...merged.blocklist]);
      merged.notes = Object.fromEntries(Object.entries(merged.notes as Record<string, string>).filter(([entry]) => listed.has(entry)));
    }
    return this.commit(checkPolicy(merged), opts, 'policy-patched', 'policy', now);
  }

  entries(list: ListName): ListEntry[] {
    const c = this.engine.config;
    return c[list].map((address) => (c.notes[address] !== undefined ? { address, comment: c.notes[address] } : { address }));
  }

  /** Adds (or re-comments) an entry; the address is stored normalised. */
  addEntry(list: ListName, address: string, comment: string | undefined, opts: ChangeOptions, now: number): PolicyChange {
    const entry = normaliseEntry(address);
    const c = toPlain(this.engine.config);
    const entries = c[list] as string[];
    const notes = c.notes as Record<string, string>;
    if (entries.some((e) => normaliseEntry(e) === entry)) {
      if (comment === undefined || notes[entry] === comment) throw new ApiError(409, 'API_ALREADY_LISTED', `${entry} is already in the ${list}`, 'address');
    } else entries.push(entry);
    if (comment !== undefined) notes[entry] = comment;
    return this.commit(checkPolicy(c), opts, `${list}-add`, entry, now);
  }

  /** Removes every spelling of the entry (and its note). */
  removeEntry(list: ListName, address: string, opts: ChangeOptions, now: number): PolicyChange {
    const entry = normaliseEntry(address);
    const c = toPlain(this.engine.config);
    const entries = c[list] as string[];
    const kept = entries.filter((e) => normaliseEntry(e) !== entry);
    if (kept.length === entries.length) throw new ApiError(404, 'API_NOT_LISTED', `${entry} is not in the ${list}`, 'address');
    const notes = c.notes as Record<string, string>;
    for (const e of entries) if (!kept.includes(e) && !(c[list === 'whitelist' ? 'blocklist' : 'whitelist'] as string[]).includes(e)) delete notes[e];
    c[list] = kept;
    return this.commit(checkPolicy(c), opts, `${list}-remove`, entry, now);
  }

  /** Newest first. */
  versions(limit: number): Array<Omit<PolicyRevision, 'policy'>> {
    return this.store.policyRevisions(limit);
  }

  version(n: number): PolicyRevision | undefined {
    return this.store.policyRevision(n);
  }

  private commit(next: PolicyConfig, opts: ChangeOptions, action: string, target: string, now: number): PolicyChange {
    const current = this.current();
    if (opts.ifVersion !== undefined && opts.ifVersion !== current.version) {
      throw new ApiError(409, 'API_VERSION_CONFLICT', `the policy is at version ${current.version}, not ${opts.ifVersion}: read it again and retry`, 'ifVersion');
    }
    const fields = changedFields(current.policy, next);
    const changes = fields.map((f) => f.path);
    if (changes.length === 0) return { state: current, changes, result: { decisions: [], ended: [] } };
    const version = current.version + 1;
    const reason = opts.reason ?? action;
    // The audit keeps the changed values; each version's whole policy is in the revisions table.
    const before = { version: current.version, values: Object.fromEntries(fields.map((f) => [f.path, f.before])) };
    const after = { version, values: Object.fromEntries(fields.map((f) => [f.path, f.after])) };
    const saved = this.store.savePolicyRevision({ version, at: now, actor: opts.actor, reason, changes, policy: next }, { at: now, actor: opts.actor, action, target, before, after });
    if (!saved) throw new ApiError(409, 'API_VERSION_CONFLICT', `version ${version} was stored meanwhile: read the policy again and retry`, 'ifVersion');
    const result = this.engine.reconfigure(next, opts.actor, now);
    return { state: { version, policy: next, changedAt: now, actor: opts.actor, reason }, changes, result };
  }
}

/** A mutable deep copy of frozen config data. */
function toPlain(config: PolicyConfig): Record<string, unknown> {
  return JSON.parse(JSON.stringify(config)) as Record<string, unknown>;
}
