/**
 * Reading the configuration: file (JSON) < environment (OFGUARD_*) < command-line flags,
 * merged as plain data, then checked once by the schema and frozen. Runtime state never
 * lives in the config.
 *
 * Errors have stable codes:
 * - CONFIG_UNREADABLE  the file cannot be read
 * - CONFIG_BAD_JSON    the file is not JSON
 * - CONFIG_INVALID     the merged config breaks the schema; `problems` names each field
 */
import { readFileSync } from 'node:fs';
import type { ZodError } from 'zod';
import { configSchema, type Config, type ConfigInput } from './schema.js';

export type ConfigErrorCode = 'CONFIG_UNREADABLE' | 'CONFIG_BAD_JSON' | 'CONFIG_INVALID';

export interface ConfigProblem {
  /** Dotted path of the field, e.g. "api.port" or "policy.whitelist[0]"; "(root)" for the file itself. */
  path: string;
  reason: string;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly code: ConfigErrorCode,
    message: string,
    readonly problems: ConfigProblem[] = [],
  ) {
    super(`${code}: ${message}`);
  }
}

/** A nested partial of the config input: what env and flags may override. */
export type ConfigOverrides = { [key: string]: unknown };

function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out === '' ? String(p) : `.${String(p)}`;
  }
  return out === '' ? '(root)' : out;
}

/** Each problem of a zod error as `{path, reason}`; an unknown key is named by its own path. */
export function configProblems(error: ZodError): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) out.push({ path: formatPath([...issue.path, key]), reason: 'unknown field (misspelt?)' });
    } else {
      out.push({ path: formatPath(issue.path), reason: issue.message });
    }
  }
  return out;
}

/** One `path: reason` line per problem, for people. */
export function formatConfigErrors(error: ZodError): string[] {
  return configProblems(error).map((p) => `${p.path}: ${p.reason}`);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Deep merge of plain objects, later layers winning; arrays and scalars are replaced whole. */
export function mergeConfig(...layers: ReadonlyArray<ConfigOverrides | undefined>): ConfigOverrides {
  const out: Record<string, unknown> = {};
  for (const layer of layers) {
    if (!layer) continue;
    for (const [key, value] of Object.entries(layer)) {
      if (value === undefined) continue;
      const prev = out[key];
      out[key] = isPlainObject(prev) && isPlainObject(value) ? mergeConfig(prev, value) : value;
    }
  }
  return out;
}

/** Environment variables that override a config leaf, and how to read their text. */
export const ENV_OVERRIDES: ReadonlyArray<{ name: string; path: readonly string[]; kind: 'string' | 'number' | 'boolean' }> = [
  { name: 'OFGUARD_DATA_DIR', path: ['dataDir'], kind: 'string' },
  { name: 'OFGUARD_POLL_INTERVAL_MS', path: ['pollIntervalMs'], kind: 'number' },
  { name: 'OFGUARD_OPENFLOW_LISTEN', path: ['openflow', 'listen'], kind: 'string' },
  { name: 'OFGUARD_OPENFLOW_PORT', path: ['openflow', 'port'], kind: 'number' },
  { name: 'OFGUARD_API_ENABLED', path: ['api', 'enabled'], kind: 'boolean' },
  { name: 'OFGUARD_API_LISTEN', path: ['api', 'listen'], kind: 'string' },
  { name: 'OFGUARD_API_PORT', path: ['api', 'port'], kind: 'number' },
  { name: 'OFGUARD_LOG_LEVEL', path: ['logging', 'level'], kind: 'string' },
  { name: 'OFGUARD_SCOPE', path: ['enforcement', 'scope'], kind: 'string' },
];

function readEnvValue(text: string, kind: 'string' | 'number' | 'boolean'): unknown {
  if (kind === 'number') {
    const n = Number(text);
    // Unparsable text is passed on as text: the schema then names the field and the reason.
    return text.trim() !== '' && Number.isFinite(n) ? n : text;
  }
  if (kind === 'boolean') return text === 'true' || text === '1' ? true : text === 'false' || text === '0' ? false : text;
  return text;
}

/** The overrides set in `env` (OFGUARD_* only), as a nested config partial. */
export function envOverrides(env: NodeJS.ProcessEnv): ConfigOverrides {
  const out: Record<string, unknown> = {};
  for (const { name, path, kind } of ENV_OVERRIDES) {
    const text = env[name];
    if (text === undefined || text === '') continue;
    let node = out;
    for (let i = 0; i < path.length - 1; i++) node = (node[path[i]!] ??= {}) as Record<string, unknown>;
    node[path[path.length - 1]!] = readEnvValue(text, kind);
  }
  return out;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/** Checks and freezes. Throws ConfigError CONFIG_INVALID with every problem named. */
export function parseConfig(input: unknown = {}): Config {
  const result = configSchema.safeParse(input);
  if (!result.success) {
    const problems = configProblems(result.error);
    throw new ConfigError('CONFIG_INVALID', problems.map((p) => `${p.path}: ${p.reason}`).join('; '), problems);
  }
  return deepFreeze(result.data);
}

/** The file's content as data (not yet checked). */
export function readConfigFile(path: string): ConfigInput {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError('CONFIG_UNREADABLE', `cannot read ${path}: ${(err as Error).message}`, [{ path: '(root)', reason: `cannot read ${path}` }]);
  }
  try {
    return JSON.parse(text) as ConfigInput;
  } catch (err) {
    throw new ConfigError('CONFIG_BAD_JSON', `${path} is not JSON: ${(err as Error).message}`, [{ path: '(root)', reason: `not JSON: ${(err as Error).message}` }]);
  }
}

export interface LoadOptions {
  /** Config file; none means defaults. */
  file?: string;
  /** Environment to read OFGUARD_* from (default: none, so tests stay hermetic). */
  env?: NodeJS.ProcessEnv;
  /** Command-line flags as a config partial; they win over everything. */
  flags?: ConfigOverrides;
}

/** File < env < flags, checked once and frozen. */
export function loadConfig(opts: LoadOptions = {}): Config {
  const file = opts.file ? (readConfigFile(opts.file) as ConfigOverrides) : undefined;
  if (file !== undefined && !isPlainObject(file)) {
    throw new ConfigError('CONFIG_INVALID', 'the config file must hold a JSON object', [{ path: '(root)', reason: 'must be a JSON object' }]);
  }
  return parseConfig(mergeConfig(file, opts.env ? envOverrides(opts.env) : undefined, opts.flags));
}
