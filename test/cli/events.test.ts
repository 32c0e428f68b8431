/**
 * `ofguard events` as a user runs it: the real CLI process following the event stream of an
 * API served in this process (a Guard on port 0 with no switch), through a controller
 * restart, and against nothing. Plus the pure line formatter.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Guard } from '../../controller/guard.js';
import { systemClock } from '../../controller/clock.js';
import { silentLogger } from '../../controller/log.js';
import { parseConfig } from '../../controller/config/load.js';
import { startApi, type RunningApi } from '../../controller/api/index.js';
import { freePort } from '../../controller/free-port.js';
import { backoffMs, formatEvent, parseKinds } from '../../controller/cli/events.js';
import type { WireDecision } from '../../controller/dashboard/protocol.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
// The same entry bin/ofguard runs once built; from source here, so no build is needed.
const MAIN = join(ROOT, 'controller/cli/main.ts');

interface Follower {
  child: ChildProcess;
  out: () => string;
  err: () => string;
  exited: Promise<number | null>;
}

function ofguard(args: string[], env: Record<string, string> = {}): Follower {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', TZ: 'UTC', ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (b) => (stdout += b));
  child.stderr!.on('data', (b) => (stderr += b));
  const exited = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
  return { child, out: () => stdout, err: () => stderr, exited };
}

async function until(what: string, fn: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!fn()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function serve(dataDir: string, port: number): Promise<{ guard: Guard; api: RunningApi; stop: () => Promise<void> }> {
  const guard = new Guard({ controller: { port: 0, host: '127.0.0.1' }, dataDir, clock: systemClock, logger: silentLogger, tickMs: 60_000 });
  await guard.start();
  const api = await startApi(guard, parseConfig({ dataDir, api: { port, rateLimit: { perSecond: 1000, burst: 1000 } } }));
  return { guard, api, stop: async () => { await api.close(); await guard.stop(); } };
}

const block = (api: RunningApi, src: string) =>
  fetch(api.url + '/api/decisions', { method: 'POST', headers: { authorization: `Bearer ${api.token}`, 'content-type': 'application/json' }, body: JSON.stringify({ src, reason: 'cli test', durationS: 300 }) });

test('nothing listening: exits 1 saying how to start the controller', async () => {
  const port = await freePort();
  const run = ofguard(['events', '--api', `http://127.0.0.1:${port}`], { OFGUARD_API_TOKEN: 'x'.repeat(64) });
  assert.is(await run.exited, 1);
  assert.match(run.err(), /controller not running, start it with: sudo bin\/ofguard start/);
  assert.is(run.out(), '');
});

test('a wrong token exits 1 naming the token; an unknown --kind is a usage error (2)', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'ofguard-cli-events-'));
  const s = await serve(dataDir, 0);
  try {
    const wrong = ofguard(['events', '--api', s.api.url], { OFGUARD_API_TOKEN: 'f'.repeat(64) });
    assert.is(await wrong.exited, 1);
    assert.match(wrong.err(), /refused the token/);
    const bad = ofguard(['events', '--api', s.api.url, '--data', dataDir, '--kind', 'decision,bogus']);
    assert.is(await bad.exited, 2);
    assert.match(bad.err(), /unknown kind "bogus"/);
  } finally {
    await s.stop();
  }
});

test('--json --kind decision prints the decisions as JSON lines, follows a restart, and stops on SIGINT', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'ofguard-cli-events-'));
  const port = await freePort();
  let s = await serve(dataDir, port);
  const run = ofguard(['events', '--api', s.api.url, '--data', dataDir, '--json', '--kind', 'decision']);
  try {
    const lines = () => run.out().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { kind: string; change?: string; decision?: { source: string } });
    await until('hello', () => lines().some((e) => e.kind === 'hello'));
    // The subscribe message travels after the hello; give it a moment before events flow.
    await new Promise((r) => setTimeout(r, 200));
    assert.is((await block(s.api, '198.51.100.20')).status, 201);
    await until('decision line', () => lines().some((e) => e.kind === 'decision'));
    const d = lines().find((e) => e.kind === 'decision')!;
    assert.is(d.change, 'new');
    assert.is(d.decision!.source, '198.51.100.20');

    await s.stop();
    await until('reconnect notice', () => /reconnecting in/.test(run.err()));
    s = await serve(dataDir, port);
    await until('second hello', () => lines().filter((e) => e.kind === 'hello').length === 2, 20_000);
    await new Promise((r) => setTimeout(r, 200));
    assert.is((await block(s.api, '198.51.100.21')).status, 201);
    await until('decision after restart', () => lines().some((e) => e.decision?.source === '198.51.100.21'));
    assert.ok(lines().every((e) => e.kind === 'hello' || e.kind === 'decision'), 'only the asked-for kinds');
    run.child.kill('SIGINT');
    assert.is(await run.exited, 0);
  } finally {
    run.child.kill('SIGKILL');
    await s.stop();
  }
});

test('human lines: one per event, the decision with its signals and remaining time', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'ofguard-cli-events-'));
  const s = await serve(dataDir, 0);
  const run = ofguard(['events', '--api', s.api.url, '--data', dataDir]);
  try {
    await until('connected line', () => /connected: 0 switch\(es\), 0 active decision\(s\)/.test(run.out()));
    await new Promise((r) => setTimeout(r, 200));
    await block(s.api, '198.51.100.30');
    await until('decision line', () => / decision {4}new/.test(run.out()));
    assert.match(run.out(), /^\d\d:\d\d:\d\d {2}decision {4}new #\d+ drop 198\.51\.100\.30 \(all\) \w+ score \d+, 5m0s left: admin api: cli test \[admin.block \+0\]$/m, run.out());
  } finally {
    run.child.kill('SIGKILL');
    await s.stop();
  }
});

const decision: WireDecision = {
  id: 7, source: '10.0.0.6', scope: 'tcp/80', action: 'rate-limit', rate: { unit: 'pktps', rate: 100 }, target: { src: '10.0.0.6', proto: 6, dstPort: 80 },
  threatLevel: 'high', score: 72.4, trust: 0.5, signals: [{ name: 'base.connections', points: 40 }, { name: 'pattern.single-to-single', points: 10 }],
  reason: 'SYN flood', origin: 'auto', offence: 1, createdAt: 0, expiresAt: 600_000, remainingS: 600,
};

test('formatEvent: every kind in one line', () => {
  const at = Date.UTC(2025, 0, 1, 12, 0, 5);
  process.env.TZ = 'UTC';
  assert.is(formatEvent({ kind: 'decision', at, change: 'new', decision }), '12:00:05  decision    new #7 rate-limit 100 pps 10.0.0.6 (tcp/80) high score 72, 10m0s left: SYN flood [base.connections +40, pattern.single-to-single +10]');
  assert.is(formatEvent({ kind: 'decision', at, change: 'ended', decision: { ...decision, remainingS: 0, endReason: 'unblocked' } }), '12:00:05  decision    ended #7 rate-limit 100 pps 10.0.0.6: unblocked');
  assert.is(
    formatEvent({ kind: 'detection', at, src: '10.0.0.6', dst: '10.0.0.1', proto: 6, dstPort: 80, pattern: 'single-to-single', attackType: 'syn-flood', severity: 'high', confidence: 0.934, packetRate: 1234, signals: [] }),
    '12:00:05  detection   syn-flood high 10.0.0.6 → 10.0.0.1 (tcp/80) single-to-single, 1.2 kpps, confidence 0.93',
  );
  assert.is(formatEvent({ kind: 'switch_up', at, dpid: '0000000000000001', remote: '127.0.0.1:4000' }), '12:00:05  switch_up   0000000000000001 connected from 127.0.0.1:4000');
  assert.is(formatEvent({ kind: 'switch_down', at, dpid: '0000000000000001', reason: 'echo timeout' }), '12:00:05  switch_down 0000000000000001 disconnected: echo timeout');
  assert.is(
    formatEvent({ kind: 'traffic', at, switches: 2, totalPps: 1325, totalBps: 3_500_000, droppedPps: 300, detectionsSuppressed: 4, destinations: [], sources: [{ addr: '10.0.0.6', pps: 900, bps: 1, droppedPps: 0 }, { addr: '10.0.0.7', pps: 300, bps: 1, droppedPps: 300 }] }),
    '12:00:05  traffic     2 switch(es), 1.3 kpps 3.5 Mbit/s (300 pps dropped); top: 10.0.0.6 900 pps, 10.0.0.7 300 pps; 4 detection(s) not shown',
  );
});

test('parseKinds and backoff', () => {
  assert.equal(parseKinds(undefined), ['decision', 'detection', 'switch_up', 'switch_down']);
  assert.equal(parseKinds('traffic, decision'), ['traffic', 'decision']);
  assert.throws(() => parseKinds('decision,nope'), /unknown kind "nope"/);
  assert.equal([0, 1, 2, 3, 4, 5, 6, 20].map(backoffMs), [500, 1000, 2000, 4000, 8000, 10_000, 10_000, 10_000]);
});

test.run();
