/**
 * Floods without a trustworthy source (issue 16) on real Open vSwitch in Mininet, with
 * legitimate HTTP clients throughout: random-source SYN, UDP and ICMP floods, four
 * spoofing hosts at once, a reflection flood from DNS and NTP ports, a flood forging a
 * client's address, a flood entering at the edge switch of a two-switch network, and one
 * entering through the port legitimate clients share. Every scenario asserts on both
 * sides, from the switch's own counters: the time from the attack's start to a mitigation
 * flow at its entry point, the share of attack packets stopped after it, the clients'
 * success after it, nothing mitigating a legitimate host, the accounting flow-mods the
 * flood caused, and no row in the store for a forged address.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import Database from 'better-sqlite3';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { Mininet } from '../support/mininet.js';
import { dumpFlowsWithStats } from '../support/ovs.js';
import { sleep, startGuard, waitFor } from '../support/controller.js';
import { packetsSent, startHttpServer, startTimedHttpClient, successesSince } from '../support/traffic.js';
import type { Guard } from '../../controller/guard.js';
import type { Decision } from '../../controller/policy/decision.js';

const suiteOf = suite('floods without a trustworthy source');
/** OFGUARD_ONLY=<part of a name> runs only the matching scenarios (for work on one of them). */
const floods = (name: string, fn: () => Promise<void> | void) => {
  if (!process.env.OFGUARD_ONLY || name.includes(process.env.OFGUARD_ONLY) || name.startsWith('the median')) suiteOf(name, fn);
};

/**
 * The issue's bar is 2 s from the attack's start to a mitigation flow (measured here 0.7–1.3 s
 * on a quiet machine): the median over every scenario is held to it, each one to 3 s, as a
 * busy machine stretches single polls.
 */
const MEDIAN_WITHIN_MS = 2_000;
const EACH_WITHIN_MS = 3_000;
const latencies: number[] = [];
const FLOOD_SECONDS = 12;
const SERVER = '10.0.0.1';
const PORT = 8080;

interface Net {
  net: Mininet;
  guard: Guard;
  dataDir: string;
  decisions: Decision[];
  /** OpenFlow port numbers by "switch-intf" name, e.g. ports.s1['s1-eth5'] = 5. */
  portOf(sw: string, host: string): number;
  dpidOf(sw: string): string;
}

async function withNetwork(topo: string, openflowSwitches: number, fn: (n: Net) => Promise<void>) {
  const { guard, port, dataDir } = await startGuard({ controller: { pollIntervalMs: 1000 } });
  const decisions: Decision[] = [];
  guard.on('decisions', (r) => decisions.push(...r.decisions));
  if (process.env.OFGUARD_TEST_TRACE) trace(guard);
  const net = new Mininet();
  try {
    const started = await net.start({ topo, port });
    await waitFor('switches up', () => guard.controller.poller.lastPoll.size === openflowSwitches || undefined, 30_000);
    await startHttpServer(net, 'srv1', PORT, 120);
    await sleep(500);
    const hosts = started.hosts.map((h) => h.name).filter((h) => h !== 'srv1');
    await Promise.all(hosts.map((h) => net.cmd(h, `ping -c 1 -W 2 ${SERVER} >/dev/null`, 5)));
    const linkOf = (sw: string, host: string) => started.links.find((l) => (l[0] === sw && l[2] === host) || (l[2] === sw && l[0] === host));
    await fn({
      net, guard, dataDir, decisions,
      portOf: (sw, host) => {
        const link = linkOf(sw, host);
        if (!link) throw new Error(`no link ${sw}–${host}`);
        const intf = link[0] === sw ? link[1] : link[3];
        return started.switches.find((s) => s.name === sw)!.ports[intf]!;
      },
      dpidOf: (sw) => started.switches.find((s) => s.name === sw)!.dpid,
    });
  } finally {
    await net.stop();
    await guard.stop();
  }
}

/** OFGUARD_TEST_TRACE=1: each poll round's floods and decisions on stderr, for work on a scenario. */
function trace(guard: Guard): void {
  const started = Date.now();
  const core = guard.core;
  const round = core.round.bind(core);
  core.round = (r) => {
    const out = round(r);
    const flows = r.snapshots.flatMap((s) => s.flows).filter((f) => f.kind === 'accounting');
    const fresh = flows.filter((f) => f.packets > f.totalPackets);
    console.error(`[trace ${((Date.now() - started) / 1000).toFixed(1)} s] accounting ${flows.length} (new ${fresh.length}, one-shot ${fresh.filter((f) => f.totalPackets === 0).length}); ` +
      `detections ${out.detections.map((d) => `${d.src}@${d.inPort}:${d.pattern}:${Math.round(d.packetRate)}`).slice(0, 5).join(' ')}; ` +
      `floods ${out.floods.map((f) => `${f.kind}→${f.dst}:${f.entries.map((e) => `${e.inPort}${e.ethSrc ? `/${e.ethSrc}` : ''}(${e.share.toFixed(2)}${e.sharedWithLegitimate ? ',shared' : ''}${e.portShared ? ',port-shared' : ''})`).join('+')}`).join(' ')}; ` +
      `decisions ${out.decisions.map((d) => `#${d.id} ${d.action} ${JSON.stringify(d.target)}`).join(' ')}; ended ${out.ended.map((d) => `#${d.id}`).join(' ')}`);
    return out;
  };
}

/** Guard-table flows that mitigate at `inPort` (drops and meters), for one protocol when named. */
function entryFlows(bridge: string, inPort: number, proto?: string): string[] {
  return dumpFlowsWithStats(bridge, 'table=0').filter((l) => l.includes(`in_port=${inPort},`) && /actions=(drop|meter:)/.test(l) && (!proto || l.includes(`,${proto},`)));
}

const nPackets = (lines: string[]) => lines.reduce((sum, l) => sum + Number(l.match(/n_packets=(\d+)/)?.[1] ?? 0), 0);

/** Packets each meter's band dropped, from Open vSwitch's own meter stats. */
function meterDrops(bridge: string): Map<number, number> {
  const out = new Map<number, number>();
  const text = execFileSync('ovs-ofctl', ['-O', 'OpenFlow13', 'meter-stats', bridge], { encoding: 'utf8', timeout: 20_000 });
  for (const block of text.split(/(?=meter:)/)) {
    const id = block.match(/^meter:(\d+)/)?.[1];
    if (!id) continue;
    const dropped = [...block.matchAll(/\d+: packet_count:(\d+)/g)].reduce((sum, m) => sum + Number(m[1]), 0);
    out.set(Number(id), dropped);
  }
  return out;
}

/** What came in at `inPort` and got past the guard table: the conversations the accounting table counted at that port. */
function passedAt(bridge: string, inPort: number): number {
  return nPackets(dumpFlowsWithStats(bridge, 'table=1').filter((l) => l.includes(`in_port=${inPort},`) && !/tcp_flags/.test(l)));
}

/** Packets that got past the guard table and met no accounting flow (forged newcomers among them), on every port: an upper bound of what else passed. */
function missed(bridge: string): number {
  return nPackets(dumpFlowsWithStats(bridge, 'table=1').filter((l) => /priority=10,ip /.test(l)));
}

/** Packets the switch received on a port, from its own port counters. */
function portRx(bridge: string, port: number): number {
  const text = execFileSync('ovs-ofctl', ['-O', 'OpenFlow13', 'dump-ports', bridge, String(port)], { encoding: 'utf8', timeout: 20_000 });
  return Number(text.match(/rx pkts=(\d+)/)?.[1] ?? 0);
}

/** What the mitigation at `inPort` stopped: its drop flows' counts and its meters' band drops. */
function stoppedAt(bridge: string, inPort: number, proto?: string): number {
  const flows = entryFlows(bridge, inPort, proto);
  const drops = meterDrops(bridge);
  const metered = flows.map((l) => Number(l.match(/actions=meter:(\d+)/)?.[1] ?? 0)).filter((id) => id > 0);
  return nPackets(flows.filter((l) => /actions=drop/.test(l))) + metered.reduce((sum, id) => sum + (drops.get(id) ?? 0), 0);
}

interface Attack {
  host: string;
  /** hping3 flags (with --flood, or a send interval); the target is added. */
  flags: string;
  /** Where the attack enters: switch name and the port's neighbour (the host, or the switch behind). */
  entry: { sw: string; via: string };
  /** The protocol as ovs-ofctl names it in a flood's match ('tcp', 'udp', 'icmp'); none for a per-source block. */
  proto?: string;
}

interface Outcome {
  latencyMs: number;
  stoppedShare: number;
  sent: number;
  clientsAfter: { ok: number; total: number };
  accountingInstallsPerSec: number;
}

/**
 * Clients on, a quiet warm-up, the attacks for FLOOD_SECONDS, then the checks every
 * scenario shares. Returns the figures for the scenario's own asserts and the log.
 */
async function floodScenario(n: Net, clients: string[], attacks: Attack[], name: string): Promise<Outcome> {
  const { net, guard } = n;
  const handles = await Promise.all(clients.map((h) => startTimedHttpClient(net, h, `http://${SERVER}:${PORT}/`, 150, 200, 36)));
  await sleep(6_000);
  const installsBefore = guard.controller.forwarding.counters.accountingInstalled;
  const startedAt = Date.now();
  const running = await Promise.all(attacks.map((a) => net.spawn(a.host, `timeout -s INT ${FLOOD_SECONDS} hping3 ${a.flags} ${SERVER} 2>&1 | tail -3`, FLOOD_SECONDS + 5)));
  const entries = attacks.map((a) => ({ bridge: a.entry.sw, inPort: n.portOf(a.entry.sw, a.entry.via), proto: a.proto }));
  const rxAtStart = entries.map((e) => portRx(e.bridge, e.inPort));
  // The first mitigation flow at any of the attack's entry points.
  const mitigatedAt = await waitFor(`mitigation flows at ${JSON.stringify(entries)}`, () => entries.some((e) => entryFlows(e.bridge, e.inPort, e.proto).length > 0) && Date.now(), 10_000, 50)
    .catch((err: Error) => {
      throw new Error(`${err.message}; decisions: ${n.decisions.map((d) => `${d.id} ${d.action} ${JSON.stringify(d.target)} ${d.reason}`).join(' | ')}; guard table: ${dumpFlowsWithStats(entries[0]!.bridge, 'table=0').join(' | ')}`);
    });
  const latencyMs = mitigatedAt - startedAt;
  latencies.push(latencyMs);
  // From one second after the mitigation: what the entry flows stopped against what passed.
  await sleep(1000);
  const before = entries.map((e) => ({ stopped: stoppedAt(e.bridge, e.inPort, e.proto), passed: passedAt(e.bridge, e.inPort) }));
  const bridges = [...new Set(entries.map((e) => e.bridge))];
  const missedBefore = bridges.map(missed);
  const outs = await Promise.all(running.map((r) => net.wait(r.handle, FLOOD_SECONDS + 10)));
  const installsPerSec = (guard.controller.forwarding.counters.accountingInstalled - installsBefore) / ((Date.now() - startedAt) / 1000);
  let stopped = 0;
  // Every miss of the accounting table counts as an attack packet that passed, once per bridge.
  let passed = bridges.reduce((sum, b, i) => sum + missed(b) - missedBefore[i]!, 0);
  const perEntry: string[] = [];
  entries.forEach((e, i) => {
    const st = stoppedAt(e.bridge, e.inPort, e.proto) - before[i]!.stopped;
    const pa = passedAt(e.bridge, e.inPort) - before[i]!.passed;
    const rx = portRx(e.bridge, e.inPort) - rxAtStart[i]!;
    stopped += st;
    passed += pa;
    perEntry.push(`${e.bridge}:${e.inPort} rx ${rx} stopped ${st} passed ${pa}`);
    if (pa > 1000) {
      const busiest = dumpFlowsWithStats(e.bridge, 'table=1').filter((l) => l.includes(`in_port=${e.inPort},`) || /priority=10,ip /.test(l))
        .sort((a, b) => nPackets([b]) - nPackets([a])).slice(0, 4);
      perEntry.push(`what passed at ${e.inPort}: ${busiest.join(' | ')}`);
    }
    // Every entry that carried a real share of the attack has its own mitigation.
    if (rx >= 10_000) assert.ok(entryFlows(e.bridge, e.inPort, e.proto).length > 0, `no mitigation at ${e.bridge}:${e.inPort}, which received ${rx} packets`);
  });
  const results = await Promise.all(handles.map((h) => net.wait(h.handle, 60)));
  const after = results.map((r) => successesSince(r.out, mitigatedAt));
  const clientsAfter = { ok: after.reduce((s, r) => s + r.ok, 0), total: after.reduce((s, r) => s + r.total, 0) };
  const sent = outs.reduce((s, o) => s + packetsSent(o.out), 0);
  const outcome = { latencyMs, stoppedShare: stopped / Math.max(1, stopped + passed), sent, clientsAfter, accountingInstallsPerSec: installsPerSec };
  console.log(`[${name}] mitigation after ${latencyMs} ms; ${(outcome.stoppedShare * 100).toFixed(2)} % of ${stopped + passed} attack packets stopped after it (${sent} sent); clients after: ${clientsAfter.ok}/${clientsAfter.total}; accounting installs ${installsPerSec.toFixed(0)}/s; accounting table ${dumpFlowsWithStats(entries[0]!.bridge, 'table=1').length} flows; ${perEntry.join('; ')}`);
  return outcome;
}

/** The bar every scenario meets. */
function assertDefended(o: Outcome, minClientShare = 0.99) {
  assert.ok(o.latencyMs <= EACH_WITHIN_MS, `mitigation after ${o.latencyMs} ms`);
  assert.ok(o.stoppedShare >= 0.99, `stopped ${(o.stoppedShare * 100).toFixed(2)} %`);
  assert.ok(o.clientsAfter.total >= 20, `clients made requests after the mitigation: ${o.clientsAfter.total}`);
  assert.ok(o.clientsAfter.ok / o.clientsAfter.total >= minClientShare, `clients after mitigation: ${o.clientsAfter.ok}/${o.clientsAfter.total}`);
  // The controller meter and the per-switch budget bound the accounting churn.
  assert.ok(o.accountingInstallsPerSec <= 600, `accounting installs ${o.accountingInstallsPerSec}/s`);
}

/** No decision mitigates a legitimate host's address; flood decisions name their entry point. */
function assertNobodySingledOut(decisions: Decision[], legit: string[]) {
  const hit = decisions.filter((d) => d.action !== 'monitor' && legit.includes(d.target.src));
  assert.equal(hit.map((d) => `${d.target.src} ${d.action} ${d.reason}`), [], 'legitimate hosts mitigated');
  for (const d of decisions.filter((x) => x.target.flood)) assert.ok(d.target.dpid && d.target.inPort !== undefined, JSON.stringify(d.target));
}

/** Every source the store knows is a host of the network or a flood's entry point: nothing forged. */
function assertNoForgedRows(dataDir: string, hosts: string[]) {
  const db = new Database(join(dataDir, 'ofguard.db'), { readonly: true, fileMustExist: true });
  try {
    const srcs = new Set<string>();
    for (const table of ['reputation', 'decisions', 'mitigations', 'hits']) {
      for (const row of db.prepare(`SELECT DISTINCT src FROM ${table}`).all() as Array<{ src: string }>) srcs.add(row.src);
    }
    // A flood's decision names any source (0.0.0.0/0) where it enters: no address at all.
    const foreign = [...srcs].filter((s) => !s.startsWith('flood:') && !s.startsWith('victim:') && s !== '0.0.0.0/0' && s !== '::/0' && !hosts.some((h) => s === h || s.startsWith(`${h}@`)));
    assert.equal(foreign, [], 'rows for addresses that are no host of the network');
  } finally {
    db.close();
  }
}

const hostIps = (n: Net) => n.net.network!.hosts.map((h) => h.ip);

floods('one host, random-source SYN, UDP and ICMP floods: each stopped at the attacker\'s port', async () => {
  await withNetwork('office,servers=1,clients=3,attackers=1', 1, async (n) => {
    const legit = ['10.0.0.2', '10.0.0.3', '10.0.0.4'];
    for (const [proto, flags] of [['tcp', `-S -p ${PORT} --rand-source --flood`], ['udp', '--udp -p 9000 --rand-source --flood'], ['icmp', '--icmp --rand-source --flood']] as const) {
      const o = await floodScenario(n, ['cli1', 'cli2', 'cli3'], [{ host: 'att1', flags, proto, entry: { sw: 's1', via: 'att1' } }], `random-source ${proto}`);
      assertDefended(o);
      // Let the entry decision's review and the clients settle before the next flood.
      await sleep(2_000);
    }
    assertNobodySingledOut(n.decisions, legit);
    const protos = new Set(n.decisions.filter((d) => d.target.flood === 'spoofed').map((d) => d.target.proto));
    assert.equal([...protos].sort(), [1, 17, 6].sort(), 'one entry decision per protocol');
    assertNoForgedRows(n.dataDir, hostIps(n));
  });
});

floods('four spoofing hosts on four ports at once: four entry points', async () => {
  await withNetwork('office,servers=1,clients=3,attackers=4', 1, async (n) => {
    const attacks = ['att1', 'att2', 'att3', 'att4'].map((host) => ({ host, flags: `-S -p ${PORT} --rand-source -i u500`, proto: 'tcp', entry: { sw: 's1', via: host } }));
    const o = await floodScenario(n, ['cli1', 'cli2', 'cli3'], attacks, 'four spoofers');
    assertDefended(o);
    assertNobodySingledOut(n.decisions, ['10.0.0.2', '10.0.0.3', '10.0.0.4']);
    const ports = new Set(n.decisions.filter((d) => d.target.flood).map((d) => d.target.inPort));
    assert.is(ports.size, 4, `entry points: ${[...ports].join(', ')}`);
    assertNoForgedRows(n.dataDir, hostIps(n));
  });
});

floods('reflection: UDP answers from ports 53 and 123 nobody asked for, dropped at the reflectors\' ports', async () => {
  await withNetwork('office,servers=1,clients=3,attackers=9', 1, async (n) => {
    const reflectors = Array.from({ length: 8 }, (_, i) => ({ host: `att${i + 1}`, flags: '--udp -s 53 -k -p 33000 -d 1000 -i u4000', proto: 'udp', entry: { sw: 's1', via: `att${i + 1}` } }));
    reflectors.push({ host: 'att9', flags: '--udp -s 123 -k -p 33001 -d 400 -i u4000', proto: 'udp', entry: { sw: 's1', via: 'att9' } });
    const o = await floodScenario(n, ['cli1', 'cli2', 'cli3'], reflectors, 'reflection');
    assertDefended(o);
    const srcPorts = new Set(n.decisions.filter((d) => d.target.flood === 'reflection').map((d) => d.target.srcPort));
    assert.equal([...srcPorts].sort(), [123, 53]);
  });
});

floods('a flood forging a client\'s address: stopped at the attacker\'s port, the real client keeps working', async () => {
  await withNetwork('office,servers=1,clients=3,attackers=1', 1, async (n) => {
    const o = await floodScenario(n, ['cli1', 'cli2', 'cli3'], [{ host: 'att1', flags: `-S -p ${PORT} -a 10.0.0.2 --flood`, entry: { sw: 's1', via: 'att1' } }], 'forged client address');
    assertDefended(o);
    const attPort = n.portOf('s1', 'att1');
    const atClient = dumpFlowsWithStats('s1', 'table=0').filter((l) => l.includes('nw_src=10.0.0.2') && !l.includes(`in_port=${attPort},`) && /actions=(drop|meter:)/.test(l));
    assert.equal(atClient, [], 'nothing blocks 10.0.0.2 where it really lives');
  });
});

floods('two switches: a random-source flood entering at an edge switch is stopped there, not at the core', async () => {
  await withNetwork('campus,servers=1,edges=2,clients=2,attackers=1', 3, async (n) => {
    // campus: srv1 on s1 (core); cli1, cli2, att1 on s2; cli3, cli4, att2 on s3.
    const o = await floodScenario(n, ['cli1', 'cli2', 'cli3', 'cli4'], [{ host: 'att1', flags: `-S -p ${PORT} --rand-source --flood`, proto: 'tcp', entry: { sw: 's2', via: 'att1' } }], 'two switches');
    assertDefended(o);
    const atCore = dumpFlowsWithStats('s1', 'table=0').filter((l) => /actions=(drop|meter:)/.test(l));
    assert.equal(atCore, [], 'no mitigation at the core switch');
    const edge = n.dpidOf('s2');
    assert.ok(n.decisions.filter((d) => d.target.flood).every((d) => d.target.dpid === edge), 'every flood decision at the edge switch');
  });
});

floods('a flood entering through the port clients share (a plain switch behind it): only the attacker\'s MAC is stopped', async () => {
  await withNetwork('uplink,servers=1,local=1,remote=2,attackers=1', 1, async (n) => {
    // uplink: srv1, cli1 on s1; cli2, cli3 and att1 behind a standalone switch on s1's uplink port.
    const o = await floodScenario(n, ['cli1', 'cli2', 'cli3'], [{ host: 'att1', flags: `-S -p ${PORT} --rand-source --flood`, proto: 'tcp', entry: { sw: 's1', via: 's2' } }], 'shared uplink');
    assertDefended(o, 0.95);
    const att = n.net.host('att1');
    const scoped = n.decisions.filter((d) => d.target.flood && d.action !== 'monitor');
    assert.ok(scoped.length > 0 && scoped.every((d) => d.target.ethSrc === att.mac), JSON.stringify(scoped.map((d) => d.target)));
    assertNobodySingledOut(n.decisions, ['10.0.0.2', '10.0.0.3', '10.0.0.4']);
  });
});

floods('the median time to a mitigation flow over every scenario is within 2 s', () => {
  latencies.sort((a, b) => a - b);
  if (!process.env.OFGUARD_ONLY) assert.ok(latencies.length >= 6, `scenarios measured: ${latencies.length}`);
  const median = latencies[Math.floor(latencies.length / 2)]!;
  console.log(`[latency] ${latencies.join(', ')} ms; median ${median} ms`);
  assert.ok(median <= MEDIAN_WITHIN_MS, `median ${median} ms`);
});

suiteOf.run();
