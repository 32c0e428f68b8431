/**
 * The OpenFlow port's limits (issue 11 part 4) with a real Open vSwitch bridge (userspace
 * datapath) connected the whole time, while hostile peers on loopback hit the port:
 * slowloris sockets that trickle complete messages or a header byte by byte, a handshaken
 * peer that announces a 65 535-byte message and sends 1 byte/s, and a flood of a few
 * hundred sockets (idle, or a byte every 3 s) from ten addresses. The switch must keep
 * being served — echo, flow stats, flow-mods with barriers, the stats poller — every
 * hostile socket must be refused at the caps or closed by a limit within its deadline, the
 * caps must hold at every sample, and every close must be in the log.
 * Traffic stays on loopback; every loop is bounded in count and time.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { pino } from 'pino';
import { startController, sleep, waitFor } from '../support/controller.js';
import { deleteBridges, dumpFlows, ovsRunning, vsctl } from '../support/ovs.js';
import { FakeSwitch } from '../support/fake-switch.js';
import { encodeMessage, type OfpMessage } from '../../controller/openflow/index.js';
import { OFP_VERSION } from '../../controller/openflow/constants.js';
import type { Controller } from '../../controller/controller.js';
import type { SwitchConnection } from '../../controller/switch/connection.js';
import type { PortLimits } from '../../controller/switch/limits.js';

const BRIDGE = 'ofglim1';
const LIMITS: PortLimits = { handshakeTimeoutMs: 3000, messageGraceMs: 2000, minReadBytesPerSec: 16_384, maxConnections: 160, maxConnectionsPerPeer: 40 };
/** How late a limit may act on a loaded loopback and still count as on time. */
const SLACK_MS = 1500;
/** The whole attack stops here whatever happens. */
const ATTACK_BOUND_MS = 15_000;
const PROBE_TABLE = 10;

type Line = { msg: string; code?: string; remote?: string; refused?: number; [k: string]: unknown };
const lines: Line[] = [];
let controller: Controller;
let stopped = false;
let port: number;
let ovs: SwitchConnection;

const lim = suite('OpenFlow port limits with a real switch under slowloris and a flood');

lim.before(async () => {
  if (!ovsRunning()) throw new Error('Open vSwitch is not running (ovs-vsctl show failed): run scripts/setup.sh first');
  deleteBridges([BRIDGE]);
  const logger = pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s)) });
  ({ controller, port } = await startController({ logger, limits: LIMITS }));
  const up = once(controller, 'switch_up') as Promise<[SwitchConnection]>;
  vsctl('add-br', BRIDGE, '--', 'set', 'bridge', BRIDGE, 'datapath_type=netdev', 'protocols=OpenFlow13', 'fail_mode=secure',
    '--', 'set-controller', BRIDGE, `tcp:127.0.0.1:${port}`);
  [ovs] = await Promise.race([up, sleep(20_000).then(() => { throw new Error(`${BRIDGE} did not connect within 20 s`); })]);
});

lim.after(async () => {
  if (controller && !stopped) await controller.stop();
  deleteBridges([BRIDGE]);
});

/** One hostile socket: when it opened and closed, and whether the server admitted it (its HELLO came). */
interface Probe { socket: Socket; local: string; openedAt: number; closedAt?: number; admitted: boolean; remote?: string }

function hostile(localAddress: string, behave: (p: Probe) => void): Promise<Probe> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1', localAddress });
    const p: Probe = { socket, local: localAddress, openedAt: Date.now(), admitted: false };
    socket.on('error', () => undefined);
    socket.on('data', () => { p.admitted = true; });
    socket.once('close', () => {
      p.closedAt ??= Date.now();
      resolve(p); // refused before its connect was seen
    });
    socket.once('connect', () => {
      p.openedAt = Date.now();
      p.remote = `${socket.localAddress}:${socket.localPort}`;
      behave(p);
      resolve(p);
    });
  });
}

const hello = () => encodeMessage({ version: OFP_VERSION, type: 'hello', xid: 1, elements: [{ type: 'versionbitmap', bitmaps: [1 << OFP_VERSION] }] });
const echo = (xid: number) => encodeMessage({ version: OFP_VERSION, type: 'echo_request', xid, data: Buffer.alloc(0) });
/** Writes `chunks()` every `everyMs` while the socket is open, at most `times` times. */
function trickle(p: Probe, everyMs: number, times: number, chunk: (i: number) => Buffer): void {
  let i = 0;
  const t = setInterval(() => {
    if (p.socket.destroyed || i >= times) return clearInterval(t);
    p.socket.write(chunk(i++));
  }, everyMs);
}

lim('the switch is served throughout; every hostile socket refused or closed on time; caps hold; every close logged', async () => {
  const ovsDpid = ovs.dpid;
  let attacking = true;
  const attackStart = Date.now();
  // The real switch, asked for an echo, its flow stats and a flow-mod with a barrier every 200 ms.
  const rounds: number[] = [];
  const failures: string[] = [];
  const snapshots: number[] = [];
  controller.on('snapshot', (s) => { if (s.dpid === ovsDpid) snapshots.push(s.now); });
  const served = (async () => {
    for (let i = 0; attacking && i < 200; i++) {
      const t0 = performance.now();
      try {
        await ovs.request({ version: OFP_VERSION, type: 'echo_request', xid: 0, data: Buffer.from(`probe ${i}`) }, 2000);
        await ovs.multipart('flow', { tableId: 0xff, outPort: 0xffffffff, outGroup: 0xffffffff, cookie: 0n, cookieMask: 0n, match: {} });
        ovs.send({
          version: OFP_VERSION, type: 'flow_mod', xid: 0, cookie: 0x7e57_0000n + BigInt(i), cookieMask: 0n, tableId: PROBE_TABLE, command: 0,
          idleTimeout: 0, hardTimeout: 0, priority: 1, bufferId: 0xffffffff, outPort: 0xffffffff, outGroup: 0xffffffff, flags: 0,
          match: { ethType: 0x0800, ipv4Dst: `203.0.113.${i}` }, instructions: [],
        } as OfpMessage);
        await ovs.barrier(2000);
        rounds.push(performance.now() - t0);
      } catch (err) {
        failures.push(`round ${i}: ${(err as Error).message}`);
      }
      await sleep(200);
    }
  })();
  // The caps, sampled every 20 ms.
  let maxOpen = 0;
  let maxPerPeer = 0;
  const sampler = setInterval(() => {
    maxOpen = Math.max(maxOpen, controller.server.counter.total);
    for (let n = 2; n < 20; n++) maxPerPeer = Math.max(maxPerPeer, controller.server.counter.of(`127.0.0.${n}`));
  }, 20);

  // Slowloris from 127.0.0.2: 50 sockets (10 over the per-peer cap). Half say hello and then an
  // echo request every second (whole messages: only the handshake deadline stops them), half
  // say hello with a header's first byte and trickle the rest a byte a second (the read rate
  // stops them first).
  const slowloris = await Promise.all(Array.from({ length: 50 }, (_, k) => hostile('127.0.0.2', (p) => {
    if (k % 2) {
      p.socket.write(hello());
      trickle(p, 1000, 12, (i) => echo(100 + i));
    } else {
      p.socket.write(Buffer.concat([hello(), Buffer.from([OFP_VERSION])]));
      trickle(p, 1000, 12, () => Buffer.from([0]));
    }
  })));
  // A peer that finishes the handshake, announces a 65 535-byte message and sends 1 byte/s.
  const slowUp = once(controller, 'switch_up');
  const slow = new FakeSwitch({ port, dpid: 0x51_0e_51_0en, localAddress: '127.0.0.3' });
  await slowUp;
  const slowStart = Date.now();
  const announce = Buffer.alloc(8);
  announce[0] = OFP_VERSION;
  announce[1] = 2;
  announce.writeUInt16BE(65_535, 2);
  slow.sendRaw(announce);
  const slowTrickle = setInterval(() => slow.sendRaw(Buffer.from([0])), 1000);
  // The flood: 300 sockets from 127.0.0.10-19, half idle, half sending a byte every 3 s.
  const flood = await Promise.all(Array.from({ length: 300 }, (_, k) => hostile(`127.0.0.${10 + (k % 10)}`, (p) => {
    if (k % 2) trickle(p, 3000, 4, () => Buffer.from([OFP_VERSION]));
  })));
  const hostiles = [...slowloris, ...flood];

  await waitFor('every hostile socket closed', () => hostiles.every((p) => p.closedAt !== undefined) && slow.closed, ATTACK_BOUND_MS, 50)
    .catch(() => undefined);
  const slowClosedAt = Date.now();
  // Keep serving a little past the attack, then stop everything we started.
  await sleep(1000);
  attacking = false;
  clearInterval(sampler);
  clearInterval(slowTrickle);
  for (const p of hostiles) p.socket.destroy();
  slow.close();
  await served;
  const attackMs = Date.now() - attackStart;

  // Served throughout.
  assert.equal(failures, [], 'every probe round of the real switch succeeded');
  assert.ok(rounds.length >= 20, `${rounds.length} probe rounds in ${attackMs} ms`);
  const sorted = [...rounds].sort((a, b) => a - b);
  const p95 = sorted[Math.floor(sorted.length * 0.95)]!;
  assert.ok(p95 < 500, `p95 probe round ${p95.toFixed(1)} ms`);
  assert.not.ok(ovs.closed, `the switch was disconnected: ${ovs.closeReason}`);
  assert.is(controller.server.switches.get(ovsDpid), ovs, 'the same session all along');
  assert.is(dumpFlows(BRIDGE, `table=${PROBE_TABLE}`).length, rounds.length, 'every probe flow-mod is in the switch');
  assert.ok(snapshots.filter((t) => t > attackStart + 2000).length >= 5, `${snapshots.length} stats polls of the switch`);

  // Caps held.
  assert.ok(maxOpen <= LIMITS.maxConnections, `${maxOpen} open at once`);
  assert.ok(maxPerPeer <= LIMITS.maxConnectionsPerPeer, `${maxPerPeer} open from one peer`);

  // Every hostile socket refused at accept or closed by a limit, on time.
  const admitted = hostiles.filter((p) => p.admitted);
  const refused = hostiles.filter((p) => !p.admitted);
  assert.ok(refused.length >= 10, `${refused.length} refused`);
  assert.ok(admitted.length >= 100, `${admitted.length} admitted`);
  const late = admitted.filter((p) => p.closedAt === undefined || p.closedAt - p.openedAt > LIMITS.handshakeTimeoutMs + SLACK_MS);
  assert.equal(late.map((p) => `${p.remote} held ${(p.closedAt ?? Date.now()) - p.openedAt} ms`), [], 'held past the handshake deadline');
  const slowHeld = slow.closed ? slowClosedAt - slowStart : Infinity;
  assert.ok(slowHeld <= LIMITS.messageGraceMs + Math.ceil(65_535 * 1000 / LIMITS.minReadBytesPerSec) + SLACK_MS, `the slow message held ${slowHeld} ms`);

  // Every close in the log: one line per admitted socket with its code, and every refusal
  // counted in the refusal lines (their summaries come at the window's end or at stop).
  await controller.stop();
  stopped = true;
  const closeLines = new Map(lines.filter((l) => l.msg === 'switch connection closed').map((l) => [l.remote, l]));
  const missing = admitted.filter((p) => !closeLines.has(p.remote));
  assert.equal(missing.map((p) => p.remote), [], 'admitted sockets without a close line');
  const codes = new Map<string, number>();
  for (const p of admitted) codes.set(String(closeLines.get(p.remote)!.code), (codes.get(String(closeLines.get(p.remote)!.code)) ?? 0) + 1);
  assert.equal([...codes.keys()].sort(), ['HANDSHAKE_TIMEOUT', 'SLOW_MESSAGE'], JSON.stringify([...codes]));
  const slowLine = lines.find((l) => l.msg === 'switch connection closed' && l.dpid === '00000000510e510e');
  assert.is(slowLine?.code, 'SLOW_MESSAGE');
  const refusalsLogged = lines.filter((l) => l.msg === 'refused an OpenFlow connection').length
    + lines.filter((l) => l.msg === 'refused more OpenFlow connections').reduce((n, l) => n + (l.refused ?? 0), 0);
  const counts = controller.server.refusals.counts;
  assert.is(counts.PEER_LIMIT + counts.TOTAL_LIMIT, refused.length, 'every refused socket counted');
  assert.is(refusalsLogged, refused.length, 'every refusal in the log');
  assert.ok(counts.PEER_LIMIT >= 10 && counts.TOTAL_LIMIT > 0, JSON.stringify(counts));
  const logLines = lines.filter((l) => /^(switch connection closed|refused (an|more) OpenFlow connection)/.test(l.msg)).length;
  console.log(`    ${hostiles.length + 1} hostile sockets over ${attackMs} ms: ${admitted.length} admitted and closed (${[...codes].map(([c, n]) => `${n} ${c}`).join(', ')}), `
    + `${refused.length} refused (${counts.PEER_LIMIT} per-peer, ${counts.TOTAL_LIMIT} total) in ${logLines} log lines; at most ${maxOpen} open at once, ${maxPerPeer} from one peer; `
    + `slow message closed after ${slowHeld} ms; the switch answered ${rounds.length} rounds (echo + flow stats + flow-mod + barrier), median ${sorted[Math.floor(sorted.length / 2)]!.toFixed(1)} ms, p95 ${p95.toFixed(1)} ms, max ${sorted.at(-1)!.toFixed(1)} ms; ${snapshots.length} stats polls`);
});

lim.run();
