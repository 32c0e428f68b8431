/**
 * A fuzz test of the admin API: a few thousand random and mutated requests (bodies, queries,
 * paths, methods) against every route of a real Guard and API on loopback, from a seeded
 * PRNG so a failure is reproduced by its seed (OFGUARD_FUZZ_SEED=n to try another). Asserts
 * what issue 11 asks: never a 5xx, and never a state change on a 4xx (policy version,
 * policy in force, decisions in force, audit rows); a 400 always names its field.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { seededRng } from '../../controller/detect/rng.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Guard } from '../../controller/guard.js';
import { ManualClock } from '../../controller/clock.js';
import { silentLogger } from '../../controller/log.js';
import { parseConfig } from '../../controller/config/load.js';
import { startApi } from '../../controller/api/index.js';
import { isWellFormed } from '../../controller/unicode.js';

const SEED = Number(process.env.OFGUARD_FUZZ_SEED ?? 0x0f6d);
const REQUESTS = 3000;
const T0 = Date.UTC(2025, 0, 1);


// mulberry32: the same sequence for the same seed everywhere.
const random = seededRng(SEED);
const int = (n: number) => Math.floor(random() * n);
const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
const chance = (p: number) => random() < p;

const ADDRESSES = [
  // valid
  '203.0.113.9', '203.0.113.77', '198.51.100.0/24', '198.51.100.7/24', '10.0.0.0/8', '2001:db8::1', '2001:db8::/32', '::ffff:1.2.3.0/120',
  '::ffff:10.0.0.1', '192.0.2.1', '192.0.2.0/24',
  // wide: refused unless forced
  '0.0.0.0/0', '::/0', '10.0.0.0/7', '2000::/3', '1.2.3.4/0',
  // issue 11's refused inputs
  '198.51.100.3/', '1.2.3.4/', '1.2.3.0/ 8', '1.2.3.0/08', '1.2.3.0/8.0', '1.2.3.0/0x8', '1.2.3.0/+8', '1.2.3.0/1e1', '1.2.3.4/33',
  '1.2.3.4/128', '::ffff:1.2.3.4/8', 'fe80::1%eth0', '::1.2.3.4', '01.2.3.4', '', ' ', 'host', '1.2.3', '2001:db8::/129',
];
const STRINGS = ['', ' ', 'x', 'true', 'false', 'all', 'null', '0', '-1', '1e-300', 'NaN', 'Infinity', '__proto__', 'constructor', 'drop', 'monitor',
  'rate-limit', 'selective-drop', 'throttle-victim', 'auto', 'admin', '\ud800', 'a\udc00b', '\u0000', 'é✓😀', 'x'.repeat(600), '%', '%E0%A4%A', '../..'];
const NUMBERS = [0, -0, 1, -1, 0.5, 1e-300, 1e300, 2 ** 53, -(2 ** 31), 6, 17, 1, 22, 65535, 65536, 255, 256, 59, 60, 86400, 2592000, 2592001, 100, 1000, 1001];

/** Any JSON value, nested up to `depth`. */
function anyValue(depth = 2): unknown {
  switch (int(depth > 0 ? 8 : 6)) {
    case 0: return pick(NUMBERS);
    case 1: return pick(STRINGS);
    case 2: return pick(ADDRESSES);
    case 3: return pick([true, false, null]);
    case 4: return random() * 10 ** int(12) * (chance(0.2) ? -1 : 1);
    case 5: return pick([[], {}]);
    case 6: return Array.from({ length: int(4) }, () => anyValue(depth - 1));
    default: return Object.fromEntries(Array.from({ length: int(4) }, () => [pick([...STRINGS, 'src', 'reason', 'policy', 'address']), anyValue(depth - 1)]));
  }
}

/** A body close to a valid one: some fields valid, some wrong, some missing, some unknown. */
function mutate(valid: Record<string, unknown>, pools: Record<string, () => unknown>): unknown {
  if (chance(0.05)) return anyValue(3);
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(valid)) {
    if (chance(0.1)) continue;
    out[key] = chance(0.6) ? value : chance(0.7) && pools[key] ? pools[key]!() : anyValue(2);
  }
  for (const [key, gen] of Object.entries(pools)) if (!(key in out) && chance(0.3)) out[key] = gen();
  if (chance(0.1)) out[pick(['colour', '__proto__', 'constructor', 'prefix', 'force', 'ifVersion'])] = anyValue(1);
  return out;
}

const POLICY_PATHS: Record<string, () => unknown> = {
  whitelist: () => Array.from({ length: int(3) }, () => pick(ADDRESSES)),
  blocklist: () => Array.from({ length: int(3) }, () => pick(ADDRESSES)),
  notes: () => ({ [pick(ADDRESSES)]: pick(STRINGS) }),
  forced: () => Array.from({ length: int(2) }, () => pick(ADDRESSES)),
  durations: () => ({ lowMs: pick([...NUMBERS, 60_000, 120_000]), maxMs: pick(NUMBERS) }),
  response: () => ({ rateLimitPps: pick([...NUMBERS, 50]) }),
  multiSignal: () => ({ connectionBuckets: chance(0.5) ? [{ min: pick(NUMBERS), points: pick(NUMBERS) }] : anyValue(2) }),
  retention: () => ({ auditMs: pick(NUMBERS) }),
  unblock: () => anyValue(2),
};

function policyPartial(): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, gen] of Object.entries(POLICY_PATHS)) if (chance(0.25)) out[key] = gen();
  if (chance(0.05)) out[pick(STRINGS)] = anyValue(1);
  return out;
}

const blockPools: Record<string, () => unknown> = {
  src: () => pick(ADDRESSES), prefix: () => pick([...NUMBERS, 24, 120, 0]), action: () => pick(['drop', 'rate-limit', 'monitor', 'selective-drop', 'throttle-victim', 'nuke']),
  durationS: () => pick(NUMBERS), proto: () => pick([6, 17, 1, 132, 0, 256, -1]), dstPort: () => pick([22, 80, 0, 65535, 65536, -1]),
  reason: () => pick(STRINGS), force: () => pick([true, false, 'yes', 1]),
};
const listPools: Record<string, () => unknown> = {
  address: () => pick(ADDRESSES), comment: () => pick(STRINGS), ifVersion: () => pick([...NUMBERS, 0, 1, 2, 3]), reason: () => pick(STRINGS), force: () => pick([true, false, 'true']),
};
const policyPools: Record<string, () => unknown> = {
  policy: () => (chance(0.8) ? policyPartial() : anyValue(2)), ifVersion: () => pick([0, 1, 2, 3, -1, 1.5, '1']), reason: () => pick(STRINGS), force: () => pick([true, false, 1]),
};

function query(pairs: Record<string, () => string>): string {
  const q = new URLSearchParams();
  for (const [key, gen] of Object.entries(pairs)) if (chance(0.5)) q.append(key, gen());
  if (chance(0.15)) q.append(pick(STRINGS), pick(STRINGS));
  if (chance(0.05)) q.append('limit', '5');
  const text = q.toString();
  if (chance(0.05)) return `?${pick(['%', '%zz', 'a=%E0%A4%A', '&&&', '=x', 'src=%00'])}`;
  return text ? `?${text}` : '';
}

const text = () => pick([...STRINGS, ...ADDRESSES, String(pick(NUMBERS))]);
/** A path segment; a lone surrogate cannot be URI-encoded, so it goes as the bytes of one (not UTF-8). */
const segment = () => {
  const t = text();
  return isWellFormed(t) ? encodeURIComponent(t) : '%ED%A0%80';
};
const decisionId = (ids: number[]) => (chance(0.6) && ids.length ? String(pick(ids)) : chance(0.5) ? segment() : pick(['0', '-1', '1.5', '999999', '1e3', '']));

interface Req {
  method: string;
  path: string;
  body?: unknown;
  raw?: string;
}

/** One request, to a route chosen at random, shaped like a real one more often than not. */
function request(ids: number[]): Req {
  const method = () => (chance(0.85) ? undefined : pick(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS']));
  const route = int(18);
  let r: Req;
  switch (route) {
    case 0: r = { method: 'GET', path: `/api/${pick(['status', 'switches'])}${query({ x: text })}` }; break;
    case 1: r = { method: 'GET', path: `/api/top${query({ limit: () => String(pick(NUMBERS)) })}` }; break;
    case 2: r = { method: 'GET', path: `/api/audit${query({ since: () => String(pick([...NUMBERS, T0])), limit: () => String(pick(NUMBERS)) })}` }; break;
    case 3: r = { method: 'GET', path: `/api/reputation/${chance(0.7) ? encodeURIComponent(pick(ADDRESSES)) : segment()}${query({ x: text })}` }; break;
    case 4: r = { method: 'GET', path: `/api/decisions${query({ src: () => pick(ADDRESSES), action: text, origin: text, active: () => pick(['true', 'false', 'all', 'x']), limit: () => String(pick(NUMBERS)) })}` }; break;
    case 5:
    case 6: r = { method: 'POST', path: '/api/decisions', body: mutate({ src: pick(ADDRESSES), reason: 'fuzz', ...(chance(0.3) ? { durationS: pick(NUMBERS) } : {}) }, blockPools) }; break;
    case 7: r = { method: 'DELETE', path: `/api/decisions${query({ src: () => pick(ADDRESSES), falsePositive: () => pick(['true', 'false', 'x']), reason: text })}` }; break;
    case 8: r = { method: 'DELETE', path: `/api/decisions/${decisionId(ids)}${query({ falsePositive: () => pick(['true', 'false', '1']), reason: text })}` }; break;
    case 9: r = { method: 'POST', path: `/api/decisions/${decisionId(ids)}/extend`, body: mutate({ seconds: pick(NUMBERS) }, { seconds: () => pick(NUMBERS) }) }; break;
    case 10: r = { method: pick(['PUT', 'PATCH']), path: '/api/policy', body: mutate({ policy: policyPartial() }, policyPools) }; break;
    case 11: r = { method: 'GET', path: `/api/policy${chance(0.5) ? '/versions' : ''}${query({ limit: () => String(pick(NUMBERS)), x: text })}` }; break;
    case 12: r = { method: 'GET', path: `/api/policy/versions/${chance(0.5) ? String(int(5)) : segment()}` }; break;
    case 13: r = { method: 'POST', path: `/api/${pick(['whitelist', 'blocklist'])}`, body: mutate({ address: pick(ADDRESSES), ...(chance(0.4) ? { comment: 'fuzz' } : {}) }, listPools) }; break;
    case 14: r = { method: 'DELETE', path: `/api/${pick(['whitelist', 'blocklist'])}${query({ address: () => pick(ADDRESSES), ifVersion: () => String(pick([0, 1, 2, -1, 'x'])), reason: text })}` }; break;
    case 15: r = { method: 'GET', path: `/api/${pick(['whitelist', 'blocklist'])}${query({ x: text })}` }; break;
    case 16: r = {
      method: 'POST', path: '/api/decisions/ingress',
      body: mutate({ ingress: pick(['1:5', '0000000000000001:3', 's1:2', 'x:0', '1:', ':5']), dst: pick(ADDRESSES), reason: 'fuzz', ...(chance(0.3) ? { proto: pick([6, 17, 1, 99]) } : {}) }, blockPools),
    }; break;
    default: r = { method: 'GET', path: pick([`/api/${segment()}/${segment()}`, `/${segment()}`, '/api/', '/api//decisions', '/api/decisions/1/2/3', '/api/%', '/api/%E0%A4%A', '/api/policy/versions/1/x', '/metrics', '/health', `/api/${'a/'.repeat(200)}`]) };
  }
  const m = method();
  if (m) r.method = m;
  // Bodies that are not JSON, or JSON no schema expects.
  if (chance(0.04)) r.raw = pick(['{', '{"src": ', 'null', '[]', '"x"', '1e400', '{"a":1,"a":2}', '{"__proto__":{"reason":"x"},"src":"203.0.113.9"}', '['.repeat(20_000) + ']'.repeat(20_000), '{"reason":"\\ud800","src":"203.0.113.9"}',
    // Deep nesting inside a valid shape: what walks it (the policy's deep merge) must not run out of stack.
    `{"policy":{"notes":${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}}}`]);
  return r;
}

test(`${REQUESTS} fuzzed requests (seed ${SEED}): never a 5xx, never a state change on a 4xx, a 400 names its field`, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'ofguard-fuzz-'));
  const clock = new ManualClock(T0);
  const guard = new Guard({ controller: { port: 0, host: '127.0.0.1' }, dataDir, clock, logger: silentLogger, tickMs: 3_600_000, policy: { whitelist: ['192.0.2.0/24'] } });
  await guard.start();
  const api = await startApi(guard, parseConfig({ dataDir, api: { port: 0, rateLimit: { perSecond: 1_000_000, burst: 1_000_000 } } }));
  // What a request may change. The policy in force and each decision are frozen or replaced
  // objects (never edited in place), so comparing them by identity is exact and cheap.
  const state = () => ({
    version: guard.store.latestPolicyRevision()?.version ?? 0,
    policy: guard.policy.config,
    decisions: guard.policy.activeDecisions(),
    // Every write is stamped with the clock's now, which moves only between requests: rows since then are enough.
    audit: guard.store.audit(clock.now(), 1_000_000).length,
  });
  const changed = (a: ReturnType<typeof state>, b: ReturnType<typeof state>): string | undefined => {
    if (a.version !== b.version) return `policy version ${a.version} → ${b.version}`;
    if (a.policy !== b.policy) return 'policy in force';
    if (a.audit !== b.audit) return `audit rows ${a.audit} → ${b.audit}`;
    if (a.decisions.length !== b.decisions.length || a.decisions.some((d, i) => d !== b.decisions[i])) return 'decisions in force';
    return undefined;
  };
  const statuses = new Map<number, number>();
  try {
    for (let i = 0; i < REQUESTS; i++) {
      const ids = guard.policy.activeDecisions().map((d) => d.id);
      const r = request(ids);
      const before = state();
      const sendsBody = r.method !== 'GET' && r.method !== 'HEAD';
      const body = !sendsBody ? undefined : r.raw ?? (r.body === undefined ? undefined : JSON.stringify(r.body));
      const res = await fetch(api.url + r.path, { method: r.method, headers: { authorization: `Bearer ${api.token}`, 'content-type': 'application/json' }, ...(body === undefined ? {} : { body }) });
      const text = await res.text();
      const what = `seed ${SEED} request #${i}: ${r.method} ${r.path} ${String(body).slice(0, 300)} → ${res.status} ${text.slice(0, 300)}`;
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      assert.ok(res.status < 500, what);
      if (res.status >= 400) {
        assert.is(changed(before, state()), undefined, `state changed on a ${res.status}: ${what}`);
        if (r.method !== 'HEAD') {
          const error = (JSON.parse(text) as { error: { code: string; field?: string } }).error;
          if (error.code === 'API_INVALID' || error.code === 'API_BAD_JSON') assert.type(error.field, 'string', `a 400 names its field: ${what}`);
        }
      }
      // Keep the run moving: now and then time passes and the policy ticks (expiries), as in production.
      if (i % 500 === 499) {
        clock.advance(120_000);
        await guard.enforce(guard.policy.tick(clock.now()));
      }
    }
  } finally {
    await api.close();
    await guard.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
  // The run reached the routes' work, not only their refusals.
  const ok = [...statuses].filter(([s]) => s < 300).reduce((n, [, c]) => n + c, 0);
  const refused = [...statuses].filter(([s]) => s >= 400).reduce((n, [, c]) => n + c, 0);
  assert.ok(ok > REQUESTS / 10 && refused > REQUESTS / 4, `statuses ${JSON.stringify([...statuses].sort())}`);
  assert.ok((statuses.get(201) ?? 0) > 20, `some changes were made: ${JSON.stringify([...statuses].sort())}`);
});

test.run();
