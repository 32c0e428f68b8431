/**
 * Records the labeled traces the attack-type classifier is trained and evaluated on
 * (controller/detect/train.ts): ofguard's own stats poller watching a Mininet `office`
 * network while legitimate users work and attackers take turns, each with one attack whose
 * kind, rate and target vary by session. The controller forwards and accounts but does not
 * mitigate, so the trace holds what attacks look like before anything is done about them.
 *
 *   sudo node --import tsx scripts/traces/record-training.ts [--sessions 3] [--out traces]
 *
 * Each session writes `<out>/office-<n>.trace.jsonl.gz` (controller/replay/FORMAT.md) whose
 * header meta holds `attacks`: [{src, type, from, to}] (ms, the trace's clock). A source's
 * candidates inside its window are that attack; everything else is benign. Every flood is
 * bounded by `timeout`; traffic stays inside the Mininet hosts.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { Controller, defaultControllerOptions } from '../../controller/controller.js';
import { systemClock } from '../../controller/clock.js';
import { freePort } from '../../controller/free-port.js';
import { silentLogger } from '../../controller/log.js';
import { Mininet, repoRoot } from '../../controller/mininet/client.js';
import { startHttpServer } from '../../controller/mininet/traffic.js';
import { TraceRecorder } from '../../controller/replay/recorder.js';
import type { AttackType } from '../../controller/detect/detection.js';

const { values: args } = parseArgs({
  options: {
    sessions: { type: 'string', default: '3' },
    first: { type: 'string', default: '1' },
    out: { type: 'string', default: 'traces' },
  },
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const SRV1 = '10.0.0.1', SRV2 = '10.0.0.2';
const ATTACK_S = 8;
const GAP_MS = 3000;

interface Attack {
  host: string;
  type: Exclude<AttackType, 'benign'>;
  cmd: string;
}

const hping = (flags: string, target: string) => `timeout -s INT ${ATTACK_S} hping3 ${flags} ${target} >/dev/null 2>&1`;
/** A password-guessing loop: one new connection to a service port every `gapS` seconds. */
const bruteForce = (target: string, port: number, gapS: number) =>
  `end=$(($(date +%s) + ${ATTACK_S})); while [ $(date +%s) -lt $end ]; do curl -s -o /dev/null --max-time 1 http://${target}:${port}/; sleep ${gapS}; done`;

/** Session n's attacks: the same six kinds each time, with rates, ports and targets varied. */
function attacks(n: number): Attack[] {
  const pick = <T>(xs: readonly T[]) => xs[(n - 1) % xs.length]!;
  return [
    { host: 'att1', type: 'syn-flood', cmd: hping(`-S -p ${pick([8080, 80, 443])} ${pick(['--flood', '-i u500', '-i u200'])}`, SRV1) },
    { host: 'att2', type: 'udp-flood', cmd: hping(`--udp -p ${pick([9000, 53, 123])} ${pick(['--flood', '-i u300', '-i u1000'])}`, SRV2) },
    { host: 'att3', type: 'icmp-flood', cmd: hping(`--icmp ${pick(['--flood', '-i u500', '-i u200'])}`, pick([SRV1, SRV2])) },
    // Sessions 4-6 add slower scans, which the accounting table sees port by port.
    { host: 'att4', type: 'scan', cmd: hping(`-S --scan 1-${pick([3000, 1500, 6000, 1000, 600, 2000])} ${pick(['-i u2000', '-i u5000', '-i u1000', '-i u20000', '-i u50000', '-i u10000'])}`, pick([SRV1, SRV2])) },
    { host: 'att5', type: 'brute-force', cmd: bruteForce(SRV1, 22, pick([0.05, 0.1, 0.02, 0.2, 0.15, 0.08])) },
    { host: 'att6', type: 'syn-flood', cmd: hping(`-S -p ${pick([22, 8080, 25])} ${pick(['-i u1000', '--flood', '-i u300'])}`, SRV2) },
    { host: 'att7', type: 'brute-force', cmd: bruteForce(SRV2, 8080, pick([0.1, 0.03, 0.06])) },
    { host: 'att8', type: 'udp-flood', cmd: hping(`--udp -p ${pick([5060, 9000, 161])} ${pick(['-i u500', '--flood', '-i u200'])}`, SRV1) },
  ];
}

const OFFICE_IPS: Record<string, string> = Object.fromEntries([
  'srv1', 'srv2', 'cli1', 'cli2', 'cli3', 'att1', 'att2', 'att3', 'att4', 'att5', 'att6', 'att7', 'att8',
].map((h, i) => [h, `10.0.0.${i + 1}`]));

async function session(n: number, outDir: string): Promise<string> {
  const port = await freePort();
  const controller = new Controller({ ...defaultControllerOptions, port, host: '127.0.0.1', pollIntervalMs: 1000, clock: systemClock, logger: silentLogger });
  const tmp = join(tmpdir(), `ofguard-train-${process.pid}-${n}.trace.jsonl`);
  const recorder = TraceRecorder.create(tmp, { createdAt: systemClock.now() });
  controller.on('snapshot', (s) => recorder.record(s));
  await controller.start();
  const net = new Mininet();
  const plan = attacks(n);
  const windows: Array<{ src: string; type: string; from: number; to: number }> = [];
  try {
    await net.start({ topo: 'office', port });
    const deadline = Date.now() + 30_000;
    while (controller.poller.lastPoll.size < 1) {
      if (Date.now() > deadline) throw new Error('the switch did not connect');
      await sleep(200);
    }
    const seconds = plan.length * (ATTACK_S + GAP_MS / 1000) + 30;
    for (const [srv, p] of [['srv1', 8080], ['srv1', 22], ['srv2', 8080]] as const) await startHttpServer(net, srv, p, seconds + 30);
    await sleep(500);
    // Legitimate users for the whole session: web clients at different paces, a pinger,
    // a login now and then, and one bulk transfer.
    const users = [
      net.spawn('cli1', `end=$(($(date +%s) + ${seconds})); while [ $(date +%s) -lt $end ]; do curl -s -o /dev/null --max-time 2 http://${SRV1}:8080/; sleep 0.2; done`, seconds + 10),
      net.spawn('cli2', `end=$(($(date +%s) + ${seconds})); while [ $(date +%s) -lt $end ]; do for i in 1 2 3 4 5; do curl -s -o /dev/null --max-time 2 http://${SRV2}:8080/; done; sleep 2; done`, seconds + 10),
      net.spawn('cli3', `ping -c ${seconds * 2} -i 0.5 -W 1 ${SRV1} >/dev/null`, seconds + 10),
      net.spawn('cli3', `end=$(($(date +%s) + ${seconds})); while [ $(date +%s) -lt $end ]; do curl -s -o /dev/null --max-time 2 http://${SRV1}:22/; sleep 7; done`, seconds + 10),
      net.spawn('srv2', `timeout ${seconds} iperf3 -s -1 -p 5201 >/dev/null 2>&1`, seconds + 10),
    ];
    await sleep(5000);
    const bulk = net.spawn('cli2', `timeout 30 iperf3 -c ${SRV2} -p 5201 -t ${8 + n * 3} -b ${4 * n}M >/dev/null 2>&1`, 40);
    for (const a of plan) {
      const from = systemClock.now();
      process.stdout.write(`  session ${n}: ${a.type} from ${a.host} — ${a.cmd.slice(0, 70)}\n`);
      const h = await net.spawn(a.host, a.cmd, ATTACK_S + 5);
      await net.wait(h.handle, ATTACK_S + 10);
      windows.push({ src: OFFICE_IPS[a.host]!, type: a.type, from, to: systemClock.now() + 2000 });
      await sleep(GAP_MS);
    }
    for (const u of [...users, bulk]) await net.wait((await u).handle, seconds + 20).catch(() => undefined);
  } finally {
    await net.stop();
    await controller.stop();
    recorder.close();
  }
  // The header is written first, the labels are known last: rewrite line 1.
  const lines = readFileSync(tmp, 'utf8').split('\n');
  const header = JSON.parse(lines[0]!) as Record<string, unknown>;
  header['meta'] = { topology: 'office', session: n, attacks: windows, labels: Object.fromEntries(windows.map((w) => [w.src, w.type])) };
  lines[0] = JSON.stringify(header);
  const out = join(outDir, `office-${n}.trace.jsonl.gz`);
  writeFileSync(out, gzipSync(lines.join('\n'), { level: 9 }));
  rmSync(tmp);
  return out;
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('recording builds a Mininet network and needs root');
  execFileSync('bash', [join(repoRoot(), 'scripts', 'ovs-start.sh')], { stdio: 'ignore' });
  const outDir = resolve(args.out!);
  mkdirSync(outDir, { recursive: true });
  const first = Number(args.first);
  for (let n = first; n < first + Number(args.sessions); n++) process.stdout.write(`wrote ${await session(n, outDir)}\n`);
}

main().then(() => process.exit(0), (err: Error) => {
  process.stderr.write(`recording failed: ${err.message}\n`);
  process.exit(1);
});
