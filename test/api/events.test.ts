/**
 * The WebSocket event stream: auth before the upgrade, the hello state, decisions from a
 * real Guard's admin actions, subscription filters, the traffic summary, the detection cap
 * and the slow-client limit. Real sockets on 127.0.0.1.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EventEmitter } from 'node:events';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { Guard } from '../../controller/guard.js';
import { ManualClock } from '../../controller/clock.js';
import { silentLogger } from '../../controller/log.js';
import { parseConfig } from '../../controller/config/load.js';
import { startApi } from '../../controller/api/index.js';
import { EventHub, summarizeTraffic, type EventHubOptions } from '../../controller/api/events.js';
import { HostCheck } from '../../controller/api/host-check.js';
import type { StreamEvent } from '../../controller/dashboard/protocol.js';
import { serveDashboard } from '../../controller/dashboard/serve.js';
import type { FlowDelta, TrafficSnapshot } from '../../controller/stats/snapshot.js';
import type { Detection } from '../../controller/detect/detection.js';
import type { Decision } from '../../controller/policy/decision.js';

const T0 = Date.UTC(2025, 0, 1);

interface Conn {
  ws: WebSocket;
  events: StreamEvent[];
  closed: Promise<{ code: number; reason: string }>;
}

function connect(url: string, opts: { token?: string; protocols?: string[] } = {}): Promise<Conn> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, opts.protocols ?? [], opts.token ? { headers: { authorization: `Bearer ${opts.token}` } } : {});
    const events: StreamEvent[] = [];
    const closed = new Promise<{ code: number; reason: string }>((r) => ws.on('close', (code, reason) => r({ code, reason: String(reason) })));
    ws.on('message', (data) => events.push(JSON.parse(String(data)) as StreamEvent));
    ws.on('open', () => resolve({ ws, events, closed }));
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c));
      res.on('end', () => reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode, body })));
    });
    ws.on('error', reject);
  });
}

async function until<T>(what: string, fn: () => T | undefined | false, timeoutMs = 3000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function kinds(c: Conn): string[] {
  return c.events.map((e) => e.kind);
}

// ---- against a real Guard and the real admin API ----

async function realSetup() {
  const dataDir = mkdtempSync(join(tmpdir(), 'ofguard-events-'));
  const clock = new ManualClock(T0);
  const guard = new Guard({ controller: { port: 0, host: '127.0.0.1' }, dataDir, clock, logger: silentLogger, tickMs: 60_000 });
  await guard.start();
  const api = await startApi(guard, parseConfig({ dataDir, api: { port: 0, rateLimit: { perSecond: 1000, burst: 1000 } } }));
  const wsUrl = api.url.replace('http:', 'ws:') + '/api/events';
  const call = (method: string, path: string, body?: unknown) =>
    fetch(api.url + path, { method, headers: { authorization: `Bearer ${api.token}`, 'content-type': 'application/json' }, ...(body ? { body: JSON.stringify(body) } : {}) });
  return { guard, api, wsUrl, clock, call, stop: async () => { await api.close(); await guard.stop(); } };
}

test('the stream refuses a missing or wrong token with 401 before upgrading, and other paths with 404', async () => {
  const env = await realSetup();
  try {
    const none = await connect(env.wsUrl).catch((e: { status?: number; body?: string }) => e);
    assert.is((none as { status?: number }).status, 401);
    assert.match((none as { body: string }).body, /API_UNAUTHORIZED/);
    const wrong = await connect(env.wsUrl, { token: 'f'.repeat(env.api.token.length) }).catch((e: { status?: number }) => e);
    assert.is((wrong as { status?: number }).status, 401);
    const wrongProto = await connect(env.wsUrl, { protocols: ['ofguard.v1', 'bearer.' + 'a'.repeat(64)] }).catch((e: { status?: number }) => e);
    assert.is((wrongProto as { status?: number }).status, 401);
    const elsewhere = await connect(env.api.url.replace('http:', 'ws:') + '/api/status', { token: env.api.token }).catch((e: { status?: number }) => e);
    assert.is((elsewhere as { status?: number }).status, 404);
    assert.is(env.api.events.stats().clients, 0);
  } finally {
    await env.stop();
  }
});

test('header and browser subprotocol auth both open the stream with a hello of the current state', async () => {
  const env = await realSetup();
  try {
    const blocked = await env.call('POST', '/api/decisions', { src: '203.0.113.9', reason: 'test', durationS: 600 });
    assert.is(blocked.status, 201);
    const a = await connect(env.wsUrl, { token: env.api.token });
    const b = await connect(env.wsUrl, { protocols: ['ofguard.v1', `bearer.${env.api.token}`] });
    assert.is(b.ws.protocol, 'ofguard.v1', 'the hub selects the protocol, never echoes the token back');
    for (const c of [a, b]) {
      const hello = await until('hello', () => c.events.find((e) => e.kind === 'hello'));
      assert.ok(hello.kind === 'hello');
      assert.equal(hello.switches, []);
      assert.is(hello.decisions.length, 1);
      assert.is(hello.decisions[0]!.source, '203.0.113.9');
      assert.is(hello.decisions[0]!.remainingS, 600);
      assert.equal(hello.subscribed, ['decision', 'detection', 'switch_up', 'switch_down', 'traffic']);
    }
    assert.is(env.api.events.stats().clients, 2);
    a.ws.close();
    b.ws.close();
    await Promise.all([a.closed, b.closed]);
    await until('clients gone', () => env.api.events.stats().clients === 0);
  } finally {
    await env.stop();
  }
});

test('admin block and unblock through the API arrive as decision new / ended with signals and remaining time', async () => {
  const env = await realSetup();
  try {
    const c = await connect(env.wsUrl, { token: env.api.token });
    const r = await env.call('POST', '/api/decisions', { src: '198.51.100.4', reason: 'seen in logs', durationS: 120 });
    const id = ((await r.json()) as { decisions: { id: number }[] }).decisions[0]!.id;
    const created = await until('new decision', () => c.events.find((e) => e.kind === 'decision' && e.change === 'new'));
    assert.ok(created.kind === 'decision');
    assert.is(created.decision.id, id);
    assert.is(created.decision.source, '198.51.100.4');
    assert.is(created.decision.action, 'drop');
    assert.is(created.decision.origin, 'admin');
    assert.is(created.decision.remainingS, 120);
    assert.is(created.at, T0);
    assert.ok(Array.isArray(created.decision.signals));
    env.clock.advance(30_000);
    await env.call('DELETE', `/api/decisions/${id}`);
    const ended = await until('ended decision', () => c.events.find((e) => e.kind === 'decision' && e.change === 'ended'));
    assert.ok(ended.kind === 'decision');
    assert.is(ended.decision.id, id);
    assert.is(ended.decision.remainingS, 0);
    assert.ok(ended.decision.endReason);
    c.ws.close();
  } finally {
    await env.stop();
  }
});

test('the dashboard page needs no token; only the built files are served, by exact name', async () => {
  const env = await realSetup();
  try {
    const page = await fetch(env.api.url + '/dashboard');
    assert.ok(page.status === 200 || page.status === 503, `got ${page.status}`);
    if (page.status === 200) assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'self'/);
    for (const path of ['/dashboard/index.html.bak', '/dashboard/..%2Fpackage.json', '/dashboard/../../package.json']) {
      const r = await fetch(env.api.url + path);
      assert.ok(r.status === 404, `${path}: ${r.status}`);
    }
    const built = mkdtempSync(join(tmpdir(), 'ofguard-dash-')) + '/';
    writeFileSync(built + 'index.html', '<!doctype html><title>t</title>');
    const res = { status: 0, headers: {} as Record<string, unknown>, body: '' as unknown, writeHead(s: number, h: Record<string, unknown>) { this.status = s; this.headers = h; }, end(b?: unknown) { this.body = b; } };
    serveDashboard('/dashboard/', 'GET', res as unknown as ServerResponse, built);
    assert.is(res.status, 200);
    assert.is(String(res.body), '<!doctype html><title>t</title>');
    assert.is(res.headers['X-Content-Type-Options'], 'nosniff');
    serveDashboard('/dashboard/app.js', 'GET', res as unknown as ServerResponse, built);
    assert.is(res.status, 503, 'a half-built dashboard says so');
    serveDashboard('/dashboard', 'GET', res as unknown as ServerResponse, built + 'nowhere/');
    assert.is(res.status, 503);
    assert.match(String(res.body), /npm run build/);
  } finally {
    await env.stop();
  }
});

test('stopping the API closes every stream with 1001', async () => {
  const env = await realSetup();
  const c = await connect(env.wsUrl, { token: env.api.token });
  await env.stop();
  const { code } = await c.closed;
  assert.is(code, 1001);
});

// ---- against a Guard-like emitter, to drive snapshots, detections and switches ----

class FakeGuard extends EventEmitter {
  readonly controller = Object.assign(new EventEmitter(), { server: { switches: new Map() } });
  readonly policy = { activeDecisions: (): Decision[] => [] };
}

async function fakeSetup(opts: Partial<EventHubOptions> = {}) {
  const fake = new FakeGuard();
  const clock = new ManualClock(T0);
  const hub = new EventHub({ guard: fake as unknown as EventHubOptions['guard'], token: 't'.repeat(32), hosts: new HostCheck('127.0.0.1', []), clock, logger: silentLogger, heartbeatMs: 60_000, ...opts });
  const server: Server = createServer((_req, res) => res.end());
  server.on('upgrade', (req, socket, head) => hub.handleUpgrade(req, socket, head));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  hub.start();
  const url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/api/events`;
  const stop = async () => {
    await hub.stop();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  };
  return { fake, clock, hub, url, token: 't'.repeat(32), stop };
}

function flow(f: Partial<FlowDelta> & Pick<FlowDelta, 'kind' | 'packetRate' | 'byteRate'>): FlowDelta {
  return { dpid: '0000000000000001', table: 1, cookie: 0n, src: '', packets: 0, bytes: 0, totalPackets: 0, totalBytes: 0, durationSec: 1, ...f };
}

function snapshot(dpid: string, now: number, flows: FlowDelta[]): TrafficSnapshot {
  return { dpid, now, intervalMs: 1000, pollMs: 2, flows, ports: [], meters: [] };
}

function detection(src: string): Detection {
  return {
    src, dst: '10.0.0.1', at: T0, pattern: 'single-to-single', attackType: 'syn-flood', confidence: 0.9, severity: 'high',
    connections: 500, packetRate: 500, byteRate: 30_000, vectors: [], subnetAttack: false, regularTiming: false, features: {},
    signals: [{ name: 'pattern.single-to-single', points: 10 }],
  };
}

const S1 = [
  flow({ kind: 'accounting', src: '10.0.0.6', dst: '10.0.0.1', packetRate: 900, byteRate: 54_000 }),
  flow({ kind: 'syn', src: '10.0.0.6', dst: '10.0.0.1', packetRate: 900, byteRate: 54_000 }),
  flow({ kind: 'accounting', src: '10.0.0.3', dst: '10.0.0.1', packetRate: 20, byteRate: 20_000 }),
  flow({ kind: 'accounting', src: '10.0.0.3', dst: '10.0.0.2', packetRate: 5, byteRate: 500 }),
  flow({ kind: 'drop', table: 0, src: '10.0.0.7', packetRate: 300, byteRate: 12_000 }),
  flow({ kind: 'meter', table: 0, src: '10.0.0.3', packetRate: 25, byteRate: 20_500 }),
  flow({ kind: 'other', packetRate: 1000, byteRate: 1_000_000 }),
];
const S2 = [
  flow({ dpid: '0000000000000002', kind: 'accounting', src: '10.0.0.9', dst: '10.0.0.2', packetRate: 40, byteRate: 4000 }),
  flow({ dpid: '0000000000000002', kind: 'aggregate', src: '10.1.2.0', srcPrefix: 24, dst: '10.0.0.1', packetRate: 60, byteRate: 6000 }),
];

test('summarizeTraffic: per-source and per-destination rates across switches, drops counted, syn and meter flows not', () => {
  const s = summarizeTraffic([snapshot('0000000000000001', T0, S1), snapshot('0000000000000002', T0, S2)], 3, T0);
  assert.is(s.kind, 'traffic');
  assert.is(s.switches, 2);
  assert.is(s.totalPps, 900 + 20 + 5 + 300 + 40 + 60);
  assert.is(s.totalBps, (54_000 + 20_000 + 500 + 12_000 + 4000 + 6000) * 8);
  assert.is(s.droppedPps, 300);
  assert.equal(s.sources, [
    { addr: '10.0.0.6', pps: 900, bps: 432_000, droppedPps: 0 },
    { addr: '10.0.0.7', pps: 300, bps: 96_000, droppedPps: 300 },
    { addr: '10.1.2.0/24', pps: 60, bps: 48_000, droppedPps: 0 },
  ]);
  assert.equal(s.destinations, [
    { addr: '10.0.0.1', pps: 980, bps: (54_000 + 20_000 + 6000) * 8, droppedPps: 0 },
    { addr: '10.0.0.2', pps: 45, bps: 4500 * 8, droppedPps: 0 },
  ]);
  assert.equal(summarizeTraffic([], 3, T0).sources, []);
});

test('one traffic event per interval from the latest snapshot of each switch; a stale switch is left out', async () => {
  const env = await fakeSetup({ trafficIntervalMs: 40, staleMs: 3000 });
  try {
    const c = await connect(env.url, { token: env.token });
    env.fake.emit('snapshot', snapshot('0000000000000002', T0 - 5000, S2));
    env.fake.emit('snapshot', snapshot('0000000000000001', T0 - 100, S1));
    const t = await until('traffic', () => c.events.find((e) => e.kind === 'traffic'));
    assert.ok(t.kind === 'traffic');
    assert.is(t.switches, 1, 'the switch last heard from 5 s ago is stale');
    assert.is(t.sources[0]!.addr, '10.0.0.6');
    assert.is(t.totalPps, 1225);
    assert.ok(t.sources.length <= 10);
    c.ws.close();
  } finally {
    await env.stop();
  }
});

test('subscribe filters kinds; a bad message is answered with an error event and changes nothing', async () => {
  const env = await fakeSetup({ trafficIntervalMs: 60_000 });
  try {
    const c = await connect(env.url, { token: env.token });
    await until('hello', () => c.events.length === 1);
    c.ws.send(JSON.stringify({ subscribe: ['nonsense'] }));
    const err = await until('error', () => c.events.find((e) => e.kind === 'error'));
    assert.ok(err.kind === 'error');
    assert.is(err.code, 'EVENTS_BAD_MESSAGE');
    assert.match(err.message, /nonsense/);
    c.ws.send(JSON.stringify({ subscribe: ['switch_down'] }));
    // The subscribe message is handled before anything emitted after this round trip.
    c.ws.send('not json');
    await until('second error', () => c.events.filter((e) => e.kind === 'error').length === 2);
    env.fake.emit('detections', [detection('10.0.0.6')]);
    env.fake.controller.emit('switch_up', { dpid: '00000000000000aa', remote: '127.0.0.1:1' });
    env.fake.controller.emit('switch_down', '00000000000000aa', 'echo timeout');
    const down = await until('switch_down', () => c.events.find((e) => e.kind === 'switch_down'));
    assert.ok(down.kind === 'switch_down');
    assert.is(down.dpid, '00000000000000aa');
    assert.is(down.reason, 'echo timeout');
    assert.equal(kinds(c), ['hello', 'error', 'error', 'switch_down']);
    c.ws.close();
  } finally {
    await env.stop();
  }
});

test('detections past the per-interval cap are not sent and the next traffic event counts them', async () => {
  const env = await fakeSetup({ trafficIntervalMs: 200, maxDetectionsPerInterval: 3 });
  try {
    const c = await connect(env.url, { token: env.token });
    env.fake.emit('detections', ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4', '10.0.0.5'].map(detection));
    const t = await until('traffic', () => c.events.find((e) => e.kind === 'traffic' && e.detectionsSuppressed > 0));
    assert.ok(t.kind === 'traffic');
    const sent = c.events.filter((e) => e.kind === 'detection');
    assert.equal(sent.map((e) => e.kind === 'detection' && e.src), ['10.0.0.1', '10.0.0.2', '10.0.0.3']);
    assert.is(t.detectionsSuppressed, 2);
    assert.is(env.hub.stats().detectionsSuppressed, 2);
    const first = sent[0]!;
    assert.ok(first.kind === 'detection');
    assert.is(first.attackType, 'syn-flood');
    assert.is(first.pattern, 'single-to-single');
    assert.is(first.severity, 'high');
    c.ws.close();
  } finally {
    await env.stop();
  }
});

test('a client that stops reading loses events past the buffer limit; the others get every one', async () => {
  const limit = 64 * 1024;
  const env = await fakeSetup({ trafficIntervalMs: 60_000, maxBufferedBytes: limit });
  try {
    const slow = await connect(env.url, { token: env.token });
    const fast = await connect(env.url, { token: env.token });
    await until('hellos', () => slow.events.length === 1 && fast.events.length === 1);
    slow.ws.pause();
    const detail = 'x'.repeat(2000);
    const n = 4000; // ~8 MB: more than the loopback socket buffers hold
    const started = Date.now();
    let maxBuffered = 0;
    const serverSide = [...(env.hub as unknown as { clients: Set<{ socket: WebSocket }> }).clients].map((c) => c.socket);
    const fastSide = serverSide[1]!;
    for (let i = 0; i < n; i++) {
      // The fast client reads in this same process: let it, between small batches.
      if (i % 10 === 0) await until('fast client drained', () => fastSide.bufferedAmount < limit / 2);
      const decision = { id: i, target: { src: '10.0.0.6' }, action: 'drop', threatLevel: 'high', score: 80, trust: 0.5, signals: [{ name: 's', points: 1, detail }], reason: 'r', origin: 'auto', offence: 1, createdAt: T0, expiresAt: T0 + 60_000 } as Decision;
      env.fake.emit('decisions', { decisions: [decision], ended: [] });
      for (const s of serverSide) maxBuffered = Math.max(maxBuffered, s.bufferedAmount);
    }
    const dropped = env.hub.stats().dropped;
    assert.ok(dropped > 0, 'the slow client missed events');
    assert.ok(maxBuffered <= limit + 3000, `a client's buffer stayed near the limit (max ${maxBuffered} bytes)`);
    await until('fast client got all', () => fast.events.length === n + 1, 10_000);
    slow.ws.resume();
    await until('slow client drained', () => slow.events.length === 1 + n - dropped, 10_000);
    assert.ok(Date.now() - started < 10_000);
    slow.ws.close();
    fast.ws.close();
  } finally {
    await env.stop();
  }
});

test('a client that never answers pings is cut at the next heartbeat', async () => {
  const env = await fakeSetup({ trafficIntervalMs: 60_000, heartbeatMs: 50 });
  try {
    const c = await connect(env.url, { token: env.token });
    await until('hello', () => c.events.length === 1);
    // ws answers pings automatically; a paused socket does not read them, so no pong comes back.
    c.ws.pause();
    await until('client cut', () => env.hub.stats().clients === 0, 3000);
  } finally {
    await env.stop();
  }
});

test.run();
