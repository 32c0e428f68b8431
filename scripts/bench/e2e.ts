/**
 * npm run bench:e2e — the whole product against real attacks, measured: ofguard defends the
 * Mininet `office` topology (Open vSwitch, userspace datapath) with a 1 s poll interval while
 * each attacker in turn floods a server (SYN, UDP, ICMP in rotation) and three legitimate
 * clients keep making HTTP requests. Then the same trials run with os-ken's
 * simple_switch_13 + simple_monitor_13 (Debian python3-os-ken) as the no-defence baseline.
 *
 * Per trial:
 *  - latency: flood started → a mitigating flow (drop or meter) for the attacker is in the
 *    switch, read with ovs-ofctl every 50 ms (the independent check, not ofguard's word);
 *  - drop share once a drop flow is in: dropped / (dropped + let through) from the switch's
 *    counters (the drop flow's n_packets; the accounting table's for what passed) over 2 s;
 *  - legitimate requests answered during the flood after mitigation (baseline: during the flood).
 *
 * Usage: sudo npm run bench:e2e [-- --attackers 8 --flood-seconds 10 --only ofguard|osken]
 * Traffic stays inside the Mininet hosts; every flood is bounded by `timeout`.
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { promisify } from 'node:util';
import { pino } from 'pino';
import { Guard } from '../../controller/guard.js';
import { systemClock } from '../../controller/clock.js';
import { freePort } from '../../controller/free-port.js';
import { Mininet, repoRoot } from '../../controller/mininet/client.js';
import { startHttpServer } from '../../controller/mininet/traffic.js';

const run = promisify(execFile);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const { values: args } = parseArgs({
  options: {
    attackers: { type: 'string', default: '8' },
    'flood-seconds': { type: 'string', default: '10' },
    only: { type: 'string' },
    out: { type: 'string', default: 'reports/bench-e2e.json' },
  },
});
const ATTACKERS = Number(args.attackers);
const FLOOD_S = Number(args['flood-seconds']);
const GAP_MS = 4000;
const SERVERS = { srv1: '10.0.0.1', srv2: '10.0.0.2' };
const CLIENTS = ['cli1', 'cli2', 'cli3'];
const KINDS = [
  { kind: 'syn-flood', flags: '-S -p 8080 --flood', target: SERVERS.srv1 },
  { kind: 'udp-flood', flags: '--udp -p 9000 --flood', target: SERVERS.srv2 },
  { kind: 'icmp-flood', flags: '--icmp --flood', target: SERVERS.srv1 },
] as const;

interface Trial {
  attacker: string;
  kind: string;
  startMs: number;
  endMs: number;
  /** flood start → mitigating flow in the switch; undefined when none came */
  latencyMs?: number;
  /** share of the attacker's packets dropped once a drop flow was in place */
  dropShare?: number;
  dropped?: number;
  passed?: number;
}

interface Run {
  controller: 'ofguard' | 'os-ken simple_switch_13 + simple_monitor_13';
  trials: Trial[];
  legit: { ok: number; total: number; duringAttackOk: number; duringAttackTotal: number; duringAttackMs: { median?: number; p95?: number } };
}

function attackerIp(i: number): string {
  return `10.0.0.${i + 6}`;
}

async function flows(filter: string): Promise<string[]> {
  const { stdout } = await run('ovs-ofctl', ['-O', 'OpenFlow13', 'dump-flows', 's1', filter], { timeout: 10_000 });
  return stdout.split('\n').map((l) => l.trim()).filter((l) => l.includes('table='));
}

const nPackets = (l: string) => Number(l.match(/n_packets=(\d+)/)?.[1] ?? 0);
const mitigating = (lines: string[], ip: string) => lines.filter((l) => l.includes(`nw_src=${ip}`) && /actions=(drop|meter:)/.test(l));

/** Polls the switch until a mitigating flow for `ip` is there; ms since `since`, or undefined. */
async function watchMitigation(ip: string, since: number, untilMs: number): Promise<number | undefined> {
  while (Date.now() < untilMs) {
    if (mitigating(await flows('table=0'), ip).length > 0) return Date.now() - since;
    await sleep(50);
  }
  return undefined;
}

async function measureDrop(ip: string, untilMs: number): Promise<Pick<Trial, 'dropShare' | 'dropped' | 'passed'>> {
  const drops = async () => mitigating(await flows('table=0'), ip).filter((l) => /actions=drop/.test(l)).reduce((n, l) => n + nPackets(l), 0);
  const passed = async () => (await flows('table=1')).filter((l) => l.includes(`nw_src=${ip},`)).reduce((n, l) => n + nPackets(l), 0);
  while (Date.now() < untilMs - 2500) {
    if ((await flows('table=0')).some((l) => l.includes(`nw_src=${ip}`) && /actions=drop/.test(l))) {
      const d0 = await drops(), p0 = await passed();
      await sleep(2000);
      const dropped = (await drops()) - d0, through = (await passed()) - p0;
      return { dropShare: dropped / Math.max(1, dropped + through), dropped, passed: through };
    }
    await sleep(100);
  }
  return {};
}

/** A legitimate client: one HTTP request every 200 ms, each printed as "<epoch ms> <status> <seconds taken>". */
function clientCommand(url: string, seconds: number): string {
  return `end=$(($(date +%s) + ${seconds})); while [ $(date +%s) -lt $end ]; do c=$(curl -s -o /dev/null -w '%{http_code} %{time_total}' --max-time 2 ${url}); echo "$(date +%s%3N) $c"; sleep 0.2; done`;
}

interface LegitRequest { at: number; ok: boolean; ms: number }

function parseRequests(out: string): LegitRequest[] {
  return out.split('\n').map((l) => l.trim().split(' ')).filter((p) => p.length === 3 && /^\d+$/.test(p[0]!))
    .map(([at, code, took]) => ({ at: Number(at), ok: code === '200', ms: Number(took) * 1000 }));
}

async function trials(net: Mininet, defended: boolean): Promise<{ trials: Trial[]; requests: LegitRequest[] }> {
  for (const srv of Object.keys(SERVERS)) await startHttpServer(net, srv, 8080, ATTACKERS * (FLOOD_S + GAP_MS / 1000) + 120);
  await sleep(500);
  for (const c of CLIENTS) await net.cmd(c, `ping -c 1 -W 2 ${SERVERS.srv1} >/dev/null; ping -c 1 -W 2 ${SERVERS.srv2} >/dev/null`, 10);
  for (let i = 0; i < ATTACKERS; i++) await net.cmd(`att${i + 1}`, `ping -c 1 -W 2 ${SERVERS.srv1} >/dev/null`, 10);
  const total = Math.ceil(ATTACKERS * (FLOOD_S + GAP_MS / 1000 + 3) + 10);
  const targets = [SERVERS.srv1, SERVERS.srv2, SERVERS.srv1];
  const clients = await Promise.all(CLIENTS.map((c, i) => net.spawn(c, clientCommand(`http://${targets[i]}:8080/`, total), total + 15)));
  await sleep(3000);
  const out: Trial[] = [];
  for (let i = 0; i < ATTACKERS; i++) {
    const { kind, flags, target } = KINDS[i % KINDS.length]!;
    const host = `att${i + 1}`, ip = attackerIp(i);
    const startMs = Date.now();
    const flood = await net.spawn(host, `timeout -s INT ${FLOOD_S} hping3 ${flags} ${target} >/dev/null 2>&1`, FLOOD_S + 5);
    const trial: Trial = { attacker: ip, kind, startMs, endMs: startMs + FLOOD_S * 1000 };
    if (defended) {
      trial.latencyMs = await watchMitigation(ip, startMs, trial.endMs);
      Object.assign(trial, await measureDrop(ip, trial.endMs));
    }
    await net.wait(flood.handle, FLOOD_S + 10);
    trial.endMs = Date.now();
    out.push(trial);
    process.stdout.write(`  ${kind} from ${ip}: ${defended ? `mitigated after ${trial.latencyMs ?? '—'} ms, drop share ${trial.dropShare === undefined ? '—' : (100 * trial.dropShare).toFixed(3) + ' %'}` : 'no defence'}\n`);
    await sleep(GAP_MS);
  }
  const requests = (await Promise.all(clients.map((c) => net.wait(c.handle, total + 20)))).flatMap((r) => parseRequests(r.out));
  return { trials: out, requests };
}

function legitFigures(requests: LegitRequest[], windows: Array<[number, number]>): Run['legit'] {
  const during = requests.filter((r) => windows.some(([a, b]) => r.at >= a && r.at <= b));
  const took = during.filter((r) => r.ok).map((r) => r.ms).sort((a, b) => a - b);
  return {
    ok: requests.filter((r) => r.ok).length, total: requests.length,
    duringAttackOk: during.filter((r) => r.ok).length, duringAttackTotal: during.length,
    duringAttackMs: { median: percentile(took, 50), p95: percentile(took, 95) },
  };
}

async function withNetwork<T>(port: number, fn: (net: Mininet) => Promise<T>): Promise<T> {
  const net = new Mininet();
  try {
    await net.start({ topo: `office,servers=2,clients=3,attackers=${ATTACKERS}`, port });
    return await fn(net);
  } finally {
    await net.stop();
  }
}

async function waitConnected(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what} did not connect within 30 s`);
    await sleep(200);
  }
}

async function runOfguard(logDir: string): Promise<Run> {
  const port = await freePort();
  const logger = pino({ level: 'info' }, pino.destination({ dest: join(logDir, 'ofguard.log'), sync: false }));
  const guard = new Guard({ controller: { port, host: '127.0.0.1', pollIntervalMs: 1000 }, dataDir: mkdtempSync(join(tmpdir(), 'ofguard-e2e-')), clock: systemClock, logger });
  await guard.start();
  try {
    return await withNetwork(port, async (net) => {
      await waitConnected(() => guard.controller.poller.lastPoll.size === 1, 'the switch');
      const { trials: t, requests } = await trials(net, true);
      // After mitigation: from the moment the attacker's flow was in the switch to the flood's end.
      const windows = t.filter((x) => x.latencyMs !== undefined).map((x): [number, number] => [x.startMs + x.latencyMs!, x.endMs]);
      return { controller: 'ofguard', trials: t, legit: legitFigures(requests, windows) };
    });
  } finally {
    await guard.stop();
  }
}

async function runOsken(logDir: string): Promise<Run> {
  const port = await freePort();
  const apps = ['osken_simple_switch_13.py', 'osken_simple_monitor_13.py'].map((a) => join(repoRoot(), 'scripts', 'bench', a));
  const child: ChildProcess = spawn('osken-manager', ['--ofp-listen-host', '127.0.0.1', '--ofp-tcp-listen-port', String(port), '--log-file', join(logDir, 'osken.log'), ...apps], { stdio: 'ignore' });
  try {
    return await withNetwork(port, async (net) => {
      await waitConnected(async () => (await flows('table=0')).some((l) => l.includes('CONTROLLER')), 'os-ken');
      const { trials: t, requests } = await trials(net, false);
      return { controller: 'os-ken simple_switch_13 + simple_monitor_13', trials: t, legit: legitFigures(requests, t.map((x): [number, number] => [x.startMs, x.endMs])) };
    });
  } finally {
    child.kill('SIGTERM');
  }
}

function percentile(sorted: number[], p: number): number | undefined {
  if (sorted.length === 0) return undefined;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

const took = (l: Run['legit']) => `response time median ${l.duringAttackMs.median?.toFixed(1) ?? '—'} ms, p95 ${l.duringAttackMs.p95?.toFixed(1) ?? '—'} ms`;
const pct = (ok: number, total: number) => (total ? `${((100 * ok) / total).toFixed(2)} % (${ok}/${total})` : '—');

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('bench:e2e builds a Mininet network and needs root: sudo npm run bench:e2e');
  execFileSync('bash', [join(repoRoot(), 'scripts', 'ovs-start.sh')], { stdio: 'ignore' });
  const logDir = join(repoRoot(), 'reports', 'bench-e2e-logs');
  mkdirSync(logDir, { recursive: true });
  const runs: Run[] = [];
  if (args.only !== 'osken') {
    process.stdout.write(`ofguard, ${ATTACKERS} trials, ${FLOOD_S} s floods, poll interval 1 s\n`);
    runs.push(await runOfguard(logDir));
  }
  if (args.only !== 'ofguard') {
    process.stdout.write(`os-ken simple_switch_13 + simple_monitor_13 (no defence), same trials\n`);
    runs.push(await runOsken(logDir));
  }
  const summary = runs.map((r) => {
    const lat = r.trials.map((t) => t.latencyMs).filter((x): x is number => x !== undefined).sort((a, b) => a - b);
    const shares = r.trials.map((t) => t.dropShare).filter((x): x is number => x !== undefined).sort((a, b) => a - b);
    return {
      controller: r.controller,
      trials: r.trials.length,
      mitigated: lat.length,
      latencyMs: { median: percentile(lat, 50), p95: percentile(lat, 95), max: lat.at(-1) },
      dropShare: { trials: shares.length, min: shares[0], median: percentile(shares, 50) },
      legit: r.legit,
    };
  });
  mkdirSync(join(repoRoot(), 'reports'), { recursive: true });
  writeFileSync(join(repoRoot(), args.out!), JSON.stringify({ at: new Date().toISOString(), attackers: ATTACKERS, floodSeconds: FLOOD_S, summary, runs }, null, 2));
  for (const s of summary) {
    process.stdout.write(`\n${s.controller}\n`);
    if (s.mitigated || s.controller === 'ofguard') {
      process.stdout.write(`  attack start → mitigating flow in the switch: median ${s.latencyMs.median ?? '—'} ms, p95 ${s.latencyMs.p95 ?? '—'} ms, max ${s.latencyMs.max ?? '—'} ms (${s.mitigated}/${s.trials} mitigated)\n`);
      process.stdout.write(`  attacker packets dropped once blocked: min ${s.dropShare.min === undefined ? '—' : (100 * s.dropShare.min).toFixed(3)} %, median ${s.dropShare.median === undefined ? '—' : (100 * s.dropShare.median).toFixed(3)} % (${s.dropShare.trials} trials reached a drop flow)\n`);
      process.stdout.write(`  legitimate requests answered during floods after mitigation: ${pct(s.legit.duringAttackOk, s.legit.duringAttackTotal)}, ${took(s.legit)}; whole run: ${pct(s.legit.ok, s.legit.total)}\n`);
    } else {
      process.stdout.write(`  legitimate requests answered during floods: ${pct(s.legit.duringAttackOk, s.legit.duringAttackTotal)}, ${took(s.legit)}; whole run: ${pct(s.legit.ok, s.legit.total)}\n`);
    }
  }
  process.stdout.write(`\nfigures: ${args.out}\n`);
}

main().then(() => process.exit(0), (err: Error) => {
  process.stderr.write(`bench:e2e failed: ${err.message}\n`);
  process.exit(1);
});
