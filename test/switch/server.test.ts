/**
 * The OpenFlow port's limits against fake switches on loopback, on a manual clock: the
 * handshake deadline (not extended by trickles), the minimum read rate for a message in
 * progress, the per-peer and total caps, and a log line with code and reason for every close.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { once } from 'node:events';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect as tlsConnect } from 'node:tls';
import { pino } from 'pino';
import { OpenFlowServer, type ServerOptions } from '../../controller/switch/server.js';
import type { SwitchConnection } from '../../controller/switch/connection.js';
import { encodeMessage } from '../../controller/openflow/index.js';
import { OFP_VERSION } from '../../controller/openflow/constants.js';
import { FakeSwitch } from '../support/fake-switch.js';
import { ManualTimers } from '../support/manual-timers.js';

type Line = { level: number; msg: string; code?: string; reason?: string; remote?: string; [k: string]: unknown };

async function withServer(opts: Partial<ServerOptions>, fn: (ctx: { server: OpenFlowServer; port: number; timers: ManualTimers; lines: Line[] }) => Promise<void>) {
  const lines: Line[] = [];
  const timers = new ManualTimers();
  const logger = pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s)) });
  const server = new OpenFlowServer({ port: 0, host: '127.0.0.1', logger, clock: timers.clock, timers, ...opts });
  const { port } = await server.listen();
  try {
    await fn({ server, port, timers, lines });
  } finally {
    await server.close();
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until<T>(what: string, fn: () => T | undefined | false, ms = 3000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

const up = (server: OpenFlowServer) => once(server, 'switch_up') as Promise<[SwitchConnection]>;
const closes = (lines: Line[]) => lines.filter((l) => l.msg === 'switch connection closed');
const echo = (xid: number, data = Buffer.alloc(0)) => encodeMessage({ version: OFP_VERSION, type: 'echo_request', xid, data });
/** A header that announces `length` bytes: the start of a message whose body never comes. */
function header(length: number): Buffer {
  const b = Buffer.alloc(8);
  b[0] = OFP_VERSION;
  b[1] = 2; // echo request
  b.writeUInt16BE(length, 2);
  b.writeUInt32BE(77, 4);
  return b;
}

test('HELLO then silence: closed at the handshake deadline, with a log line', async () => {
  await withServer({ limits: { handshakeTimeoutMs: 10_000 } }, async ({ server, port, timers, lines }) => {
    const sw = new FakeSwitch({ port, dpid: 1n, answerFeatures: false });
    const conn = await until('the session', () => [...server.connecting][0]);
    await until('the hello', () => conn.bytesIn >= 16);
    timers.advance(9_999);
    assert.not.ok(conn.closed, 'open before the deadline');
    timers.advance(1);
    assert.ok(conn.closed);
    assert.ok(await sw.waitClosed());
    const [line] = closes(lines);
    assert.is(line!.code, 'HANDSHAKE_TIMEOUT');
    assert.is(line!.reason, 'OpenFlow handshake not finished within 10000 ms of accept');
    assert.is(line!.handshaken, false);
    assert.is(server.counter.total, 0, 'its slot is free again');
  });
});

test('complete messages trickled one a second do not extend the handshake deadline', async () => {
  await withServer({ limits: { handshakeTimeoutMs: 10_000 } }, async ({ server, port, timers, lines }) => {
    const sw = new FakeSwitch({ port, dpid: 1n, answerFeatures: false });
    const conn = await until('the session', () => [...server.connecting][0]);
    await until('the hello', () => conn.bytesIn >= 16);
    let sent = 0;
    while (!conn.closed && sent < 20) {
      sw.sendRaw(echo(100 + sent));
      sent++;
      await until('the echo request', () => conn.bytesIn >= 16 + 8 * sent);
      timers.advance(1000);
    }
    assert.is(sent, 10, `closed after ${sent} trickled messages`);
    assert.equal(closes(lines).map((l) => l.code), ['HANDSHAKE_TIMEOUT']);
    assert.ok(await sw.waitClosed());
  });
});

test('a handshaken switch that sends a 65535-length header and then 1 byte/s is closed at grace + length/rate', async () => {
  // Echo keepalives would add their replies to the byte counts watched here.
  await withServer({ echoIntervalMs: 600_000, limits: { messageGraceMs: 5000, minReadBytesPerSec: 16_384 } }, async ({ server, port, timers, lines }) => {
    const ready = up(server);
    const sw = new FakeSwitch({ port, dpid: 2n });
    const [conn] = await ready;
    const before = conn.bytesIn;
    sw.sendRaw(header(65_535));
    await until('the header', () => conn.bytesIn === before + 8);
    let trickled = 0;
    // Due 5000 + ceil(65535 / 16384 s) = 9000 ms after the first byte.
    while (trickled < 8) {
      timers.advance(1000);
      sw.sendRaw(Buffer.from([0]));
      trickled++;
      await until('a trickled byte', () => conn.bytesIn === before + 8 + trickled);
    }
    timers.advance(999);
    assert.not.ok(conn.closed, 'open at 8999 ms');
    timers.advance(1);
    assert.ok(conn.closed, 'closed at 9000 ms');
    assert.ok(await sw.waitClosed());
    const [line] = closes(lines);
    assert.is(line!.code, 'SLOW_MESSAGE');
    assert.is(line!.reason, 'message of 65535 bytes incomplete after 9000 ms: 16 bytes received (minimum 16384 bytes/s after 5000 ms)');
    assert.is(line!.dpid, '0000000000000002');
    assert.is(server.switches.size, 0);
  });
});

test('a header trickled byte by byte is due after the grace; a message at the minimum rate is not closed', async () => {
  await withServer({ echoIntervalMs: 600_000, limits: { messageGraceMs: 2000, minReadBytesPerSec: 1000 } }, async ({ server, port, timers, lines }) => {
    const ready = up(server);
    const sw = new FakeSwitch({ port, dpid: 3n });
    const [conn] = await ready;
    let base = conn.bytesIn;
    // 1000 bytes: due 2000 + 1000 ms after its first byte. Half now, half 2900 ms later.
    const big = echo(5, Buffer.alloc(992, 1));
    sw.sendRaw(big.subarray(0, 500));
    await until('the first half', () => conn.bytesIn === base + 500);
    timers.advance(2900);
    sw.sendRaw(big.subarray(500));
    await until('the second half', () => conn.bytesIn === base + 1000);
    assert.ok(await until('the echo reply', () => sw.received.find((m) => m.type === 'echo_reply' && m.xid === 5)));
    // The next message has a deadline of its own, from its own first byte.
    base = conn.bytesIn;
    sw.sendRaw(header(1000).subarray(0, 3));
    await until('3 header bytes', () => conn.bytesIn === base + 3);
    timers.advance(2000); // 2000 + 8 ms for an unknown length: not yet
    assert.not.ok(conn.closed);
    timers.advance(8);
    assert.ok(conn.closed);
    assert.match(closes(lines)[0]!.reason!, /^message header incomplete after 2008 ms: 3 bytes received/);
    assert.ok(await sw.waitClosed());
  });
});

test('per-peer cap: beyond it a peer is refused at accept and logged; other peers and freed slots are served', async () => {
  await withServer({ limits: { maxConnectionsPerPeer: 2, maxConnections: 10 } }, async ({ server, port, lines }) => {
    let ready = up(server);
    const a1 = new FakeSwitch({ port, dpid: 11n });
    await ready;
    ready = up(server);
    const a2 = new FakeSwitch({ port, dpid: 12n });
    await ready;
    const a3 = new FakeSwitch({ port, dpid: 13n });
    assert.ok(await a3.waitClosed(), 'the third from 127.0.0.1 is refused');
    assert.not.ok(a3.received.some((m) => m.type === 'hello'), 'refused before a hello');
    const refused = lines.find((l) => l.msg === 'refused an OpenFlow connection');
    assert.is(refused?.code, 'PEER_LIMIT');
    assert.is(refused?.reason, '2 connections from 127.0.0.1 already open (maxConnectionsPerPeer 2)');
    ready = up(server);
    const b1 = new FakeSwitch({ port, dpid: 21n, localAddress: '127.0.0.2' });
    const [b] = await ready;
    assert.match(b.remote, /^127\.0\.0\.2:/);
    assert.equal([server.counter.of('127.0.0.1'), server.counter.of('127.0.0.2'), server.counter.total], [2, 1, 3]);
    a1.close();
    await until('the slot freed', () => server.counter.of('127.0.0.1') === 1);
    ready = up(server);
    const a4 = new FakeSwitch({ port, dpid: 14n });
    await ready;
    assert.equal(server.refusals.counts, { PEER_LIMIT: 1, TOTAL_LIMIT: 0 });
    for (const s of [a2, a4, b1]) s.close();
  });
});

test('total cap: counted over all peers, handshaking or not', async () => {
  await withServer({ limits: { maxConnectionsPerPeer: 3, maxConnections: 3 } }, async ({ server, port, lines }) => {
    const ready = up(server);
    const sw = new FakeSwitch({ port, dpid: 31n, localAddress: '127.0.0.2' });
    await ready;
    const silent = [3, 4].map((n) => new FakeSwitch({ port, dpid: BigInt(n), answerFeatures: false, localAddress: `127.0.0.${n}` }));
    await until('3 open', () => server.counter.total === 3);
    const late = new FakeSwitch({ port, dpid: 35n, localAddress: '127.0.0.5' });
    assert.ok(await late.waitClosed());
    const refused = lines.find((l) => l.msg === 'refused an OpenFlow connection');
    assert.is(refused?.code, 'TOTAL_LIMIT');
    assert.is(refused?.reason, '3 connections already open (maxConnections 3)');
    assert.ok(server.switches.get('000000000000001f')!.isReady, 'the switch is still served');
    for (const s of [sw, ...silent]) s.close();
  });
});

test('TLS: counted and refused at TCP accept (no TLS work), the deadline covers the TLS handshake, one line per close', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ofguard-tls-limits-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=ofguard-test'], { stdio: 'ignore' });
  const tls = { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) };
  await withServer({ tls, limits: { maxConnectionsPerPeer: 2, handshakeTimeoutMs: 3000 } }, async ({ server, port, timers, lines }) => {
    // Never starts TLS.
    const mute = connect(port, '127.0.0.1');
    mute.on('error', () => {});
    // Finishes TLS, never says hello.
    const quiet = tlsConnect({ port, host: '127.0.0.1', rejectUnauthorized: false });
    quiet.on('error', () => {});
    quiet.resume(); // a paused TLS client never reads the server's close
    await once(quiet, 'secureConnect');
    await until('the TLS session', () => server.connecting.size === 1);
    const refused = connect(port, '127.0.0.1');
    refused.on('error', () => {});
    await once(refused, 'close');
    assert.is(server.counter.total, 2);
    timers.advance(3000);
    await Promise.all([once(mute, 'close'), once(quiet, 'close')]);
    await sleep(50); // the TLS layer's own errors, if any, come after the close
    assert.equal(lines.filter((l) => l.msg !== 'listening for OpenFlow switches').map((l) => [l.msg, l.code]).sort(), [
      ['refused an OpenFlow connection', 'PEER_LIMIT'],
      ['switch connection closed', 'HANDSHAKE_TIMEOUT'],
      ['switch connection closed', 'HANDSHAKE_TIMEOUT'],
    ]);
    await until('both slots free', () => server.counter.total === 0);
  });
});

test('every close is one log line with its code and reason', async () => {
  await withServer({ echoIntervalMs: 1000 }, async ({ server, port, timers, lines }) => {
    // The peer closes.
    let ready = up(server);
    const peer = new FakeSwitch({ port, dpid: 41n });
    await ready;
    peer.close();
    await until('PEER_CLOSED', () => closes(lines).length === 1);
    // Garbage.
    ready = up(server);
    const garbage = new FakeSwitch({ port, dpid: 42n });
    await ready;
    garbage.sendRaw(Buffer.from([0x04, 0x0e, 0x00, 0x04, 0, 0, 0, 1]));
    await until('PROTOCOL_ERROR', () => closes(lines).length === 2);
    // No OpenFlow 1.3.
    new FakeSwitch({ port, dpid: 43n, helloVersion: 1 });
    await until('VERSION_MISMATCH', () => closes(lines).length === 3);
    // Features answered with an error.
    new FakeSwitch({
      port, dpid: 44n, answerFeatures: false,
      onMessage: (m, s) => { if (m.type === 'features_request') s.send({ version: OFP_VERSION, type: 'error', xid: m.xid, errorType: 1, code: 0, data: Buffer.alloc(0) }); },
    });
    await until('HANDSHAKE_FAILED', () => closes(lines).length === 4);
    // Replaced by a reconnect of the same datapath.
    ready = up(server);
    new FakeSwitch({ port, dpid: 45n });
    await ready;
    ready = up(server);
    new FakeSwitch({ port, dpid: 45n });
    await ready;
    await until('REPLACED', () => closes(lines).length === 5);
    // Silent for three echo intervals.
    ready = up(server);
    new FakeSwitch({ port, dpid: 46n, answerEcho: false });
    const [mute] = await ready;
    // A second at a time, with time for the switches' echo replies to arrive in between.
    for (let i = 0; i < 5 && !mute.closed; i++) {
      timers.advance(1000);
      await sleep(30);
    }
    await until(`ECHO_TIMEOUT after ${JSON.stringify(closes(lines).map((l) => l.code))}`, () => closes(lines).length === 6);
    // Shutdown closes the replacing 45 that is still up.
    await server.close();
    await until('SHUTDOWN', () => closes(lines).length === 7);
    const got = closes(lines).map((l) => [l.code, l.reason]);
    assert.equal(got.map(([c]) => c), ['PEER_CLOSED', 'PROTOCOL_ERROR', 'VERSION_MISMATCH', 'HANDSHAKE_FAILED', 'REPLACED', 'ECHO_TIMEOUT', 'SHUTDOWN']);
    assert.ok(got.every(([, r]) => typeof r === 'string' && r.length > 10), JSON.stringify(got));
    assert.ok(closes(lines).every((l) => typeof l.remote === 'string' && typeof l.ageMs === 'number' && typeof l.bytesIn === 'number'));
  });
});

test('every close and refusal code is documented in the README, and nothing documented is stale', () => {
  const root = fileURLToPath(new URL('../../', import.meta.url));
  const union = (file: string, type: string) => {
    const src = readFileSync(join(root, file), 'utf8');
    const block = new RegExp(`export type ${type} =([\\s\\S]*?);`).exec(src)![1]!;
    return [...block.matchAll(/'([A-Z_]+)'/g)].map((m) => m[1]!);
  };
  const codes = [...union('controller/switch/connection.ts', 'CloseCode'), ...union('controller/switch/limits.ts', 'RefusalCode'), 'TLS_FAILED'];
  assert.ok(codes.length >= 12, codes.join(' '));
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('**What the OpenFlow port grants a peer**'), readme.indexOf('**Pointing switches at ofguard.**'));
  assert.equal(codes.filter((c) => !section.includes(`\`${c}\``)), [], 'undocumented');
  const documented = [...section.matchAll(/`([A-Z][A-Z_]+)`/g)].map((m) => m[1]!);
  assert.equal(documented.filter((c) => !codes.includes(c)), [], 'documented but not in the code');
});

test.run();
