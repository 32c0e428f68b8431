/** Human output of the operator commands: aligned tables and short durations. Pure. */
import type { DecisionView } from '../api/views.js';

/** Columns padded to their widest cell; the last column is not padded. */
export function table(headers: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** 3725 → "1h2m", 59 → "59s", 0 → "0s". */
export function formatSeconds(total: number): string {
  const s = Math.max(0, Math.round(total));
  const d = Math.floor(s / 86_400);
  const h = Math.floor((s % 86_400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  if (d > 0) return `${d}d${h}h`;
  if (h > 0) return `${h}h${m}m`;
  if (m > 0) return `${m}m${sec}s`;
  return `${sec}s`;
}

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

/** "90" / "90s" / "10m" / "4h" / "1d" / "1h30m" → seconds; undefined when it is not a duration. */
export function parseDuration(text: string): number | undefined {
  const t = text.trim();
  if (/^\d+(\.\d+)?$/.test(t)) return Number(t) > 0 ? Number(t) : undefined;
  if (!/^(\d+(\.\d+)?[smhd])+$/.test(t)) return undefined;
  let total = 0;
  for (const [, n, unit] of t.matchAll(/(\d+(?:\.\d+)?)([smhd])/g)) total += Number(n) * UNITS[unit!]!;
  return total > 0 ? total : undefined;
}

/** Long free text cut to `max` characters with an ellipsis. */
export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** "failed: <reason> (at <dpid>)" for a decision in force that is not enforced; undefined while it is. */
export function enforcementText(d: Pick<DecisionView, 'enforcement'>): string | undefined {
  const e = d.enforcement;
  if (!e) return undefined;
  const where = e.dpids.length === 0 ? '' : e.dpids.length <= 3 ? ` (at ${e.dpids.join(', ')})` : ` (at ${e.dpids.length} switches)`;
  return `failed: ${e.reason}${where}`;
}

const DECISION_HEADERS = ['ID', 'SOURCE', 'SCOPE', 'ACTION', 'REASON', 'SCORE', 'REMAINING', 'ORIGIN'];

/**
 * The decisions of `decisions list` and `reputation`, one row each. An ENFORCEMENT column
 * (last, never clipped) appears when one of them is in force but not enforced.
 */
export function decisionTable(list: readonly DecisionView[]): string {
  const failed = list.some((d) => d.enforcement !== undefined);
  const rows = list.map((d) => [
    String(d.id),
    d.source,
    d.scope,
    d.action + (d.rate ? ` ${d.rate.rate}${d.rate.unit === 'pktps' ? 'pps' : 'kbps'}` : ''),
    clip(d.endedAt === undefined ? d.reason : `${d.reason} [ended: ${d.endReason ?? ''}]`, 60),
    String(Math.round(d.score)),
    d.endedAt === undefined ? formatSeconds(d.remainingS) : '-',
    d.origin,
    ...(failed ? [enforcementText(d) ?? '-'] : []),
  ]);
  return table(failed ? [...DECISION_HEADERS, 'ENFORCEMENT'] : DECISION_HEADERS, rows);
}

/** Every leaf of plain data as [dotted path, value as JSON]; arrays are one leaf. */
export function flattenLeaves(value: unknown, at = ''): Array<[string, string]> {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const out: Array<[string, string]> = [];
    for (const [key, v] of Object.entries(value)) out.push(...flattenLeaves(v, at === '' ? key : `${at}.${key}`));
    return out;
  }
  return [[at, JSON.stringify(value)]];
}

/**
 * "durations.lowMs=600000" → ['durations.lowMs', 600000]: the value is JSON when it parses
 * (numbers, booleans, arrays, quoted strings), else the text itself. undefined when there is
 * no "=" or no path.
 */
export function parseAssignment(text: string): [string, unknown] | undefined {
  const eq = text.indexOf('=');
  if (eq <= 0) return undefined;
  const path = text.slice(0, eq).trim();
  if (path === '' || path.split('.').some((k) => k === '')) return undefined;
  const raw = text.slice(eq + 1);
  try {
    return [path, JSON.parse(raw) as unknown];
  } catch {
    return [path, raw];
  }
}
