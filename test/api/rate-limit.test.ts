/**
 * Token buckets: the limiter alone, then the real API with clients on 200 loopback
 * addresses (127.0.0.0/8 is all loopback on Linux: a socket may bind any of them).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { request } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { ApiRateLimits, RateLimiter, tokenKey } from '../../controller/api/rate-limit.js';
import { Guard } from '../../controller/guard.js';
import { ManualClock } from '../../controller/clock.js';
import { silentLogger } from '../../controller/log.js';
import { parseConfig } from '../../controller/config/load.js';
import { startApi } from '../../controller/api/index.js';

test('a burst, then the sustained rate, per client', () => {
  const rl = new RateLimiter({ perSecond: 2, burst: 3 });
  assert.equal([0, 0, 0].map(() => rl.take('a', 0)), [0, 0, 0]);
  assert.is(rl.take('a', 0), 0.5, 'half a second until the next token');
  assert.is(rl.take('b', 0), 0, 'another client has its own bucket');
  assert.is(rl.take('a', 500), 0, 'one token after 0.5 s at 2/s');
  assert.ok(rl.take('a', 500) > 0);
  assert.equal([0, 0, 0].map(() => rl.take('a', 60_000)), [0, 0, 0], 'refills to the burst, no more');
  assert.ok(rl.take('a', 60_000) > 0);
});

test('idle clients are forgotten once the table is large', () => {
  const rl = new RateLimiter({ perSecond: 10, burst: 10 });
  for (let i = 0; i < 10_000; i++) rl.take(`10.0.${i >> 8}.${i & 255}`, 0);
  assert.is(rl.size, 10_000);
  rl.take('192.0.2.1', 5_000);
  assert.is(rl.size, 1, 'all refilled buckets swept');
});

test('a token has one bucket whatever the address; addresses keep their own', () => {
  const limits = new ApiRateLimits({ perSecond: 1, burst: 5 });
  const token = 'a'.repeat(64);
  const taken = Array.from({ length: 8 }, (_, i) => limits.token(token, 0) === 0 && limits.address(`127.0.0.${i + 2}`, 0) === 0);
  assert.equal(taken, [true, true, true, true, true, false, false, false], 'the sixth request with the token waits, new address or not');
  assert.is(limits.token('b'.repeat(64), 0), 0, 'another token has its own bucket');
  assert.is(limits.address('127.0.0.2', 0), 0, "an address's bucket is apart from the token's");
});

test('the bucket of a token is keyed by its SHA-256, never the token', () => {
  assert.is(tokenKey('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad', 'SHA-256, hex');
  const token = '0123456789abcdef'.repeat(4);
  assert.is.not(tokenKey(token), token);
  assert.not.ok(tokenKey(token).includes(token.slice(0, 16)));
});

/** One GET from a chosen loopback address. */
function getFrom(url: string, localAddress: string, path: string, token?: string): Promise<number> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, path, localAddress, agent: false, headers: token ? { authorization: `Bearer ${token}` } : {} }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

function upgradeFrom(url: string, localAddress: string, token?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url.replace('http:', 'ws:') + '/api/events', { localAddress, ...(token ? { headers: { authorization: `Bearer ${token}` } } : {}) });
    ws.on('open', () => {
      ws.close();
      resolve(101);
    });
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.on('error', reject);
  });
}

test('200 loopback aliases holding the token share its bucket; without a token each address is limited by itself', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'ofguard-rate-'));
  // The clock stands still: no token comes back during the test.
  const guard = new Guard({ controller: { port: 0, host: '127.0.0.1' }, dataDir, clock: new ManualClock(Date.UTC(2025, 0, 1)), logger: silentLogger, tickMs: 60_000 });
  await guard.start();
  const api = await startApi(guard, parseConfig({ dataDir, api: { port: 0, rateLimit: { perSecond: 1, burst: 20 } } }));
  try {
    const aliases = Array.from({ length: 200 }, (_, i) => `127.0.${1 + (i >> 8)}.${1 + (i & 255)}`);
    const statuses = [];
    for (const from of aliases) statuses.push(await getFrom(api.url, from, '/api/status', api.token));
    assert.is(statuses.filter((s) => s === 200).length, 20, 'the burst of the token, not 200 × the burst of an address');
    assert.is(statuses.filter((s) => s === 429).length, 180);

    const anonymous = [];
    for (const from of aliases.slice(0, 50)) anonymous.push(await getFrom(api.url, from, '/api/status'));
    assert.ok(anonymous.every((s) => s === 401), 'a request without the token takes nothing from the token bucket');
    const one = [];
    for (let i = 0; i < 25; i++) one.push(await getFrom(api.url, '127.0.9.9', '/metrics'));
    assert.is(one.filter((s) => s === 200).length, 20, 'unauthenticated requests: the burst of their address');
    assert.ok(one.slice(20).every((s) => s === 429));

    // The event stream's upgrade takes from the same buckets.
    assert.is(await upgradeFrom(api.url, '127.0.8.1', api.token), 429, 'the token is spent, from a fresh address too');
    assert.is(await upgradeFrom(api.url, '127.0.8.2'), 401, 'without a token: only its address counts');
  } finally {
    await api.close();
    await guard.stop();
  }
});

test.run();
