/**
 * The Guard's wiring, without a switch: snapshots are emitted on its controller as the
 * stats poller would, time is a ManualClock. Threat-intel sources (netset files, an
 * AbuseIPDB-compatible service on 127.0.0.1, a geo database), link load, store pruning
 * and evidence that survives a restart.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ManualClock } from '../controller/clock.js';
import type { Decision } from '../controller/policy/decision.js';
import { Guard, type GuardOptions } from '../controller/guard.js';
import { silentLogger } from '../controller/log.js';
import type { FlowDelta, PortDelta, TrafficSnapshot } from '../controller/stats/snapshot.js';
import { T0, flow } from './detect/helpers.js';
import { buildMmdb } from './detect/mmdb-writer.js';

const dirs: string[] = [];
const guards: Guard[] = [];
test.after(async () => {
  for (const g of guards) await g.stop().catch(() => {});
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'ofguard-guard-'));
  dirs.push(d);
  return d;
}

async function startGuard(over: Partial<GuardOptions> & { clock: ManualClock }): Promise<Guard> {
  const g = new Guard({ controller: { port: 0, host: '127.0.0.1' }, dataDir: tempDir(), logger: silentLogger, tickMs: 3_600_000, ...over });
  guards.push(g);
  await g.start();
  return g;
}

async function stopGuard(g: Guard): Promise<void> {
  guards.splice(guards.indexOf(g), 1);
  await g.stop();
}

/** One poll round of one switch at T0 + sec, as the poller emits it. */
function feed(g: Guard, clock: ManualClock, sec: number, flows: FlowDelta[], ports: PortDelta[] = []): void {
  clock.set(T0 + sec * 1000);
  const s: TrafficSnapshot = { dpid: '0000000000000001', now: clock.now(), intervalMs: sec === 0 ? 0 : 1000, pollMs: 1, flows, ports, meters: [] };
  g.controller.emit('snapshot', s);
  g.controller.emit('round', { now: s.now, snapshots: [s] });
}

function synFlood(src: string, pps: number): FlowDelta[] {
  return [
    flow({ src, dst: '10.0.0.1', dstPort: 80, packets: pps, bytes: pps * 60, inPort: 3 }),
    flow({ src, dst: '10.0.0.1', dstPort: 80, packets: pps, kind: 'syn', bytes: pps * 60 }),
  ];
}

/** A trickle of web traffic: below every volume gate. */
const trickle = (src: string): FlowDelta[] => [flow({ src, dst: '10.0.0.2', dstPort: 443, packets: 3 })];

const until = async (what: string, fn: () => boolean, ms = 3_000): Promise<void> => {
  const deadline = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

const signalNames = (d: Decision | undefined) => (d ? d.signals.map((s) => s.name) : []);

test('netset blocklist: a listed source is flagged; the file changes → reloaded; listed attackers score +30', async () => {
  const clock = new ManualClock(T0);
  const dir = tempDir();
  const list = join(dir, 'firehol_level1.netset');
  writeFileSync(list, '# FireHOL level 1\n192.0.2.0/24\n');
  const g = await startGuard({ clock, detect: { blocklists: [list], blocklistCheckMs: 100 } });
  const decisionFor = (src: string) => g.activeDecisions().find((d) => d.target.src === src);

  for (let sec = 0; sec <= 2; sec++) feed(g, clock, sec, [...trickle('192.0.2.9'), ...trickle('198.51.100.9')]);
  const flagged = decisionFor('192.0.2.9');
  assert.is(flagged?.action, 'monitor', 'listed: flagged, not dropped');
  assert.ok(signalNames(flagged).includes('netset.firehol_level1'));
  assert.is(decisionFor('198.51.100.9'), undefined, 'not listed, too quiet: nothing');

  // update-ipsets replaces the file: the new list is in force within a check interval.
  writeFileSync(list, '# FireHOL level 1\n198.51.100.0/24\n203.0.113.0/24\n');
  await until('reload', () => {
    feed(g, clock, 3, trickle('198.51.100.9'));
    return decisionFor('198.51.100.9') !== undefined;
  });
  assert.is(decisionFor('198.51.100.9')!.action, 'monitor');

  const seen: Decision[] = [];
  g.on('decisions', (r) => seen.push(...r.decisions));
  for (let sec = 4; sec <= 6; sec++) feed(g, clock, sec, synFlood('203.0.113.50', 3000));
  assert.ok(decisionFor('203.0.113.50'), 'a listed attacker is mitigated');
  // Standing signals are named on the hit that credits them (the first), carried after.
  const listing = seen.find((d) => d.target.src === '203.0.113.50')!.signals.find((s) => s.name === 'intel.netset');
  assert.is(listing?.points, 30);
  await stopGuard(g);
});

test('a missing netset file does not stop start-up; the list is used once it appears', async () => {
  const clock = new ManualClock(T0);
  const list = join(tempDir(), 'spamhaus_drop.txt');
  const g = await startGuard({ clock, detect: { blocklists: [list], blocklistCheckMs: 100 } });
  feed(g, clock, 0, trickle('192.0.2.77'));
  writeFileSync(list, '192.0.2.0/24 ; SBL000001\n');
  await until('first load', () => {
    feed(g, clock, 1, trickle('192.0.2.77'));
    return g.activeDecisions().some((d) => d.target.src === '192.0.2.77');
  });
  assert.ok(signalNames(g.activeDecisions()[0]).includes('netset.spamhaus_drop'));
  await stopGuard(g);
});

test('AbuseIPDB-compatible lookups (127.0.0.1) and a geo database reach the decisions', async () => {
  const asked: string[] = [];
  const server: Server = createServer((req, res) => {
    asked.push(`${req.url} ${req.headers['key']}`);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ data: { abuseConfidenceScore: 90, countryCode: 'ZZ' } }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const geoPath = join(tempDir(), 'country.mmdb');
    writeFileSync(geoPath, buildMmdb([['203.0.113.0/24', { country: { iso_code: 'XA' } }]]));
    const clock = new ManualClock(T0);
    const g = await startGuard({
      clock,
      detect: { intel: { baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, key: 'sekret' }, geo: { database: geoPath, riskyCountries: ['XA'] } },
    });
    const seen: Decision[] = [];
    g.on('decisions', (r) => seen.push(...r.decisions));
    feed(g, clock, 0, synFlood('203.0.113.60', 30));
    feed(g, clock, 1, synFlood('203.0.113.60', 30));
    await g.intel!.idle();
    assert.equal(asked, ['/api/v2/check?ipAddress=203.0.113.60&maxAgeInDays=90 sekret'], 'asked once, in the background');
    for (let sec = 2; sec <= 3; sec++) feed(g, clock, sec, synFlood('203.0.113.60', 30));
    const names = new Set(seen.flatMap(signalNames));
    assert.ok(names.has('intel.abuseipdb'), [...names].join());
    assert.ok(names.has('intel.geo'), 'XA is risky');
    const abuse = seen.flatMap((d) => d.signals).find((s) => s.name === 'intel.abuseipdb');
    assert.is(abuse!.points, 30);
    assert.is(g.policy.source('203.0.113.60')?.reputation?.country, 'XA', 'the country feeds the reputation');
    await stopGuard(g);
  } finally {
    server.close();
  }
});

test('a recorded trace keeps the detection config but not the intel API key', async () => {
  const clock = new ManualClock(T0);
  const trace = join(tempDir(), 'run.trace.jsonl');
  const g = await startGuard({ clock, recordPath: trace, detect: { maxSources: 1000, intel: { baseUrl: 'http://127.0.0.1:9', key: 'sekret' } } });
  await stopGuard(g);
  const header = JSON.parse(readFileSync(trace, 'utf8').split('\n')[0]!) as { config: { maxSources: number; intel: { key: string } } };
  assert.is(header.config.maxSources, 1000);
  assert.is(header.config.intel.key, '(redacted)');
});

test('a missing geo database stops start-up with DETECT_GEO_READ', () => {
  const clock = new ManualClock(T0);
  try {
    new Guard({ controller: { port: 0 }, dataDir: tempDir(), clock, logger: silentLogger, detect: { geo: { database: '/nonexistent/geo.mmdb' } } });
    assert.unreachable();
  } catch (e) {
    assert.is((e as { code?: string }).code, 'DETECT_GEO_READ');
  }
});

test('link load from port stats: a congested link lowers the thresholds (−15 %)', async () => {
  const clock = new ManualClock(T0);
  const g = await startGuard({ clock, policy: { thresholds: { defaultLinkMbps: 100 } } });
  const load = (mbps: number): PortDelta => ({
    dpid: '0000000000000001', portNo: 2, rxPackets: 0, txPackets: 0, rxBytes: 0, txBytes: 0, rxDropped: 0, txDropped: 0,
    rxPacketRate: 0, txPacketRate: 0, rxByteRate: (mbps * 1e6) / 8, txByteRate: 0, speedKbps: 0,
  });
  feed(g, clock, 1, [], [load(90)]);
  assert.equal(g.policy.networkAdjustment(clock.now()).applied.map((a) => a.condition), ['congestion']);
  feed(g, clock, 2, [], [load(10)]);
  assert.equal(g.policy.networkAdjustment(clock.now()).applied, []);
  await stopGuard(g);
});

test('pruning runs from the tick: ended decisions after 30 days, the audit after 90; active ones stay', async () => {
  const clock = new ManualClock(T0);
  const g = await startGuard({ clock, tickMs: 10 });
  await g.enforce(g.policy.block({ src: '198.51.100.70', actor: 'test', reason: 'ended later', durationMs: 60_000 }));
  await g.enforce(g.policy.unblock({ src: '198.51.100.70' }, 'test', 'done'));
  clock.advance(31 * 86_400_000);
  await g.enforce(g.policy.block({ src: '198.51.100.71', actor: 'test', reason: 'still active', durationMs: 86_400_000 }));
  assert.is(g.store.decisionsFor('198.51.100.70').length, 1);
  clock.advance(3_600_000);
  await until('decisions pruned', () => g.store.decisionsFor('198.51.100.70').length === 0);
  assert.is(g.store.decisionsFor('198.51.100.71').length, 1, 'active: kept');
  assert.ok(g.store.audit().some((a) => a.target === '198.51.100.70'), 'audit kept for 90 days');
  clock.advance(60 * 86_400_000);
  await until('audit pruned', () => !g.store.audit().some((a) => a.target === '198.51.100.70'));
  await stopGuard(g);
});

test('the evidence behind each decision (signals with their points) survives a restart', async () => {
  const clock = new ManualClock(T0);
  const dataDir = tempDir();
  const first = await startGuard({ clock, dataDir });
  for (let sec = 0; sec <= 3; sec++) feed(first, clock, sec, synFlood('198.51.100.80', 3000));
  const before = first.activeDecisions().find((d) => d.target.src === '198.51.100.80');
  assert.ok(before);
  assert.ok(before!.signals.some((s) => s.name === 'base.connections' && s.points === 40), JSON.stringify(before!.signals));
  await stopGuard(first);

  const second = await startGuard({ clock, dataDir });
  const after = second.activeDecisions().find((d) => d.id === before!.id);
  assert.equal(after?.signals, before!.signals);
  assert.is(after?.reason, before!.reason);
  const history = second.store.decisionsFor('198.51.100.80');
  assert.ok(history.every((d) => d.signals.length > 0), 'ended decisions keep theirs too');
  await stopGuard(second);
});

test.run();
