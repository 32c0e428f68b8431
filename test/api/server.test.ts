/** The admin API over a real socket on 127.0.0.1, serving a real Guard with no switch. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, statSync, writeFileSync, chmodSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Guard } from '../../controller/guard.js';
import { ManualClock } from '../../controller/clock.js';
import { silentLogger } from '../../controller/log.js';
import { parseConfig } from '../../controller/config/load.js';
import { startApi, type RunningApi } from '../../controller/api/index.js';
import { loadOrCreateToken } from '../../controller/api/token.js';

const T0 = Date.UTC(2025, 0, 1);

async function setup(rateLimit = { perSecond: 1000, burst: 1000 }) {
  const dataDir = mkdtempSync(join(tmpdir(), 'ofguard-api-'));
  const clock = new ManualClock(T0);
  const guard = new Guard({
    controller: { port: 0, host: '127.0.0.1' },
    dataDir,
    clock,
    logger: silentLogger,
    policy: { whitelist: ['192.0.2.0/24'] },
    tickMs: 60_000,
  });
  await guard.start();
  const config = parseConfig({ dataDir, api: { port: 0, rateLimit } });
  const api = await startApi(guard, config);
  const call = async (method: string, path: string, body?: unknown, token: string | null = api.token) => {
    const headers: Record<string, string> = {};
    if (token !== null) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(api.url + path, { method, headers, body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body) });
    const text = await res.text();
    let json: any;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.status, json, text, headers: res.headers };
  };
  const stop = async () => {
    await api.close();
    await guard.stop();
  };
  return { dataDir, clock, guard, api, call, stop };
}

type Env = Awaited<ReturnType<typeof setup>>;
let env: Env;
test.before(async () => {
  env = await setup();
});
test.after(async () => {
  await env.stop();
});

test('health needs no token; the API listens on loopback', async () => {
  assert.match(env.api.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  const r = await env.call('GET', '/health', undefined, null);
  assert.is(r.status, 200);
  assert.is(r.json.ok, true);
});

test('401 without a token and with a wrong one, 200 with the right one', async () => {
  const none = await env.call('GET', '/api/status', undefined, null);
  assert.is(none.status, 401);
  assert.is(none.json.error.code, 'API_UNAUTHORIZED');
  assert.is(none.headers.get('www-authenticate'), 'Bearer');
  const wrong = await env.call('GET', '/api/status', undefined, 'x'.repeat(env.api.token.length));
  assert.is(wrong.status, 401);
  const right = await env.call('GET', '/api/status');
  assert.is(right.status, 200);
  assert.equal(right.json.switches, []);
  assert.is(right.json.decisions.active, 0);
  assert.is(right.json.poll.intervalMs, 1000);
  assert.ok('snapshots' in right.json.counters);
  const sw = await env.call('GET', '/api/switches');
  assert.equal(sw.json, { switches: [] });
});

test('the token file is 0600, reused on the next start, tightened if loose', () => {
  const file = join(env.dataDir, 'api-token');
  assert.is(statSync(file).mode & 0o777, 0o600);
  assert.is(readFileSync(file, 'utf8').trim(), env.api.token);
  assert.is(loadOrCreateToken(env.dataDir), env.api.token);
  const other = mkdtempSync(join(tmpdir(), 'ofguard-token-'));
  writeFileSync(join(other, 'api-token'), 'a'.repeat(64));
  chmodSync(join(other, 'api-token'), 0o644);
  assert.is(loadOrCreateToken(other), 'a'.repeat(64));
  assert.is(statSync(join(other, 'api-token')).mode & 0o777, 0o600);
});

test('bad input of each kind is a 4xx naming the field, and changes nothing', async () => {
  const auditBefore = env.guard.store.audit().length;
  const cases: Array<[string, string, unknown, number, string, string | undefined]> = [
    ['POST', '/api/decisions', '{"src": ', 400, 'API_BAD_JSON', 'body'],
    ['POST', '/api/decisions', { src: 'not-an-ip', reason: 'x' }, 400, 'API_INVALID', 'src'],
    ['POST', '/api/decisions', { src: '203.0.113.0/33', reason: 'x' }, 400, 'API_INVALID', 'src'],
    ['POST', '/api/decisions', { src: '203.0.113.9' }, 400, 'API_INVALID', 'reason'],
    ['POST', '/api/decisions', { src: '203.0.113.9', reason: 'x', action: 'nuke' }, 400, 'API_INVALID', 'action'],
    ['POST', '/api/decisions', { src: '203.0.113.9', reason: 'x', durationS: -5 }, 400, 'API_INVALID', 'durationS'],
    ['POST', '/api/decisions', { src: '203.0.113.9', reason: 'x', colour: 'red' }, 400, 'API_INVALID', 'colour'],
    ['POST', '/api/decisions', { src: '192.0.2.7', reason: 'whitelisted' }, 409, 'API_WHITELISTED', 'src'],
    ['POST', '/api/decisions/abc/extend', { seconds: 60 }, 400, 'API_INVALID', 'path'],
    ['POST', '/api/decisions/999/extend', { seconds: 0 }, 400, 'API_INVALID', 'seconds'],
    ['POST', '/api/decisions/999/extend', { seconds: 60 }, 404, 'API_UNKNOWN_DECISION', 'id'],
    ['DELETE', '/api/decisions/999', undefined, 404, 'API_UNKNOWN_DECISION', 'id'],
    ['DELETE', '/api/decisions/1?falsePositive=maybe', undefined, 400, 'API_INVALID', 'falsePositive'],
    ['GET', '/api/decisions?active=false', undefined, 400, 'API_INVALID', 'src'],
    ['GET', '/api/decisions?action=explode', undefined, 400, 'API_INVALID', 'action'],
    ['GET', '/api/top?limit=0', undefined, 400, 'API_INVALID', 'limit'],
    ['GET', '/api/top?sort=asc', undefined, 400, 'API_INVALID', 'sort'],
    ['GET', '/api/reputation/999.1.1.1', undefined, 400, 'API_INVALID', 'path'],
    ['GET', '/api/nothing', undefined, 404, 'API_NOT_FOUND', undefined],
    ['PUT', '/api/status', undefined, 405, 'API_METHOD', undefined],
  ];
  for (const [method, path, body, status, code, field] of cases) {
    const r = await env.call(method, path, body);
    const what = `${method} ${path} ${JSON.stringify(body)}`;
    assert.is(r.status, status, what);
    assert.is(r.json.error.code, code, what);
    assert.is(r.json.error.field, field, what);
    assert.type(r.json.error.message, 'string');
  }
  const big = await env.call('POST', '/api/decisions', JSON.stringify({ src: '203.0.113.9', reason: 'x'.repeat(70_000) }));
  assert.is(big.status, 413);
  assert.is(env.guard.policy.activeDecisions().length, 0, 'no decision made');
  assert.is(env.guard.store.audit().length, auditBefore, 'nothing audited');
});

test('block → listed → extend → unblock, each applied and audited as "api"', async () => {
  const enforced: number[] = [];
  const onDecisions = (r: { decisions: { id: number }[]; ended: { id: number }[] }) => enforced.push(...r.decisions.map((d) => d.id), ...r.ended.map((d) => -d.id));
  env.guard.on('decisions', onDecisions);
  const created = await env.call('POST', '/api/decisions', { src: '203.0.113.9', reason: 'manual test block', durationS: 600, action: 'drop' });
  assert.is(created.status, 201, created.text);
  const d = created.json.decisions[0];
  assert.is(d.source, '203.0.113.9');
  assert.is(d.origin, 'admin');
  assert.is(d.remainingS, 600);
  assert.equal(enforced, [d.id], 'sent to the enforcer');

  const list = await env.call('GET', '/api/decisions');
  assert.equal(list.json.decisions.map((x: any) => x.id), [d.id]);
  const filtered = await env.call('GET', '/api/decisions?src=203.0.113.9&origin=admin&action=drop');
  assert.is(filtered.json.decisions.length, 1);
  const none = await env.call('GET', '/api/decisions?origin=auto');
  assert.is(none.json.decisions.length, 0);

  const extended = await env.call('POST', `/api/decisions/${d.id}/extend`, { seconds: 300 });
  assert.is(extended.status, 200, extended.text);
  assert.is(extended.json.decisions[0].id, d.id);
  assert.is(extended.json.decisions[0].remainingS, 900);

  const rep = await env.call('GET', '/api/reputation/203.0.113.9');
  assert.is(rep.status, 200);
  assert.is(rep.json.known, true);
  assert.is(rep.json.offences, 1);
  assert.is(rep.json.activeDecision.id, d.id);

  const removed = await env.call('DELETE', `/api/decisions/${d.id}?reason=${encodeURIComponent('test over')}`);
  assert.is(removed.status, 200, removed.text);
  assert.is(removed.json.ended[0].id, d.id);
  assert.match(removed.json.ended[0].endReason, /test over/);
  assert.equal(enforced, [d.id, d.id, -d.id]);
  assert.is((await env.call('GET', '/api/decisions')).json.decisions.length, 0);
  const history = await env.call('GET', '/api/decisions?src=203.0.113.9&active=false');
  assert.equal(history.json.decisions.map((x: any) => [x.id, x.remainingS]), [[d.id, 0]]);

  const audit = await env.call('GET', `/api/audit?since=${T0}`);
  const ours = audit.json.entries.filter((e: any) => e.target === '203.0.113.9');
  assert.equal(ours.map((e: any) => [e.actor, e.action]), [['api', 'admin-block'], ['api', 'extended'], ['api', 'admin-unblock']]);
  assert.ok(ours[1].before && ours[1].after, 'before/after recorded');
  env.guard.off('decisions', onDecisions);
});

test('a network block and an unblock by source', async () => {
  const created = await env.call('POST', '/api/decisions', { src: '198.51.100.77/24', reason: 'bad subnet', action: 'rate-limit' });
  assert.is(created.status, 201, created.text);
  assert.is(created.json.decisions[0].source, '198.51.100.0/24');
  assert.is(created.json.decisions[0].action, 'rate-limit');
  const removed = await env.call('DELETE', `/api/decisions?src=${encodeURIComponent('198.51.100.0/24')}&falsePositive=true`);
  assert.is(removed.status, 200, removed.text);
  assert.is(removed.json.ended[0].endReason, 'false positive (api)');
  const rep = await env.call('GET', `/api/reputation/${encodeURIComponent('198.51.100.0/24')}`);
  assert.is(rep.json.falsePositives, 1);
});

test('top and audit answer with their shapes', async () => {
  const top = await env.call('GET', '/api/top?limit=5');
  assert.is(top.status, 200);
  assert.equal(top.json, { sources: [], destinations: [] });
  const audit = await env.call('GET', '/api/audit?limit=1');
  assert.is(audit.json.entries.length, 1);
});

test('metrics are served without a token and name every metric', async () => {
  const r = await env.call('GET', '/metrics', undefined, null);
  assert.is(r.status, 200);
  assert.match(r.headers.get('content-type') ?? '', /text\/plain/);
  for (const name of [
    'ofguard_switches_connected 0',
    'ofguard_poll_duration_seconds',
    'ofguard_poll_flow_entries',
    'ofguard_packet_ins_total',
    'ofguard_detections_total',
    // The block and its extension: a changed decision counts again.
    'ofguard_decisions_total{action="drop",origin="admin"} 2',
    'ofguard_decisions_total{action="rate-limit",origin="admin"} 1',
    'ofguard_decisions_ended_total{action="drop"} 1',
    'ofguard_active_mitigations',
    'ofguard_enforcer_errors_total',
    'ofguard_enforcer_fallbacks_total',
    'ofguard_top_source_packet_rate',
    'ofguard_top_source_reputation',
    'process_cpu_user_seconds_total',
  ]) {
    assert.ok(r.text.includes(name), `missing ${name}`);
  }
});

test('a client over its rate gets 429 with Retry-After', async () => {
  const small = await setup({ perSecond: 1, burst: 3 });
  try {
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await small.call('GET', '/api/status')).status);
    assert.equal(statuses, [200, 200, 200, 429, 429]);
    const limited = await small.call('GET', '/api/status');
    assert.is(limited.json.error.code, 'API_RATE_LIMITED');
    assert.is(limited.headers.get('retry-after'), '1');
    assert.is((await small.call('GET', '/health', undefined, null)).status, 200, 'health is never limited');
    small.clock.advance(2000);
    assert.is((await small.call('GET', '/api/status')).status, 200, 'tokens refill with time');
  } finally {
    await small.stop();
  }
});

test.run();
