/**
 * `ofguard demo`: the attack-replay demo. Starts Open vSwitch if needed, the `office`
 * topology in Mininet, ofguard itself, legitimate clients for the whole run and a scripted
 * sequence of attacks; shows progress; ends with a report (JSON, SVG chart, summary table).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pino } from 'pino';
import { Guard } from '../guard.js';
import { freePort } from '../free-port.js';
import { systemClock } from '../clock.js';
import { Mininet, repoRoot } from '../mininet/client.js';
import { countSuccesses, startHttpClient, startHttpServer } from '../mininet/traffic.js';
import { OFFICE, officeScenario, type Phase } from '../demo/scenario.js';
import { buildReport, renderSvg, SeriesRecorder, summaryTable, type DemoReport, type SourceSeries } from '../demo/report.js';
import type { Decision } from '../policy/decision.js';
import { DemoPrinter, type ProgressOutput } from '../demo/progress.js';
import { rerunAsRootUnlessRoot } from './elevate.js';

export interface DemoOptions {
  out: string;
  /** stretch or shrink every phase (1 = about 60 s of attacks) */
  scale: number;
  logLevel: string;
  /** where progress goes (stdout by default): redrawn in place on a terminal, one line per event elsewhere */
  output?: ProgressOutput;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `ofguard demo` as typed: as root it runs here, otherwise it runs itself again through sudo. */
export async function demoCommand(opts: DemoOptions): Promise<void> {
  const code = await rerunAsRootUnlessRoot({ why: 'ofguard demo builds a Mininet network on Open vSwitch', hint: 'bin/ofguard demo' });
  if (code !== undefined) process.exit(code);
  await runDemo(opts);
}

/** Runs the whole demo and returns its report (also written to `opts.out`). */
export async function runDemo(opts: DemoOptions): Promise<DemoReport> {
  const out = resolve(opts.out);
  mkdirSync(out, { recursive: true });
  const printer = new DemoPrinter(opts.output ?? process.stdout);
  const say = (line: string) => printer.line(line);
  say(`ofguard demo — report and logs in ${out}`);
  execFileSync('bash', [join(repoRoot(), 'scripts', 'ovs-start.sh')], { stdio: 'inherit' });

  const logger = pino({ level: opts.logLevel }, pino.destination({ dest: join(out, 'controller.log'), sync: false }));
  // Each run starts from a fresh store (no reputation carried over from the last run), and
  // that store is scratch: the report keeps what the run decided, so the folder goes at the end.
  const stateDir = join(out, `state-${Date.now()}`);
  const port = await freePort();
  const guard = new Guard({ controller: { port, host: '127.0.0.1', pollIntervalMs: 1000 }, dataDir: stateDir, clock: systemClock, logger });
  try {
    await guard.start();
  } catch (err) {
    rmSync(stateDir, { recursive: true, force: true });
    throw err;
  }
  const net = new Mininet();
  const phases = officeScenario(opts.scale);
  const total = phases.reduce((n, p) => n + p.seconds, 0);
  const decisions: Decision[] = [];
  let series: SeriesRecorder | undefined;
  guard.on('decisions', (r) => {
    decisions.push(...r.decisions);
    for (const d of r.decisions) say(`        decision #${d.id}: ${d.action} ${d.target.src}${d.target.srcPrefix === undefined ? '' : '/' + d.target.srcPrefix} (${d.threatLevel}, score ${d.score}) — ${d.reason}`);
  });
  guard.on('snapshot', (s) => series?.add(s));
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    try {
      await net.stop();
    } finally {
      await guard.stop();
      rmSync(stateDir, { recursive: true, force: true });
    }
  };
  const onSigint = () => void stop().then(() => process.exit(130));
  process.once('SIGINT', onSigint);
  try {
    say('starting the office network: srv1-2, cli1-3, att1-8 on one Open vSwitch (userspace datapath)');
    await net.start({ topo: 'office', port });
    const deadline = Date.now() + 30_000;
    while (guard.controller.poller.lastPoll.size < 1) {
      if (Date.now() > deadline) throw new Error('the switch did not connect to ofguard within 30 s');
      await sleep(200);
    }
    for (const srv of Object.keys(OFFICE.servers)) await startHttpServer(net, srv, 8080, total + 60);
    await sleep(500);
    const ips: Record<string, string> = { ...OFFICE.servers, ...OFFICE.clients, ...OFFICE.attackers };
    const roles = new Map<string, { role: SourceSeries['role']; host: string }>();
    for (const [h, ip] of Object.entries(OFFICE.servers)) roles.set(ip, { role: 'server', host: h });
    for (const [h, ip] of Object.entries(OFFICE.clients)) roles.set(ip, { role: 'client', host: h });
    for (const [h, ip] of Object.entries(OFFICE.attackers)) roles.set(ip, { role: 'attacker', host: h });
    const startMs = Date.now();
    series = new SeriesRecorder(startMs);
    const targets = ['srv1', 'srv2', 'srv1'];
    const clients = await Promise.all(Object.keys(OFFICE.clients).map((c, i) =>
      startHttpClient(net, c, `http://${ips[targets[i]!]}:8080/`, 100_000, 300, total)));
    const ran: { phase: Phase; startMs: number; endMs: number }[] = [];
    for (const phase of phases) {
      const started = Date.now();
      say(`[${Math.round((started - startMs) / 1000).toString().padStart(3)}s] ${phase.name} (${phase.seconds} s)`);
      const handles = await Promise.all(phase.steps.map((s) => net.spawn(s.host, s.cmd, phase.seconds + 10)));
      while (Date.now() - started < phase.seconds * 1000) {
        await sleep(1000);
        const active = guard.activeDecisions().filter((d) => d.action !== 'monitor');
        printer.status(`        ${Math.round((Date.now() - startMs) / 1000)}s/${total}s · active mitigations: ${active.map((d) => `${d.target.src}:${d.action}`).join(' ') || 'none'}`);
      }
      printer.endStatus();
      for (const h of handles) await net.wait(h.handle, 15);
      ran.push({ phase, startMs: started, endMs: Date.now() });
    }
    let ok = 0, requests = 0;
    for (const c of clients) {
      const r = countSuccesses((await net.wait(c.handle, 60)).out);
      ok += r.ok;
      requests += r.total;
    }
    const endMs = Date.now();
    const report = buildReport({ startMs, endMs, phases: ran, decisions, series, ips, roles, legit: { ok, total: requests } });
    writeFileSync(join(out, 'report.json'), JSON.stringify(report, null, 2));
    writeFileSync(join(out, 'report.svg'), renderSvg(report));
    const table = summaryTable(report);
    writeFileSync(join(out, 'summary.txt'), table + '\n');
    say('\n' + table);
    say(`\nreport: ${join(out, 'report.json')}\nchart:  ${join(out, 'report.svg')}\nlog:    ${join(out, 'controller.log')}`);
    return report;
  } finally {
    process.off('SIGINT', onSigint);
    await stop();
  }
}
