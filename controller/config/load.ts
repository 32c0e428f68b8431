/**
 * Reading the configuration: file (JSON, or YAML when it ends in .yaml/.yml) < environment
 * (OFGUARD_*) < command-line flags, merged as plain data, then checked once by the schema
 * and frozen, then what start needs from the disk (preflight.ts: TLS files, dataDir). Runtime
 * state never lives in the config. A problem with a field that came from the file is given
 * the file's line. `ofguard start` and `ofguard config check` both load through loadConfig,
 * so a config one refuses the other refuses with the same words.
 *
 * Errors have stable codes:
 * - CONFIG_UNREADABLE  the file cannot be read (or is over 4 MiB)
 * - CONFIG_BAD_JSON    the file is not JSON
 * - CONFIG_BAD_YAML    the file is not YAML, or expands past the alias limit (an alias bomb)
 *                      or nests deeper than 64 levels
 * - CONFIG_INVALID     the merged config breaks the schema (unknown fields included);
 *                      `problems` names each field
 * - CONFIG_UNUSABLE    the config is valid but start could not use it: a TLS file unreadable,
 *                      not PEM or not matching, dataDir not a folder or not writable, the
 *                      geo database unreadable; `problems` names each field
 */
import { readFileSync, statSync } from 'node:fs';
import { LineCounter, isMap, isScalar, isSeq, parseDocument, type Document } from 'yaml';
import type { ZodError } from 'zod';
import { formatPath, unknownFields } from './paths.js';
import { preflight, type TlsFiles } from './preflight.js';
import { configSchema, type Config, type ConfigInput } from './schema.js';

export type ConfigErrorCode = 'CONFIG_UNREADABLE' | 'CONFIG_BAD_JSON' | 'CONFIG_BAD_YAML' | 'CONFIG_INVALID' | 'CONFIG_UNUSABLE';

export const CONFIG_ERROR_CODES: readonly ConfigErrorCode[] = ['CONFIG_UNREADABLE', 'CONFIG_BAD_JSON', 'CONFIG_BAD_YAML', 'CONFIG_INVALID', 'CONFIG_UNUSABLE'];

export interface ConfigProblem {
  /** Dotted path of the field, e.g. "api.port" or "policy.whitelist[0]"; "(root)" for the file itself. */
  path: string;
  reason: string;
  /** 1-based line in the config file, when the field (or its nearest parent) is written there. */
  line?: number;
  /** Raw path, to find the line. */
  at?: Array<string | number>;
}

/** "api.port: reason (line 3)": one line per problem, for people. */
export function formatProblem(p: ConfigProblem): string {
  return `${p.path}: ${p.reason}${p.line !== undefined ? ` (line ${p.line})` : ''}`;
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

const UNKNOWN_FIELD = 'unknown field (misspelt?)';

function keyPath(path: readonly PropertyKey[]): Array<string | number> {
  return path.map((p) => (typeof p === 'number' ? p : String(p)));
}

/** Each problem of a zod error as `{path, reason}`; an unknown key is named by its own path. */
export function configProblems(error: ZodError): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const at = keyPath([...issue.path, key]);
        out.push({ path: formatPath(at), reason: UNKNOWN_FIELD, at });
      }
    } else {
      const at = keyPath(issue.path);
      out.push({ path: formatPath(at), reason: issue.message, at });
    }
  }
  return out;
}

/** One `path: reason` line per problem, for people. */
export function formatConfigErrors(error: ZodError): string[] {
  return configProblems(error).map(formatProblem);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Deep merge of plain objects, later layers winning; arrays and scalars are replaced whole
 * and unset (undefined) values are skipped. An object never overlays a value of another
 * kind: `openflow: [1, 2]` in the file stays as it is under `--port 7000`, so the schema
 * still names it and start refuses what `config check` refuses.
 */
export function mergeConfig(...layers: ReadonlyArray<ConfigOverrides | undefined>): ConfigOverrides {
  const out: Record<string, unknown> = {};
  for (const layer of layers) {
    if (!layer) continue;
    for (const [key, value] of Object.entries(layer)) {
      if (value === undefined) continue;
      const prev = out[key];
      if (!isPlainObject(value)) out[key] = value;
      else if (prev === undefined || isPlainObject(prev)) out[key] = mergeConfig(prev as ConfigOverrides | undefined, value);
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

function invalid(problems: ConfigProblem[]): ConfigError {
  return new ConfigError('CONFIG_INVALID', problems.map(formatProblem).join('; '), problems);
}

/**
 * Checks and freezes. Throws ConfigError CONFIG_INVALID with every problem named, fields
 * the schema does not know included (the nested detect/policy schemas would drop them silently).
 */
export function parseConfig(input: unknown = {}): Config {
  const result = configSchema.safeParse(input);
  if (!result.success) throw invalid(configProblems(result.error));
  const unknown = unknownFields(input, result.data);
  if (unknown.length > 0) throw invalid(unknown.map((at) => ({ path: formatPath(at), reason: UNKNOWN_FIELD, at })));
  return deepFreeze(result.data);
}

export interface ConfigFile {
  data: ConfigInput;
  /** The line of the field at `path`, or of its nearest parent written in the file. */
  lineOf(path: ReadonlyArray<string | number>): number | undefined;
}

export function isYamlPath(path: string): boolean {
  return /\.ya?ml$/i.test(path);
}

/** Where each field is, from the YAML parser (JSON is YAML too: JSON files get lines the same way). */
function locator(doc: Document, lines: LineCounter): ConfigFile['lineOf'] {
  return (path) => {
    let node: unknown = doc.contents;
    let line: number | undefined;
    for (const key of path) {
      let range: readonly number[] | undefined;
      if (isMap(node)) {
        const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(key));
        if (!pair) break;
        range = (pair.key as { range?: readonly number[] }).range;
        node = pair.value;
      } else if (isSeq(node) && typeof key === 'number' && node.items[key] !== undefined) {
        node = node.items[key];
        range = (node as { range?: readonly number[] }).range;
      } else break;
      if (range) line = lines.linePos(range[0]!).line;
    }
    return line;
  };
}

/** A config file is a few KiB; far bigger is a mistake (or a device, or a log). */
const MAX_FILE_BYTES = 4 * 1024 * 1024;
/** A config nests a few levels; the YAML parser runs out of memory on ~100 000 before it can say so. */
const MAX_NESTING = 64;
/** Alias expansions allowed when YAML becomes data: the limit that stops an alias bomb. */
const MAX_ALIAS_COUNT = 100;

/**
 * The deepest bracket nesting in the text, brackets in strings and comments included (an
 * overcount only for a file with dozens of unclosed brackets in its strings).
 */
function bracketDepth(text: string): number {
  let depth = 0;
  let max = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x5b || c === 0x7b) max = Math.max(max, ++depth);
    else if ((c === 0x5d || c === 0x7d) && depth > 0) depth--;
  }
  return max;
}

function unreadable(path: string, reason: string): ConfigError {
  return new ConfigError('CONFIG_UNREADABLE', `cannot read ${path}: ${reason}`, [{ path: '(root)', reason: `cannot read ${path}: ${reason}` }]);
}

/** The file's content as data (not yet checked), with the lines of its fields. */
export function readConfigFile(path: string): ConfigFile {
  let text: string;
  try {
    if (statSync(path).size > MAX_FILE_BYTES) throw unreadable(path, `over ${MAX_FILE_BYTES / 1024 / 1024} MiB`);
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw unreadable(path, (err as NodeJS.ErrnoException).code ?? (err as Error).message);
  }
  const yaml = isYamlPath(path);
  const bad = (reason: string, line?: number) =>
    new ConfigError(yaml ? 'CONFIG_BAD_YAML' : 'CONFIG_BAD_JSON', `${path} is not ${yaml ? 'YAML' : 'JSON'}${line !== undefined ? ` (line ${line})` : ''}: ${reason}`, [
      { path: '(root)', reason: `not ${yaml ? 'YAML' : 'JSON'}: ${reason}`, ...(line !== undefined ? { line } : {}) },
    ]);
  if (bracketDepth(text) > MAX_NESTING) throw bad(`nested deeper than ${MAX_NESTING} levels`);
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  if (yaml) {
    const error = doc.errors[0];
    if (error) throw bad(error.message.split('\n')[0]!, lines.linePos(error.pos[0]).line);
    let data: unknown;
    try {
      data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (err) {
      // "Excessive alias count indicates a resource exhaustion attack": an alias bomb.
      throw bad((err as Error).message);
    }
    return { data: (data ?? {}) as ConfigInput, lineOf: locator(doc, lines) };
  }
  try {
    return { data: JSON.parse(text) as ConfigInput, lineOf: locator(doc, lines) };
  } catch (err) {
    const message = (err as Error).message;
    const position = /position (\d+)/.exec(message);
    throw bad(message, position ? lines.linePos(Number(position[1])).line : undefined);
  }
}

/**
 * Did the file supply the value at `path`, rather than the environment or a flag? Only then
 * does a problem there get the file's line. Arrays are replaced whole by the merge, so an
 * array (and all inside it) is the file's when it is the file's own.
 */
function fromFile(file: unknown, merged: unknown, path: ReadonlyArray<string | number>): boolean {
  let f = file;
  let m = merged;
  for (const key of path) {
    if (Array.isArray(m)) return f === m;
    if (!isPlainObject(f) || !isPlainObject(m)) return false;
    f = f[String(key)];
    m = m[String(key)];
    // Missing in the file: the file's (its parent's line) unless an override supplied it.
    if (f === undefined) return m === undefined;
  }
  return f === m || (isPlainObject(f) && isPlainObject(m));
}

export interface LoadOptions {
  /** Config file; none means defaults. */
  file?: string;
  /** Environment to read OFGUARD_* from (default: none, so tests stay hermetic). */
  env?: NodeJS.ProcessEnv;
  /** Command-line flags as a config partial; they win over everything. */
  flags?: ConfigOverrides;
}

/** A config start can run with, and the TLS files it names, already read and checked. */
export interface LoadedConfig {
  config: Config;
  tls?: TlsFiles;
}

/**
 * File < env < flags, checked once by the schema and frozen, then by preflight (what start
 * needs from the disk). Throws ConfigError; every problem names its field, with the file's
 * line when the file set it.
 */
export function loadConfig(opts: LoadOptions = {}): LoadedConfig {
  const source = opts.file ? readConfigFile(opts.file) : undefined;
  const file = source?.data as ConfigOverrides | undefined;
  if (source !== undefined && !isPlainObject(file)) {
    const kind = isYamlPath(opts.file!) ? 'a YAML mapping' : 'a JSON object';
    throw new ConfigError('CONFIG_INVALID', `the config file must hold ${kind}`, [{ path: '(root)', reason: `must be ${kind}` }]);
  }
  const merged = mergeConfig(file, opts.env ? envOverrides(opts.env) : undefined, opts.flags);
  // Lines only for fields the file set: a value from the environment or a flag has none.
  const located = (problems: ConfigProblem[]) =>
    problems.map((p) => {
      const line = source && p.at && fromFile(file, merged, p.at) ? source.lineOf(p.at) : undefined;
      return line !== undefined ? { ...p, line } : p;
    });
  let config: Config;
  try {
    config = parseConfig(merged);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    throw invalid(located(err.problems));
  }
  const checked = preflight(config);
  if (checked.problems.length > 0) {
    const problems = located(checked.problems);
    throw new ConfigError('CONFIG_UNUSABLE', problems.map(formatProblem).join('; '), problems);
  }
  return { config, ...(checked.tls ? { tls: checked.tls } : {}) };
}
