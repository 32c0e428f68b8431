/**
 * The admin API's input rules (issue 11): strict addresses, /0 and wide networks only when
 * forced, minimum durations, dstPort with a protocol that has ports, well-formed text —
 * and what a refused or a forced change does on a switch. A real Guard and API on loopback;
 * the switch is the in-memory FakeTable behind the Guard's real enforcer.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { Guard } from '../../controller/guard.js';
import { ManualClock } from '../../controller/clock.js';
import { silentLogger, type Logger } from '../../controller/log.js';
import { parseConfig } from '../../controller/config/load.js';
import { startApi } from '../../controller/api/index.js';
import { parsePolicyConfig } from '../../controller/policy/config.js';
import { emptyChanges } from '../../controller/policy/state.js';
import { openStore } from '../../controller/store/store.js';
import { FakeTable, FakeTableSwitch } from '../support/fake-table.js';
import { FlowPurpose, purposeOf, TABLE } from '../../flows/layout.js';

const T0 = Date.UTC(2025, 0, 1);
const dirs: string[] = [];

async function setup(dataDir = mkdtempSync(join(tmpdir(), 'ofguard-input-')), logger: Logger = silentLogger) {
  dirs.push(dataDir);
  const clock = new ManualClock(T0);
  const guard = new Guard({ controller: { port: 0, host: '127.0.0.1' }, dataDir, clock, logger, tickMs: 3_600_000 });
  await guard.start();
  const api = await startApi(guard, parseConfig({ dataDir, api: { port: 0, rateLimit: { perSecond: 1000, burst: 1000 } } }));
  const table = new FakeTable();
  await guard.enforcer.switchUp(new FakeTableSwitch('0000000000000001', table, () => clock.now()));
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(api.url + path, {
      method,
      headers: { authorization: `Bearer ${api.token}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    return { status: res.status, json: (await res.json()) as any };
  };
  const state = () => ({ version: guard.store.latestPolicyRevision()?.version ?? 0, audit: guard.store.audit(0, 100_000).length, decisions: guard.policy.activeDecisions().map((d) => d.id) });
  const stop = async () => {
    await api.close();
    await guard.stop();
  };
  return { dataDir, clock, guard, api, table, call, state, stop };
}

test.after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const v4 = (src: string) => ({ src, dst: '10.0.0.1', proto: 6, dstPort: 80, inPort: 1 });
const v6 = (src: string) => ({ src, dst: '2001:db8::1', proto: 6, dstPort: 80, inPort: 1 });

test('bad input of each new rule is a 400 naming its field, and changes nothing', async () => {
  const env = await setup();
  try {
    const before = env.state();
    const cases: Array<[string, string, unknown, string, string]> = [
      // Issue 11's addresses (the parser's whole table is test/policy/address.test.ts).
      ['POST', '/api/decisions', { src: '198.51.100.3/', reason: 'typo' }, 'src', 'ends in "/"'],
      ['POST', '/api/decisions', { src: '1.2.3.0/1e1', reason: 'x' }, 'src', 'plain decimal'],
      ['POST', '/api/decisions', { src: 'fe80::1%eth0', reason: 'x' }, 'src', 'zone id'],
      ['POST', '/api/decisions', { src: '::ffff:1.2.3.4/8', reason: 'x' }, 'src', 'IPv4-mapped'],
      ['POST', '/api/decisions', { src: '10.0.0.1', prefix: 40, reason: 'x' }, 'prefix', '0-32'],
      ['POST', '/api/decisions', { src: '10.0.0.0/8', prefix: 8, reason: 'x' }, 'prefix', 'give it once'],
      ['POST', '/api/decisions', { src: '0.0.0.0/0', reason: 'x' }, 'src', 'refused unless forced'],
      ['POST', '/api/decisions', { src: '::', prefix: 0, reason: 'x' }, 'src', 'refused unless forced'],
      ['POST', '/api/whitelist', { address: '0.0.0.0/0' }, 'address', 'refused unless forced'],
      ['POST', '/api/whitelist', { address: '10.1.2.3/' }, 'address', 'ends in "/"'],
      ['POST', '/api/blocklist', { address: '::/0' }, 'address', 'refused unless forced'],
      ['PATCH', '/api/policy', { policy: { whitelist: ['0.0.0.0/0'] } }, 'policy.whitelist.0', 'refused unless forced'],
      ['PUT', '/api/policy', { policy: { blocklist: ['192.0.2.0/24', '2000::/3'] } }, 'policy.blocklist.1', 'refused unless forced'],
      // Durations: at least a second (1e-300 used to make a decision that expired at once).
      ['POST', '/api/decisions', { src: '203.0.113.9', reason: 'x', durationS: 1e-300 }, 'durationS', '>=1'],
      ['POST', '/api/decisions', { src: '203.0.113.9', reason: 'x', durationS: 0.5 }, 'durationS', '>=1'],
      ['POST', '/api/decisions/1/extend', { seconds: 1e-300 }, 'seconds', '>=1'],
      // A port needs a protocol that has ports (a port with ICMP used to drop all ICMP).
      ['POST', '/api/decisions', { src: '203.0.113.9', reason: 'x', action: 'selective-drop', dstPort: 22 }, 'dstPort', 'needs proto'],
      ['POST', '/api/decisions', { src: '203.0.113.9', reason: 'x', action: 'selective-drop', proto: 1, dstPort: 22 }, 'dstPort', 'needs proto'],
      // Lone surrogates are valid JSON and JS strings, not Unicode: refused where text comes in.
      ['POST', '/api/decisions', '{"src":"203.0.113.9","reason":"bad \\ud800 text"}', 'reason', 'well-formed'],
      ['POST', '/api/blocklist', '{"address":"203.0.113.9","comment":"\\udc00"}', 'comment', 'well-formed'],
      ['POST', '/api/blocklist', '{"address":"203.0.113.9","reason":"x\\ud83d"}', 'reason', 'well-formed'],
      ['PATCH', '/api/policy', '{"policy":{"blocklist":["203.0.113.9"],"notes":{"203.0.113.9":"\\ud800"}}}', 'policy.notes.203.0.113.9', 'well-formed'],
    ];
    for (const [method, path, body, field, words] of cases) {
      const r = await env.call(method, path, body);
      const what = `${method} ${path} ${typeof body === 'string' ? body : JSON.stringify(body)}`;
      assert.is(r.status, 400, `${what}: ${JSON.stringify(r.json)}`);
      assert.equal([r.json.error.code, r.json.error.field], ['API_INVALID', field], what);
      assert.ok(r.json.error.message.includes(words), `${what}: ${r.json.error.message}`);
    }
    // A body nested past any request's shape is refused before anything walks it (the deep merge ran out of stack: 500).
    const deep = await env.call('PATCH', '/api/policy', `{"policy":{"notes":${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}}}`);
    assert.equal([deep.status, deep.json.error.code, deep.json.error.field], [400, 'API_BAD_JSON', 'body']);
    const proto = await env.call('PATCH', '/api/policy', '{"policy":{"durations":{"__proto__":{"lowMs":1}}}}');
    assert.equal([proto.status, proto.json.error.code, proto.json.error.message], [400, 'API_BAD_JSON', 'body: a "__proto__" key is not accepted']);
    assert.equal(env.state(), before, 'no version, no audit entry, no decision');
    assert.is(env.table.flows.filter((f) => f.tableId === TABLE.guard).length, 0, 'nothing sent to the switch');

    const ok = await env.call('POST', '/api/decisions', { src: '203.0.113.9', reason: 'ssh only', action: 'selective-drop', proto: 6, dstPort: 22, durationS: 1 });
    assert.is(ok.status, 201, JSON.stringify(ok.json));
    const mapped = await env.call('POST', '/api/decisions', { src: '::ffff:1.2.3.0', prefix: 120, reason: 'mapped' });
    assert.is(mapped.json.decisions[0].source, '1.2.3.0/24', 'an IPv4-mapped network is its IPv4 network');
    assert.ok(env.table.isDropped(v4('1.2.3.77')));
  } finally {
    await env.stop();
  }
});

test('a forced /0 becomes flows that work: a drop of every IPv4 source, a whitelist of every IPv6 one; both survive a restart', async () => {
  const env = await setup();
  let second: Awaited<ReturnType<typeof setup>> | undefined;
  try {
    const block = await env.call('POST', '/api/decisions', { src: '0.0.0.0/0', force: true, reason: 'drill', durationS: 600 });
    assert.is(block.status, 201, JSON.stringify(block.json));
    assert.is(block.json.decisions[0].source, '0.0.0.0/0');
    assert.ok(env.table.isDropped(v4('198.51.100.1')), 'every IPv4 source dropped');
    assert.ok(env.table.isDropped(v4('10.9.9.9')));
    assert.not.ok(env.table.isDropped(v6('2001:db8::99')), 'IPv6 untouched');
    assert.is(env.guard.counters.applyFailures, 0);

    const allowed = await env.call('POST', '/api/whitelist', { address: '::/0', force: true, comment: 'v6 lab' });
    assert.is(allowed.status, 201, JSON.stringify(allowed.json));
    const allow = env.table.matching(v6('2001:db8::99'), TABLE.guard)!;
    assert.is(purposeOf(allow.cookie), FlowPurpose.whitelist);
    assert.equal(allow.match, { ethType: 0x86dd }, 'a /0 is no address field at all');
    assert.equal(env.guard.policy.config.forced, ['::/0']);
    const refused = await env.call('POST', '/api/decisions', { src: '2001:db8::66', reason: 'x' });
    assert.equal([refused.status, refused.json.error.code], [409, 'API_WHITELISTED'], 'every IPv6 source is whitelisted');
    const version = env.state().version;
    await env.stop();

    second = await setup(env.dataDir);
    assert.equal(second.guard.policy.skippedOnRestore, [], 'nothing refused: both were forced');
    assert.equal(second.guard.policy.config.whitelist, ['::/0']);
    assert.is(second.state().version, version);
    assert.ok(second.table.isDropped(v4('203.0.113.1')), 'the forced drop is back on the switch');
    assert.is(second.table.lookup(v6('2001:db8::1')).outcome, 'continue');
    const unblock = await second.call('DELETE', `/api/decisions?src=${encodeURIComponent('0.0.0.0/0')}`);
    assert.is(unblock.status, 200, JSON.stringify(unblock.json));
    assert.not.ok(second.table.isDropped(v4('203.0.113.1')));
    const removed = await second.call('DELETE', `/api/whitelist?address=${encodeURIComponent('::/0')}`);
    assert.is(removed.status, 200, JSON.stringify(removed.json));
    assert.equal(second.guard.policy.config.forced, []);
    assert.is(second.table.flows.filter((f) => f.tableId === TABLE.guard && purposeOf(f.cookie) === FlowPurpose.whitelist).length, 0);
  } finally {
    await (second ?? env).stop().catch(() => {});
  }
});

test('a data folder from an older version with a whitelist 0.0.0.0/0 and a zone-id decision starts; each is logged and skipped', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'ofguard-input-old-'));
  const store = openStore(join(dataDir, 'ofguard.db'));
  const policy = JSON.parse(JSON.stringify(parsePolicyConfig({ whitelist: ['192.0.2.0/24'] }))) as Record<string, unknown>;
  delete policy.forced;
  store.savePolicyRevision(
    { version: 1, at: T0, actor: 'api', reason: 'allow 10.1.2.3/', changes: ['whitelist'], policy: { ...policy, whitelist: ['192.0.2.0/24', '0.0.0.0/0'] } },
    { at: T0, actor: 'api', action: 'whitelist-add', target: '0.0.0.0/0', before: null, after: null },
  );
  const old = { target: { src: 'fe80::1%eth0' }, action: 'drop', threatLevel: 'high', score: 0, trust: 0.5, signals: [], reason: 'old', origin: 'admin', offence: 1, createdAt: T0, expiresAt: T0 + 3_600_000 } as const;
  store.commit({ ...emptyChanges(), decisions: [{ ...old, id: 1, signals: [] }, { ...old, id: 2, target: { src: '203.0.113.5' }, signals: [] }] });
  store.close();

  const lines: string[] = [];
  const env = await setup(dataDir, pino({ level: 'info' }, { write: (line: string) => void lines.push(line) }));
  try {
    const skipped = lines.map((l) => JSON.parse(l)).filter((l) => l.msg === 'stored entry skipped at start-up');
    assert.equal(skipped.map((l) => [l.where, l.entry]), [['policy.whitelist', '0.0.0.0/0'], ['decision', '#1 fe80::1%eth0']], lines.join(''));
    assert.match(skipped[0].problem, /covers every IPv4 address/);
    assert.match(skipped[1].problem, /zone id/);
    const got = await env.call('GET', '/api/policy');
    assert.equal([got.json.version, got.json.policy.whitelist], [1, ['192.0.2.0/24']]);
    assert.equal(env.guard.policy.activeDecisions().map((d) => d.id), [2]);
    assert.ok(env.table.isDropped(v4('203.0.113.5')), 'the good decision is enforced');
    assert.not.ok(env.table.isDropped(v4('198.51.100.1')), 'nothing else is');
    // The policy can be changed again: the next version is written without the skipped entry.
    const next = await env.call('POST', '/api/blocklist', { address: '198.51.100.0/24' });
    assert.is(next.status, 201, JSON.stringify(next.json));
    assert.equal(env.guard.store.latestPolicyRevision()!.version, 2);
    assert.equal((env.guard.store.latestPolicyRevision()!.policy as { whitelist: string[] }).whitelist, ['192.0.2.0/24']);
  } finally {
    await env.stop();
  }
});

test('a block where a flood enters, by hand: whatever the source, at that port toward the victim; bad fields named, nothing changed', async () => {
  const env = await setup();
  try {
    const before = env.state();
    for (const [body, field] of [
      [{ ingress: 's1', dst: '10.0.0.100', reason: 'x' }, 'ingress'],
      [{ ingress: '1:0', dst: '10.0.0.100', reason: 'x' }, 'ingress'],
      [{ ingress: 'no-such-bridge:5', dst: '10.0.0.100', reason: 'x' }, 'ingress'],
      [{ ingress: '1:5', dst: '10.0.0.0/24', reason: 'x' }, 'dst'],
      [{ ingress: '1:5', dst: '10.0.0.256', reason: 'x' }, 'dst'],
      [{ ingress: '1:5', dst: '10.0.0.100', mac: '02:00', reason: 'x' }, 'mac'],
      [{ ingress: '1:5', dst: '10.0.0.100', proto: 17, allTcp: true, reason: 'x' }, 'allTcp'],
      [{ ingress: '1:5', dst: '10.0.0.100', action: 'monitor', reason: 'x' }, 'action'],
    ] as const) {
      const r = await env.call('POST', '/api/decisions/ingress', body);
      assert.is(r.status, 400, JSON.stringify(body));
      assert.is(r.json.error.field, field, JSON.stringify(r.json));
    }
    assert.equal(env.state(), before, 'nothing changed');

    const r = await env.call('POST', '/api/decisions/ingress', { ingress: '1:5', dst: '10.0.0.100', mac: '02:00:00:00:00:09', reason: 'a flood from behind port 5' });
    assert.is(r.status, 201, JSON.stringify(r.json));
    const [d] = r.json.decisions;
    assert.is(d.source, 'spoofed sources');
    assert.is(d.scope, 'at 1:5 (02:00:00:00:00:09) → 10.0.0.100 tcp-syn');
    assert.is(d.origin, 'admin');
    const syn = { dst: '10.0.0.100', proto: 6, dstPort: 80, tcpFlags: 0x002, inPort: 5, ethSrc: '02:00:00:00:00:09' };
    assert.ok(env.table.isDropped({ ...syn, src: '198.18.0.1' }), 'any source at that port and MAC');
    assert.not.ok(env.table.isDropped({ ...syn, src: '198.18.0.1', ethSrc: '02:00:00:00:00:0a' }), 'another MAC on the port');
    assert.not.ok(env.table.isDropped({ ...syn, src: '198.18.0.1', inPort: 6 }), 'another port');
    const gone = await env.call('DELETE', `/api/decisions/${d.id}`);
    assert.is(gone.status, 200, JSON.stringify(gone.json));
    assert.not.ok(env.table.isDropped({ ...syn, src: '198.18.0.1' }), 'unblocked by id');
  } finally {
    await env.stop();
  }
});

test.run();
