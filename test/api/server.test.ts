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
import { startApi } from '../../controller/api/index.js';
import { loadOrCreateToken } from '../../controller/api/token.js';
import { pino } from 'pino';

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
    ['GET', '/api/decisions?active=maybe', undefined, 400, 'API_INVALID', 'active'],
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

test('a policy changed at run time survives a restart and wins over the file policy; the log says so', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'ofguard-api-restart-'));
  const filePolicy = { durations: { lowMs: 30_000 } };
  const run = async (logger = silentLogger) => {
    const guard = new Guard({ controller: { port: 0, host: '127.0.0.1' }, dataDir, clock: new ManualClock(T0), logger, policy: filePolicy, tickMs: 60_000 });
    await guard.start();
    const api = await startApi(guard, parseConfig({ dataDir, api: { port: 0 } }));
    const call = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(api.url + path, { method, headers: { authorization: `Bearer ${api.token}`, 'content-type': 'application/json' }, ...(body ? { body: JSON.stringify(body) } : {}) });
      return (await res.json()) as any;
    };
    return { guard, call, stop: async () => { await api.close(); await guard.stop(); } };
  };
  const first = await run();
  await first.call('PATCH', '/api/policy', { policy: { durations: { lowMs: 45_000 } }, reason: 'tuned' });
  await first.call('POST', '/api/blocklist', { address: '203.0.113.200' });
  await first.stop();

  const lines: string[] = [];
  const second = await run(pino({ level: 'info' }, { write: (line: string) => void lines.push(line) }));
  try {
    assert.is(second.guard.policy.config.durations.lowMs, 45_000, 'the stored version, not the file');
    assert.equal(second.guard.policy.config.blocklist, ['203.0.113.200']);
    const state = await second.call('GET', '/api/policy');
    assert.equal([state.version, state.actor, state.reason], [2, 'api', 'blocklist-add']);
    const said = lines.map((l) => JSON.parse(l)).find((l) => /instead of the config file policy/.test(l.msg));
    assert.ok(said, `logged: ${lines.join('')}`);
    assert.is(said.version, 2);
    assert.equal(second.guard.policy.activeDecisions().map((d) => d.target.src), ['203.0.113.200'], 'the blocklist drop is back');
  } finally {
    await second.stop();
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

test('policy: get, patch, put, versions; each change is a version, audited and in force', async () => {
  const v0 = await env.call('GET', '/api/policy');
  assert.is(v0.status, 200, v0.text);
  assert.equal([v0.json.version, v0.json.changedAt, v0.json.actor], [0, null, 'config-file']);
  assert.equal(v0.json.policy.whitelist, ['192.0.2.0/24']);
  assert.is(v0.json.policy.durations.lowMs, 60_000);

  const patched = await env.call('PATCH', '/api/policy', { policy: { durations: { lowMs: 120_000 } }, ifVersion: 0, reason: 'longer low blocks' });
  assert.is(patched.status, 200, patched.text);
  assert.equal([patched.json.version, patched.json.actor, patched.json.reason, patched.json.changes], [1, 'api', 'longer low blocks', ['durations.lowMs']]);
  assert.is(env.guard.policy.config.durations.lowMs, 120_000);
  assert.equal(env.guard.policy.config.whitelist, ['192.0.2.0/24'], 'a patch keeps the rest');

  const stale = await env.call('PATCH', '/api/policy', { policy: { durations: { lowMs: 1000 } }, ifVersion: 0 });
  assert.is(stale.status, 409);
  assert.equal([stale.json.error.code, stale.json.error.field], ['API_VERSION_CONFLICT', 'ifVersion']);

  const put = await env.call('PUT', '/api/policy', { policy: { whitelist: ['192.0.2.0/24'], response: { rateLimitPps: 80 } }, ifVersion: 1 });
  assert.is(put.status, 200, put.text);
  assert.equal(put.json.changes, ['durations.lowMs', 'response.rateLimitPps']);
  assert.is(env.guard.policy.config.durations.lowMs, 60_000, 'PUT is the whole policy');

  const versions = await env.call('GET', '/api/policy/versions');
  assert.is(versions.json.current, 2);
  assert.equal(versions.json.versions.map((v: any) => [v.version, v.actor, v.changes]), [[2, 'api', ['durations.lowMs', 'response.rateLimitPps']], [1, 'api', ['durations.lowMs']]]);
  const one = await env.call('GET', '/api/policy/versions/1');
  assert.is(one.json.policy.durations.lowMs, 120_000);
  const audit = await env.call('GET', `/api/audit?since=${T0}&limit=1000`);
  const changes = audit.json.entries.filter((e: any) => e.target === 'policy');
  assert.equal(changes.map((e: any) => [e.actor, e.action, e.before.version, e.after.version]), [['api', 'policy-patched', 0, 1], ['api', 'policy-replaced', 1, 2]]);
  assert.equal(changes[0].after.values, { 'durations.lowMs': 120_000 });
});

test('policy and list endpoints: every bad input is a 4xx naming the field, and nothing changes', async () => {
  const version = (await env.call('GET', '/api/policy')).json.version;
  const auditBefore = env.guard.store.audit(0, 10_000).length;
  const cases: Array<[string, string, unknown, number, string, string | undefined]> = [
    ['PATCH', '/api/policy', '{"policy": ', 400, 'API_BAD_JSON', 'body'],
    ['PATCH', '/api/policy', { durations: { lowMs: 1 } }, 400, 'API_INVALID', 'policy'],
    ['PATCH', '/api/policy', { policy: 'all' }, 400, 'API_INVALID', 'policy'],
    ['PATCH', '/api/policy', { policy: { durations: { lowMs: 'soon' } } }, 400, 'API_INVALID', 'policy.durations.lowMs'],
    ['PATCH', '/api/policy', { policy: { durations: { baseBlockS: 600 } } }, 400, 'API_INVALID', 'policy.durations.baseBlockS'],
    ['PATCH', '/api/policy', { policy: { whitelist: ['10.0.0.0/33'] } }, 400, 'API_INVALID', 'policy.whitelist.0'],
    ['PATCH', '/api/policy', { policy: {}, ifVersion: -1 }, 400, 'API_INVALID', 'ifVersion'],
    ['PATCH', '/api/policy', { policy: { durations: { lowMs: 1000 } }, ifVersion: version + 7 }, 409, 'API_VERSION_CONFLICT', 'ifVersion'],
    ['PUT', '/api/policy', { policy: { threat: { weights: { base: -1 } } } }, 400, 'API_INVALID', 'policy.threat.weights.base'],
    ['POST', '/api/policy', { policy: {} }, 405, 'API_METHOD', undefined],
    ['GET', '/api/policy?x=1', undefined, 400, 'API_INVALID', 'x'],
    ['GET', '/api/policy/versions?limit=0', undefined, 400, 'API_INVALID', 'limit'],
    ['GET', '/api/policy/versions/0', undefined, 400, 'API_INVALID', 'path'],
    ['GET', '/api/policy/versions/999', undefined, 404, 'API_NOT_FOUND', 'version'],
    ['POST', '/api/whitelist', { address: 'nowhere' }, 400, 'API_INVALID', 'address'],
    ['POST', '/api/whitelist', { address: '10.0.0.0/8', note: 'x' }, 400, 'API_INVALID', 'note'],
    ['POST', '/api/whitelist', { address: '10.0.0.0/8', comment: '' }, 400, 'API_INVALID', 'comment'],
    ['POST', '/api/whitelist', { address: '192.0.2.0/24' }, 409, 'API_ALREADY_LISTED', 'address'],
    ['POST', '/api/blocklist', { address: '203.0.113.1', ifVersion: version + 1 }, 409, 'API_VERSION_CONFLICT', 'ifVersion'],
    ['DELETE', '/api/blocklist?address=203.0.113.1', undefined, 404, 'API_NOT_LISTED', 'address'],
    ['DELETE', '/api/whitelist', undefined, 400, 'API_INVALID', 'address'],
    ['DELETE', '/api/whitelist?address=192.0.2.0/24&ifVersion=x', undefined, 400, 'API_INVALID', 'ifVersion'],
    ['PUT', '/api/blocklist', {}, 405, 'API_METHOD', undefined],
  ];
  for (const [method, path, body, status, code, field] of cases) {
    const r = await env.call(method, path, body);
    const what = `${method} ${path} ${JSON.stringify(body)}`;
    assert.is(r.status, status, `${what}: ${r.text}`);
    assert.is(r.json.error.code, code, what);
    assert.is(r.json.error.field, field, what);
  }
  for (const path of ['/api/policy', '/api/policy/versions', '/api/whitelist', '/api/blocklist']) {
    assert.is((await env.call('GET', path, undefined, null)).status, 401, path);
  }
  assert.is((await env.call('PATCH', '/api/policy', { policy: { durations: { lowMs: 1000 } } }, null)).status, 401);
  assert.is((await env.call('POST', '/api/blocklist', { address: '203.0.113.1' }, null)).status, 401);
  assert.is((await env.call('GET', '/api/policy')).json.version, version, 'no new version');
  assert.is(env.guard.store.audit(0, 10_000).length, auditBefore, 'nothing audited');
  assert.equal(env.guard.policy.config.blocklist, []);
});

test('whitelisting a blocked source unblocks it at once; blocklist entries drop until removed', async () => {
  const enforced: string[] = [];
  const onDecisions = (r: { decisions: { id: number }[]; ended: { id: number }[] }) => enforced.push(...r.decisions.map((d) => `+${d.id}`), ...r.ended.map((d) => `-${d.id}`));
  env.guard.on('decisions', onDecisions);
  const blocked = await env.call('POST', '/api/decisions', { src: '203.0.113.50', reason: 'suspicious' });
  const id = blocked.json.decisions[0].id;
  const allowed = await env.call('POST', '/api/whitelist', { address: '203.0.113.50', comment: 'it is the CEO' });
  assert.is(allowed.status, 201, allowed.text);
  assert.equal(allowed.json.entries, [{ address: '192.0.2.0/24' }, { address: '203.0.113.50', comment: 'it is the CEO' }]);
  assert.equal(allowed.json.ended.map((d: any) => [d.id, d.endReason]), [[id, 'whitelisted by api']]);
  assert.equal(enforced, [`+${id}`, `-${id}`], 'the enforcer removed it');
  assert.equal((await env.call('GET', '/api/whitelist')).json.entries.length, 2);

  const listed = await env.call('POST', '/api/blocklist', { address: '198.18.0.0/15', comment: 'bogons', reason: 'RFC 2544 space' });
  assert.is(listed.status, 201, listed.text);
  const drop = listed.json.decisions[0];
  assert.equal([drop.source, drop.action, drop.origin, drop.reason], ['198.18.0.0/15', 'drop', 'admin', 'blocklist: bogons']);
  assert.equal((await env.call('GET', '/api/blocklist')).json.entries, [{ address: '198.18.0.0/15', comment: 'bogons' }]);
  const unblock = await env.call('DELETE', `/api/decisions/${drop.id}`);
  assert.is(unblock.status, 409);
  assert.equal([unblock.json.error.code, unblock.json.error.field], ['API_BLOCKLISTED', 'id']);
  const bySource = await env.call('DELETE', `/api/decisions?src=${encodeURIComponent('198.18.0.0/15')}`);
  assert.is(bySource.json.error.code, 'API_BLOCKLISTED');
  const removed = await env.call('DELETE', `/api/blocklist?address=${encodeURIComponent('198.18.0.0/15')}`);
  assert.is(removed.status, 200, removed.text);
  assert.equal(removed.json.ended.map((d: any) => d.id), [drop.id]);
  assert.equal(removed.json.entries, []);
  assert.ok(enforced.includes(`-${drop.id}`));

  const audit = (await env.call('GET', `/api/audit?since=${T0}&limit=1000`)).json.entries.map((e: any) => [e.action, e.target]);
  for (const entry of [['whitelist-add', '203.0.113.50'], ['blocklist-add', '198.18.0.0/15'], ['blocklist-remove', '198.18.0.0/15']]) {
    assert.ok(audit.some((a: string[]) => a[0] === entry[0] && a[1] === entry[1]), `audited ${entry.join(' ')}`);
  }
  env.guard.off('decisions', onDecisions);
});

test('decisions of every source, ended ones too, newest first, with the filters', async () => {
  const all = await env.call('GET', '/api/decisions?active=all');
  assert.is(all.status, 200, all.text);
  const ids = all.json.decisions.map((d: any) => d.id);
  assert.equal(ids, [...ids].sort((a: number, b: number) => b - a), 'newest first');
  const sources = new Set(all.json.decisions.map((d: any) => d.source));
  for (const s of ['203.0.113.9', '198.51.100.0/24', '203.0.113.50', '198.18.0.0/15']) assert.ok(sources.has(s), s);
  const ended = await env.call('GET', '/api/decisions?active=false&origin=admin&action=drop&limit=2');
  assert.is(ended.json.decisions.length, 2);
  for (const d of ended.json.decisions) assert.equal([d.origin, d.action, typeof d.endedAt, d.remainingS], ['admin', 'drop', 'number', 0]);
  const endedDrops = all.json.decisions.filter((d: any) => d.origin === 'admin' && d.action === 'drop' && d.endedAt !== undefined);
  assert.equal(ended.json.decisions.map((d: any) => d.id), endedDrops.slice(0, 2).map((d: any) => d.id));
});

test.run();
