/**
 * npm run bench:setup — cbench-style flow-setup benchmark: N emulated OpenFlow 1.3 switches
 * on 127.0.0.1 send packet-ins for new flows to a controller and count its answers.
 *
 * Each emulated switch does the handshake (hello, features reply with its dpid, port-desc
 * reply, barrier and echo replies, empty stats replies), then sends packet-ins carrying an
 * Ethernet+IPv4+UDP frame from a new source MAC and IP each time (in_port in the match,
 * table_id 1, reason NO_MATCH, the cookie of ofguard's table-1 miss flow; for os-ken table 0
 * and cookie 0, its table-miss). Every source sends to one server MAC that the switch first
 * announces, so an L2 learning controller knows the destination and installs a flow.
 *
 * Counting, the same for both controllers: every response is attributed to the packet-in it
 * answers by the source it names (a flow-mod's eth_src / eth_dst / ipv4_src, a packet-out's
 * frame), so "packet-ins handled/s" is packet-ins with at least one answer, and latency is
 * packet-in sent → its first answer. ofguard answers a new IPv4 conversation with two
 * flow-mods (MAC learning + accounting) and no packet-out (the table-1 miss flow already
 * forwarded the packet); os-ken answers with a flow-mod and a packet-out.
 *
 * Modes: throughput (WINDOW packet-ins outstanding per switch) and latency (one at a time).
 * Usage: npm run bench:setup [-- --switches 16 --seconds 10 --window 32 --only ofguard|osken --profile DIR]
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  decodeMessage, encodeMessage, MessageFramer, OFP_VERSION, type MultipartReplyMessage, type MultipartRequestMessage,
  type OfpMessage, type PortDescription,
} from '../../controller/openflow/index.js';

const { values: args } = parseArgs({
  options: {
    switches: { type: 'string', default: '16' },
    seconds: { type: 'string', default: '10' },
    window: { type: 'string', default: '32' },
    only: { type: 'string' },
    /** Write a V8 CPU profile of the ofguard controller into this folder (chrome://inspect, speedscope). */
    profile: { type: 'string' },
  },
});
const SWITCHES = Number(args.switches);
const SECONDS = Number(args.seconds);
const WINDOW = Number(args.window);

/** The repository root, whether this runs from scripts/bench (tsx) or dist/scripts/bench. */
function repoRoot(): string {
  const here = fileURLToPath(new URL('.', import.meta.url));
  return here.includes('/dist/') ? join(here, '../../..') : join(here, '../..');
}

/** ofguard's table-1 miss flow cookie: cookieFor(FlowPurpose.pipeline) in flows/layout.ts. */
const OFGUARD_MISS_COOKIE = 0x0f6d_0100_0000_0000n;
const SERVER_PORT = 1;
const CLIENT_PORT = 2;
const SERVER_SEQ = 0xffffff;
const FRAME_LEN = 14 + 20 + 8 + 18;
const LOST_AFTER_MS = 1000;

/** An Ethernet+IPv4+UDP frame from source number `seq` (in the MAC's and IP's low 24 bits) to the server. */
function frame(seq: number, serverMac: Buffer): Buffer {
  const f = Buffer.alloc(FRAME_LEN);
  if (seq === SERVER_SEQ) {
    f.fill(0xff, 0, 6); // the server announces itself with a broadcast
    serverMac.copy(f, 6);
  } else {
    serverMac.copy(f, 0);
    f.set([0x02, 0, 0, (seq >> 16) & 255, (seq >> 8) & 255, seq & 255], 6);
  }
  f.writeUInt16BE(0x0800, 12);
  f.set([0x45, 0, 0, 20 + 8 + 18, 0, 0, 0x40, 0, 64, 17, 0, 0], 14);
  f.set([10, (seq >> 16) & 255, (seq >> 8) & 255, seq & 255], 26);
  f.set([192, 168, 0, 1], 30);
  let sum = 0;
  for (let i = 14; i < 34; i += 2) sum += f.readUInt16BE(i);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >> 16);
  f.writeUInt16BE(~sum & 0xffff, 24);
  f.writeUInt16BE(40000 + (seq & 0x3ff), 34);
  f.writeUInt16BE(5001, 36);
  f.writeUInt16BE(8 + 18, 38);
  return f;
}

/** The source number a response names, or -1 when it answers none of our packet-ins. */
function answeredSeq(m: OfpMessage, serverMac: string): number {
  const fromMac = (mac: string): number => parseInt(mac.slice(9).replaceAll(':', ''), 16);
  if (m.type === 'flow_mod') {
    const match = m.match;
    if (match.ipv4Src !== undefined && match.ipv4Src.startsWith('10.')) {
      const [, a, b, c] = match.ipv4Src.split('.').map(Number);
      return (a! << 16) | (b! << 8) | c!;
    }
    if (match.ethSrc !== undefined) return match.ethSrc === serverMac ? SERVER_SEQ : fromMac(match.ethSrc);
    if (match.ethDst !== undefined) return match.ethDst === serverMac ? SERVER_SEQ : fromMac(match.ethDst);
    return -1;
  }
  if (m.type === 'packet_out' && m.data.length >= 12 && m.data[6] === 0x02 && m.data[7] === 0 && m.data[8] === 0) {
    return (m.data[9]! << 16) | (m.data[10]! << 8) | m.data[11]!;
  }
  if (m.type === 'packet_out' && m.data.length >= 12 && m.data.subarray(6, 12).equals(Buffer.from(serverMac.replaceAll(':', ''), 'hex'))) {
    return SERVER_SEQ;
  }
  return -1;
}

interface Tally {
  handled: number;
  /** packet-ins with no answer within LOST_AFTER_MS (a controller may shed load) */
  lost: number;
  flowMods: number;
  packetOuts: number;
  latenciesUs: number[];
}

class EmulatedSwitch {
  private readonly socket: Socket;
  private readonly framer = new MessageFramer();
  private readonly serverMac: Buffer;
  private readonly serverMacText: string;
  /** seq → send time (ms) of packet-ins not answered yet */
  private readonly pending = new Map<number, number>();
  private nextSeq = 1;
  private window = 0;
  private counting = false;
  ready: Promise<void>;
  private markReady!: () => void;
  readonly tally: Tally = { handled: 0, lost: 0, flowMods: 0, packetOuts: 0, latenciesUs: [] };
  private sweeper?: NodeJS.Timeout;
  private announcer?: NodeJS.Timeout;

  constructor(private readonly index: number, private readonly dpid: number, port: number, private readonly forOfguard: boolean) {
    this.serverMac = Buffer.from([0x02, 0xaa, 0, 0, 0, index + 1]);
    this.serverMacText = [...this.serverMac].map((x) => x.toString(16).padStart(2, '0')).join(':');
    this.ready = new Promise((resolve) => (this.markReady = resolve));
    this.socket = connect({ host: '127.0.0.1', port });
    this.socket.setNoDelay(true);
    this.socket.on('connect', () => this.send({ version: OFP_VERSION, type: 'hello', xid: 1, elements: [{ type: 'versionbitmap', bitmaps: [1 << OFP_VERSION] }] }));
    this.socket.on('data', (chunk) => {
      // One write for every packet-in this chunk's answers release, like a switch's batching:
      // a syscall per packet-in made the load generator, not the controller, the bottleneck.
      this.socket.cork();
      for (const bytes of this.framer.push(chunk)) this.receive(decodeMessage(bytes));
      this.socket.uncork();
    });
    this.socket.on('error', () => undefined);
  }

  private send(m: OfpMessage): void {
    this.socket.write(encodeMessage(m));
  }

  private packetIn(seq: number): void {
    this.pending.set(seq, performance.now());
    this.send({
      version: OFP_VERSION, type: 'packet_in', xid: 0, bufferId: 0xffffffff, totalLen: FRAME_LEN, reason: 0,
      tableId: this.forOfguard ? 1 : 0, cookie: this.forOfguard ? OFGUARD_MISS_COOKIE : 0n,
      match: { inPort: seq === SERVER_SEQ ? SERVER_PORT : CLIENT_PORT }, data: frame(seq, this.serverMac),
    });
  }

  /** Announces the server until the controller has learnt it, so later flows have a destination. */
  announceServer(): void {
    this.announcer = setInterval(() => this.packetIn(SERVER_SEQ), 200);
    this.packetIn(SERVER_SEQ);
    void this.ready.then(() => clearInterval(this.announcer));
  }

  start(window: number): void {
    this.window = window;
    this.counting = true;
    this.pending.clear(); // server announcements are not part of the measurement
    this.socket.cork();
    for (let i = 0; i < window; i++) this.packetIn(this.nextSeq++);
    this.socket.uncork();
    // A packet-in the controller dropped would hold its window slot for ever: give it up.
    this.sweeper = setInterval(() => this.sweep(), LOST_AFTER_MS / 4);
  }

  private sweep(): void {
    const cutoff = performance.now() - LOST_AFTER_MS;
    let freed = 0;
    for (const [seq, sentAt] of this.pending) {
      if (sentAt >= cutoff) break; // insertion order is send order
      this.pending.delete(seq);
      freed++;
    }
    this.tally.lost += freed;
    this.socket.cork();
    for (let i = 0; i < freed; i++) this.packetIn(this.nextSeq++);
    this.socket.uncork();
  }

  stop(): void {
    clearInterval(this.sweeper);
    clearInterval(this.announcer);
    this.counting = false;
    this.socket.destroy();
  }

  private ports(): PortDescription[] {
    return [1, 2, 3, 4].map((n) => ({
      portNo: n, hwAddr: `02:bb:00:00:${(this.index + 1).toString(16).padStart(2, '0')}:0${n}`, name: `s${this.index + 1}-eth${n}`,
      config: 0, state: 4, curr: 0x840, advertised: 0, supported: 0, peer: 0, currSpeed: 10_000_000, maxSpeed: 10_000_000,
    }));
  }

  private multipartReply(req: MultipartRequestMessage): OfpMessage {
    const head = { version: OFP_VERSION, type: 'multipart_reply' as const, xid: req.xid, flags: 0 };
    switch (req.mpType) {
      case 'port_desc':
        return { ...head, mpType: 'port_desc', body: this.ports() };
      case 'desc':
        return { ...head, mpType: 'desc', body: { mfrDesc: 'ofguard bench', hwDesc: 'emulated', swDesc: 'setup.ts', serialNum: String(this.index), dpDesc: `s${this.index + 1}` } };
      case 'flow':
      case 'port_stats':
      case 'meter':
      case 'table':
      case 'group':
      case 'queue':
      case 'meter_config':
      case 'group_desc':
        return { ...head, mpType: req.mpType, body: [] } as MultipartReplyMessage;
      default:
        return { version: OFP_VERSION, type: 'error', xid: req.xid, errorType: 1, code: 2, data: Buffer.alloc(0) };
    }
  }

  private receive(m: OfpMessage): void {
    switch (m.type) {
      case 'features_request':
        this.send({ version: OFP_VERSION, type: 'features_reply', xid: m.xid, dpid: BigInt(this.dpid), nBuffers: 0, nTables: 254, auxiliaryId: 0, capabilities: 0x4f, reserved: 0 });
        return;
      case 'echo_request':
        this.send({ version: OFP_VERSION, type: 'echo_reply', xid: m.xid, data: m.data });
        return;
      case 'barrier_request':
        this.send({ version: OFP_VERSION, type: 'barrier_reply', xid: m.xid });
        return;
      case 'multipart_request':
        this.send(this.multipartReply(m));
        return;
      case 'flow_mod':
      case 'packet_out':
        this.answer(m);
        return;
      default:
        return; // hello, set_config, meter_mod, group_mod: nothing to answer
    }
  }

  private answer(m: OfpMessage): void {
    const seq = answeredSeq(m, this.serverMacText);
    if (seq === SERVER_SEQ) this.markReady();
    if (!this.counting || seq < 0) return;
    if (m.type === 'flow_mod') this.tally.flowMods++;
    else this.tally.packetOuts++;
    const sentAt = this.pending.get(seq);
    if (sentAt === undefined) return; // a second answer to the same packet-in
    this.pending.delete(seq);
    this.tally.handled++;
    this.tally.latenciesUs.push((performance.now() - sentAt) * 1000);
    if (this.pending.size < this.window) this.packetIn(this.nextSeq++);
  }
}

interface Figures {
  handledPerSec: number;
  lostPerSec: number;
  responsesPerSec: number;
  flowModsPerPacketIn: number;
  packetOutsPerPacketIn: number;
  p50Us: number;
  p99Us: number;
  /** share of one core each process used during the run */
  controllerCpu: number;
  generatorCpu: number;
}

const CLOCK_TICKS_PER_SEC = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());

/** CPU seconds a process has used so far (Linux /proc: utime + stime, fields 14 and 15). */
function processCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SEC;
}

function ownCpuSeconds(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** `dpidBase` differs per run: a controller may still be tearing down the previous run's switches. */
async function measure(port: number, forOfguard: boolean, window: number, dpidBase: number, controllerPid: number): Promise<Figures> {
  const switches = Array.from({ length: SWITCHES }, (_, i) => new EmulatedSwitch(i, dpidBase + i + 1, port, forOfguard));
  for (const s of switches) s.announceServer();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), 20_000)));
  const outcome = await Promise.race([Promise.all(switches.map((s) => s.ready)), timeout]);
  clearTimeout(timer);
  if (outcome === 'timeout') {
    for (const s of switches) s.stop();
    throw new Error('switches not ready after 20 s');
  }
  const start = performance.now();
  const controllerCpuStart = processCpuSeconds(controllerPid);
  const generatorCpuStart = ownCpuSeconds();
  for (const s of switches) s.start(window);
  await sleep(SECONDS * 1000);
  const elapsed = (performance.now() - start) / 1000;
  const controllerCpu = (processCpuSeconds(controllerPid) - controllerCpuStart) / elapsed;
  const generatorCpu = (ownCpuSeconds() - generatorCpuStart) / elapsed;
  for (const s of switches) s.stop();
  const handled = switches.reduce((n, s) => n + s.tally.handled, 0);
  const flowMods = switches.reduce((n, s) => n + s.tally.flowMods, 0);
  const packetOuts = switches.reduce((n, s) => n + s.tally.packetOuts, 0);
  const lost = switches.reduce((n, s) => n + s.tally.lost, 0);
  const latencies = switches.flatMap((s) => s.tally.latenciesUs).sort((a, b) => a - b);
  const pct = (q: number): number => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN;
  return {
    handledPerSec: handled / elapsed, lostPerSec: lost / elapsed, responsesPerSec: (flowMods + packetOuts) / elapsed,
    flowModsPerPacketIn: flowMods / Math.max(1, handled), packetOutsPerPacketIn: packetOuts / Math.max(1, handled),
    p50Us: pct(0.5), p99Us: pct(0.99), controllerCpu, generatorCpu,
  };
}

/** Starts a controller, waits until it listens, runs both modes, and kills exactly that child. */
async function benchController(name: string, command: string, argv: string[], port: number, forOfguard: boolean): Promise<[Figures, Figures]> {
  const child: ChildProcess = spawn(command, argv, { cwd: repoRoot(), stdio: ['ignore', 'pipe', 'pipe'] });
  // The last output of either stream, to explain a controller that exits early.
  let output = '';
  child.on('error', (err) => (output += `\n${err.message}`));
  const keep = (d: Buffer): void => {
    output = (output + d.toString()).slice(-2000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  try {
    await waitForListen(port, child);
    const throughput = await measure(port, forOfguard, WINDOW, 0, child.pid!);
    await sleep(500);
    const latency = await measure(port, forOfguard, 1, 0x1000, child.pid!);
    return [throughput, latency];
  } catch (err) {
    throw new Error(`${name}: ${(err as Error).message}\n${output}`);
  } finally {
    child.kill('SIGTERM');
  }
}

async function waitForListen(port: number, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) throw new Error(`exited with code ${child.exitCode}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect({ host: '127.0.0.1', port }, () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    await sleep(100);
  }
  throw new Error(`not listening on ${port} after 10 s`);
}

const runs: [string, Figures, Figures][] = [];
const failures: string[] = [];
async function run(name: string, command: string, argv: string[], port: number, forOfguard: boolean): Promise<void> {
  try {
    const [throughput, latency] = await benchController(name, command, argv, port, forOfguard);
    runs.push([name, throughput, latency]);
  } catch (err) {
    failures.push((err as Error).message);
  }
}
const dataDir = mkdtempSync(join(tmpdir(), 'ofguard-setup-'));
try {
  if (args.only !== 'osken') {
    const main = join(repoRoot(), 'dist/controller/cli/main.js');
    const profile = args.profile ? ['--cpu-prof', `--cpu-prof-dir=${args.profile}`] : [];
    await run('ofguard', process.execPath, [...profile, main, 'start', '--listen', '127.0.0.1', '--port', '16653', '--data', dataDir, '--log-level', 'warn'], 16653, true);
  }
  if (args.only !== 'ofguard') {
    const app = join(repoRoot(), 'scripts/bench/osken_simple_switch_13.py');
    await run('os-ken', 'osken-manager', ['--ofp-listen-host', '127.0.0.1', '--ofp-tcp-listen-port', '16654', app], 16654, false);
  }
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}

const fmt = (n: number): string => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : 'n/a');
const pctOf = (share: number): string => `${Math.round(100 * share)} %`;
console.log(`Flow-setup benchmark: ${SWITCHES} emulated switches on 127.0.0.1, ${SECONDS} s per run, window ${WINDOW} (throughput) / 1 (latency)`);
console.log(`node ${process.version}; ${cpus()[0]?.model ?? '?'}; ${cpus().length} cores (load generator and controller share them)`);
console.log('');
console.log('| controller | packet-ins handled/s | unanswered/s | responses/s | flow-mods / pkt-in | packet-outs / pkt-in | controller CPU | generator CPU | latency p50 µs | p99 µs | 1-at-a-time handled/s |');
console.log('|------------|---------------------:|-------------:|------------:|-------------------:|---------------------:|---------------:|--------------:|---------------:|-------:|----------------------:|');
for (const [name, t, l] of runs) {
  console.log(`| ${name.padEnd(10)} | ${fmt(t.handledPerSec).padStart(20)} | ${fmt(t.lostPerSec).padStart(12)} | ${fmt(t.responsesPerSec).padStart(11)} | ${t.flowModsPerPacketIn.toFixed(2).padStart(18)} | ${t.packetOutsPerPacketIn.toFixed(2).padStart(20)} | ${pctOf(t.controllerCpu).padStart(14)} | ${pctOf(t.generatorCpu).padStart(13)} | ${fmt(l.p50Us).padStart(14)} | ${fmt(l.p99Us).padStart(6)} | ${fmt(l.handledPerSec).padStart(21)} |`);
}
const og = runs.find((r) => r[0] === 'ofguard');
const ok = runs.find((r) => r[0] === 'os-ken');
if (og && ok) {
  console.log('');
  console.log(`ofguard / os-ken, packet-ins handled per second: throughput ${(og[1].handledPerSec / ok[1].handledPerSec).toFixed(1)}x, one-at-a-time ${(og[2].handledPerSec / ok[2].handledPerSec).toFixed(1)}x`);
}
console.log('');
console.log('A packet-in is handled when its first answer (flow-mod or packet-out naming its source) arrives;');
console.log('latency is measured in the one-at-a-time run. Responses/s counts every attributed flow-mod and packet-out;');
console.log(`unanswered: packet-ins with no answer after ${LOST_AFTER_MS} ms (their window slot is then reused).`);
console.log('CPU: share of one core used during the throughput run (both controllers are single-threaded).');
for (const failure of failures) console.log(`\nnot measured: ${failure}`);
if (failures.length > 0) process.exitCode = 1;
