/**
 * Field paths in plain config data (JSON objects, arrays and scalars). Pure helpers shared by
 * the config loader, the runtime policy and the CLI:
 * - unknownFields: keys a schema dropped (zod's plain objects strip unknown keys silently,
 *   so a misspelt field would otherwise do nothing at all);
 * - changedFields: what differs between two versions of a policy;
 * - setPath: the CLI's `policy set durations.lowMs=120000`.
 */

export type Path = ReadonlyArray<string | number>;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** "durations.lowMs", "whitelist[2]", "notes.10.0.0.0/8"; "(root)" for the empty path. */
export function formatPath(path: Path): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out === '' ? p : `.${p}`;
  }
  return out === '' ? '(root)' : out;
}

/**
 * Paths of the keys in `input` that are not in `parsed` (what a schema made of the input):
 * fields the schema does not know. Arrays are walked index by index.
 */
export function unknownFields(input: unknown, parsed: unknown, at: Path = []): Array<Array<string | number>> {
  const out: Array<Array<string | number>> = [];
  if (isPlainObject(input) && isPlainObject(parsed)) {
    for (const [key, value] of Object.entries(input)) {
      if (!(key in parsed)) out.push([...at, key]);
      else out.push(...unknownFields(value, parsed[key], [...at, key]));
    }
  } else if (Array.isArray(input) && Array.isArray(parsed)) {
    for (let i = 0; i < input.length && i < parsed.length; i++) out.push(...unknownFields(input[i], parsed[i], [...at, i]));
  }
  return out;
}

export interface FieldChange {
  /** Dotted path ("durations.lowMs"); map keys are kept whole ("notes.10.0.0.0/8"). */
  path: string;
  before: unknown;
  after: unknown;
}

/** Leaf fields whose values differ; an array that differs at all is one change (its own path). */
export function changedFields(before: unknown, after: unknown, at: string[] = []): FieldChange[] {
  if (isPlainObject(before) && isPlainObject(after)) {
    const out: FieldChange[] = [];
    const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
    for (const key of [...keys].sort()) out.push(...changedFields(before[key], after[key], [...at, key]));
    return out;
  }
  return JSON.stringify(before) === JSON.stringify(after) ? [] : [{ path: at.join('.'), before: before ?? null, after: after ?? null }];
}

/**
 * A nested partial that sets one dotted path: setPath({}, 'durations.lowMs', 1) →
 * {durations: {lowMs: 1}}. Merges into `into` (a fresh object tree is built along the path).
 */
export function setPath(into: Record<string, unknown>, dotted: string, value: unknown): Record<string, unknown> {
  const keys = dotted.split('.');
  let node = into;
  for (let i = 0; i < keys.length - 1; i++) {
    const next = node[keys[i]!];
    node = node[keys[i]!] = isPlainObject(next) ? next : {};
  }
  node[keys[keys.length - 1]!] = value;
  return into;
}
