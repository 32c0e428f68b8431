/**
 * Which Host headers the admin API serves (DNS rebinding): the rule as a table, then the
 * real API on 127.0.0.1 (API, dashboard, /metrics, /health, the WebSocket stream).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { request } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { HostCheck, hostRefusal } from '../../controller/api/host-check.js';
import { Guard } from '../../controller/guard.js';
import { ManualClock } from '../../controller/clock.js';
import { silentLogger } from '../../controller/log.js';
import { parseConfig } from '../../controller/config/load.js';
import { startApi } from '../../controller/api/index.js';

test('loopback names and the listen address are served, with or without a port', () => {
  const hosts = new HostCheck('192.0.2.10', []);
  for (const h of ['localhost', 'LOCALHOST:6680', 'localhost.', '127.0.0.1', '127.0.0.1:6680', '[::1]', '[::1]:6680', '[0:0:0:0:0:0:0:1]:80', '192.0.2.10:6680']) {
    assert.ok(hosts.allows(h), h);
  }
});

test('a rebound name, other addresses and malformed headers are refused', () => {
  const hosts = new HostCheck('127.0.0.1', []);
  for (const h of [undefined, '', 'evil.example', 'evil.example:6680', 'localhost.evil.example', '127.0.0.1.nip.io', '10.0.0.1', '[::2]', 'localhost:abc', 'localhost:6680:1', 'user@localhost', '::1', '[::1', 'local host']) {
    assert.not.ok(hosts.allows(h), String(h));
  }
});

test('a wildcard listen address is no host: the configured names are', () => {
  const hosts = new HostCheck('0.0.0.0', ['ofguard.lab.example', '2001:DB8::1', '[2001:db8::2]', '198.51.100.7']);
  for (const h of ['ofguard.lab.example:6680', 'OFGUARD.LAB.EXAMPLE', '[2001:db8::1]:6680', '[2001:db8:0::2]', '198.51.100.7', 'localhost']) assert.ok(hosts.allows(h), h);
  for (const h of ['0.0.0.0', '0.0.0.0:6680', 'lab.example', '198.51.100.8']) assert.not.ok(hosts.allows(h), h);
  assert.not.ok(new HostCheck('::', []).allows('[::]:6680'));
});

test('the refusal names the header and the fix', () => {
  assert.is(hostRefusal('evil.example:6680'), 'Host "evil.example:6680" is not a name of this controller (add it to api.allowedHosts if it is)');
  assert.match(hostRefusal(undefined), /^no Host header/);
  assert.is(hostRefusal('x'.repeat(5000)).length < 200, true, 'a huge header is not echoed whole');
});

/** One request with the Host header we choose (fetch will not let us). */
function get(url: string, path: string, host: string | undefined, token?: string): Promise<{ status: number; body: string }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, path, setHost: false, headers: { ...(host !== undefined ? { host } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) } }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

function upgrade(url: string, host: string, token: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url.replace('http:', 'ws:') + '/api/events', { headers: { host, authorization: `Bearer ${token}` } });
    ws.on('open', () => {
      ws.close();
      resolve(101);
    });
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.on('error', reject);
  });
}

test('the real API refuses a foreign Host on every path, 421 API_HOST_NOT_ALLOWED, and serves its own names', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'ofguard-host-'));
  const guard = new Guard({ controller: { port: 0, host: '127.0.0.1' }, dataDir, clock: new ManualClock(Date.UTC(2025, 0, 1)), logger: silentLogger, tickMs: 60_000 });
  await guard.start();
  const api = await startApi(guard, parseConfig({ dataDir, api: { port: 0, allowedHosts: ['ofguard.lab.example'] } }));
  const port = new URL(api.url).port;
  try {
    for (const path of ['/health', '/metrics', '/dashboard', '/api/status']) {
      for (const host of ['evil.example', `evil.example:${port}`, `127.0.0.1.evil.example:${port}`]) {
        const r = await get(api.url, path, host, api.token);
        assert.is(r.status, 421, `${path} with Host ${host}`);
        assert.is(JSON.parse(r.body).error.code, 'API_HOST_NOT_ALLOWED');
      }
      // HTTP/1.1 with no Host at all: Node's own parser refuses it before we see it.
      assert.is((await get(api.url, path, undefined, api.token)).status, 400);
      // The dashboard answers 503 in a checkout that was never built: served, not refused.
      const served = path === '/dashboard' ? [200, 503] : [200];
      for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, 'ofguard.lab.example', `ofguard.lab.example:${port}`]) {
        const { status } = await get(api.url, path, host, api.token);
        assert.ok(served.includes(status), `${path} with Host ${host}: ${status}`);
      }
    }
    assert.is(await upgrade(api.url, `evil.example:${port}`, api.token), 421, 'the event stream too');
    assert.is(await upgrade(api.url, `localhost:${port}`, api.token), 101);
    assert.is(api.events.stats().clients <= 1, true);
  } finally {
    await api.close();
    await guard.stop();
  }
});

test.run();
