/**
 * The Grafana dashboard cannot drift from the metrics: every metric name its PromQL uses
 * must be registered by createMetrics, and every label it filters, groups or prints must
 * be one that metric has (or one Prometheus adds: instance, job; `le` on buckets).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Guard } from '../../controller/guard.js';
import { ManualClock } from '../../controller/clock.js';
import { silentLogger } from '../../controller/log.js';
import { createMetrics } from '../../controller/api/metrics.js';

interface Target { expr: string; legendFormat?: string }
interface Panel { id: number; type: string; title: string; targets?: Target[]; datasource?: { uid: string } }
interface Dashboard { uid: string; panels: Panel[]; templating: { list: Array<{ name: string; definition?: string }> } }

const file = fileURLToPath(new URL('../../grafana/ofguard-dashboard.json', import.meta.url));
const dashboard = JSON.parse(readFileSync(file, 'utf8')) as Dashboard;

const clock = new ManualClock(Date.UTC(2025, 0, 1));
const guard = new Guard({ controller: { port: 0, host: '127.0.0.1' }, dataDir: mkdtempSync(join(tmpdir(), 'ofguard-grafana-')), clock, logger: silentLogger });
const metrics = createMetrics(guard, () => clock.now());

/** PromQL words that are not metric names. */
const PROMQL_WORDS = new Set(['sum', 'rate', 'irate', 'increase', 'topk', 'bottomk', 'histogram_quantile', 'avg', 'max', 'min', 'count', 'or', 'and', 'unless', 'vector', 'by', 'without', 'label_values', 'offset']);
/** Labels Prometheus attaches to every scraped series. */
const TARGET_LABELS = ['instance', 'job'];
const HISTOGRAM_SUFFIXES = ['_bucket', '_sum', '_count'] as const;

/** The registered metric a name refers to (a histogram's series carry suffixes), with its labels. */
function resolve(name: string): { labels: string[] } | undefined {
  const direct = metrics.registry.getSingleMetric(name) as unknown as { labelNames?: string[] } | undefined;
  if (direct) return { labels: direct.labelNames ?? [] };
  for (const suffix of HISTOGRAM_SUFFIXES) {
    if (!name.endsWith(suffix)) continue;
    const base = metrics.registry.getSingleMetric(name.slice(0, -suffix.length)) as unknown as { labelNames?: string[]; constructor: { name: string } } | undefined;
    if (base && base.constructor.name === 'Histogram') return { labels: [...(base.labelNames ?? []), ...(suffix === '_bucket' ? ['le'] : [])] };
  }
  return undefined;
}

/** Metric names and the labels an expression uses: selectors `{k=…}`, `by (…)`. */
function parse(expr: string): { names: string[]; labels: string[]; grouped: string[] | undefined } {
  const labels: string[] = [];
  let grouped: string[] | undefined;
  let rest = expr.replace(/"(?:[^"\\]|\\.)*"/g, '""');
  rest = rest.replace(/\{([^}]*)\}/g, (_m, inner: string) => {
    for (const m of inner.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)/g)) labels.push(m[1]!);
    return ' ';
  });
  rest = rest.replace(/\[[^\]]*\]/g, ' ');
  rest = rest.replace(/\b(?:by|without)\s*\(([^)]*)\)/g, (_m, inner: string) => {
    const list = inner.split(',').map((s) => s.trim()).filter(Boolean);
    grouped = [...(grouped ?? []), ...list];
    labels.push(...list);
    return ' ';
  });
  rest = rest.replace(/\$__\w+/g, ' ');
  const names = [...rest.matchAll(/\b[a-zA-Z_:][a-zA-Z0-9_:]*\b/g)].map((m) => m[0]).filter((w) => !PROMQL_WORDS.has(w));
  return { names, labels, grouped };
}

const targets = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, ...t })));

test('the dashboard has panels with queries, unique ids, one datasource variable', () => {
  assert.ok(targets.length >= 20, `${targets.length} queries`);
  const ids = dashboard.panels.map((p) => p.id);
  assert.is(new Set(ids).size, ids.length);
  for (const p of dashboard.panels) if (p.type !== 'row') assert.is(p.datasource?.uid, '${datasource}', `${p.title} uses the datasource variable`);
  assert.equal(dashboard.templating.list.map((v) => v.name), ['datasource', 'instance']);
});

test('every metric name in the dashboard is registered by createMetrics', () => {
  const exprs = [...targets.map((t) => ({ where: t.panel, expr: t.expr })), ...dashboard.templating.list.filter((v) => v.definition).map((v) => ({ where: `variable ${v.name}`, expr: v.definition!.replace(/^label_values\(([^,]+),.*\)$/, '$1') }))];
  const used = new Set<string>();
  for (const { where, expr } of exprs) {
    const { names } = parse(expr);
    assert.ok(names.length > 0, `${where}: no metric in "${expr}"`);
    for (const name of names) {
      assert.ok(resolve(name), `${where}: ${name} is not a metric createMetrics registers`);
      used.add(name);
    }
  }
  // Every ofguard metric is on the dashboard: a new metric needs a panel (or this list).
  const ofguard = metrics.registry.getMetricsAsArray().map((m) => m.name).filter((n) => n.startsWith('ofguard_'));
  const shown = new Set([...used].map((n) => n.replace(/_(bucket|sum|count)$/, '')));
  assert.equal(ofguard.filter((n) => !shown.has(n) && !used.has(n)), [], 'ofguard metrics with no panel');
});

test('every label a query filters, groups or prints exists on its metrics', () => {
  for (const t of targets) {
    const { names, labels, grouped } = parse(t.expr);
    const known = new Set([...TARGET_LABELS, ...names.flatMap((n) => resolve(n)?.labels ?? [])]);
    for (const l of labels) assert.ok(known.has(l), `${t.panel}: label "${l}" is not on ${names.join(', ')}`);
    // After an aggregation only the grouped labels remain for the legend.
    const printable = grouped && !/^\s*(?:topk|bottomk)\(/.test(t.expr) ? new Set(grouped) : known;
    for (const m of (t.legendFormat ?? '').matchAll(/\{\{\s*(\w+)\s*\}\}/g)) assert.ok(printable.has(m[1]!), `${t.panel}: legend {{${m[1]}}} is not a label of "${t.expr}"`);
  }
});

test('the parser sees through PromQL it must not count as metrics', () => {
  assert.equal(parse('histogram_quantile(0.95, sum by (le) (rate(x_bucket{instance=~"$instance"}[$__rate_interval])))'), { names: ['x_bucket'], labels: ['instance', 'le'], grouped: ['le'] });
  assert.not.ok(resolve('ofguard_no_such_metric'));
  assert.not.ok(resolve('ofguard_switches_connected_bucket'), 'a gauge has no buckets');
  assert.equal(resolve('ofguard_poll_duration_seconds_bucket'), { labels: ['le'] });
});

test.after(() => {
  metrics.close();
  guard.store.close();
});

test.run();
