/**
 * One bad decision never stops enforcement (issue 11 part 3), on a real Open vSwitch bridge
 * (userspace datapath, no Mininet). The data folder holds, as an older version could have
 * left it, a drop scoped to the bridge on in_port 70000: the policy keeps it (a flow can
 * say it) but Open vSwitch refuses it (its port numbers are 16-bit), answering an OpenFlow
 * error for that one flow-mod. Beside it, two valid blocks made through the API must be in
 * the bridge; the bad one must be reported failed in the decisions API, the status, the
 * metrics, and logged once; a change to it is tried again (and counted as an apply
 * failure), not every sync. Then a decision the codec cannot encode (an IPv6 zone id)
 * straight from the engine: the switch keeps being served and a third block goes in.
 * No traffic is sent; the bridge is the only thing created, and the only thing deleted.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { sleep, startGuard, waitFor } from '../support/controller.js';
import { deleteBridges, dumpFlows, ovsRunning, vsctl } from '../support/ovs.js';
import { openStore } from '../../controller/store/store.js';
import { parseConfig } from '../../controller/config/load.js';
import { startApi, type RunningApi } from '../../controller/api/index.js';
import type { Guard } from '../../controller/guard.js';
import type { Decision } from '../../controller/policy/decision.js';
import type { SwitchConnection } from '../../controller/switch/connection.js';
import { TABLE } from '../../flows/layout.js';

const BRIDGE = 'ofgiso1';
const DPID = '00000000000000e3';
/** Open vSwitch keeps OpenFlow port numbers in 16 bits: 70 000 is refused with an OpenFlow error. */
const BAD_PORT = 70_000;
const BAD_SRC = '198.51.100.66';
const GOOD = ['203.0.113.10', '203.0.113.11'];
const LATE = '203.0.113.12';

type Line = { msg: string; decisionId?: number; code?: string; [k: string]: unknown };
const lines: Line[] = [];
let guard: Guard;
let api: RunningApi;
let dataDir: string;

const iso = suite('enforcement isolated per decision on a real switch');

/** What an older version could have left in the data folder: an active decision the policy still reads. */
function oldDataFolder(dir: string, now: number): Decision {
  const bad: Decision = {
    id: 1, target: { src: BAD_SRC, dpid: DPID, inPort: BAD_PORT }, action: 'drop', threatLevel: 'high', score: 80, trust: 0.3,
    signals: [], reason: 'left by an older version', origin: 'admin', offence: 1, createdAt: now, expiresAt: now + 30 * 60_000,
  };
  const store = openStore(join(dir, 'ofguard.db'));
  store.commit({ sources: [], decisions: [bad], hits: [], mitigations: [], audit: [], versions: [] });
  store.close();
  return bad;
}

async function call(method: string, path: string, body?: unknown): Promise<{ status: number; json: any; text: string }> {
  const res = await fetch(api.url + path, {
    method,
    headers: { authorization: `Bearer ${api.token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, json: text.startsWith('{') ? JSON.parse(text) : undefined, text };
}

const metric = (text: string, name: string) => text.split('\n').find((l) => l.startsWith(name + ' ') || l.startsWith(name + '{'));
const guardFlows = () => dumpFlows(BRIDGE, `table=${TABLE.guard}`).filter((l) => /nw_src=/.test(l));
const failedLogs = () => lines.filter((l) => l.msg === 'decision not installed on this switch: tried again later (every other decision is installed)');

iso.before(async () => {
  if (!ovsRunning()) throw new Error('Open vSwitch is not running (ovs-vsctl show failed): run scripts/setup.sh first');
  deleteBridges([BRIDGE]);
  dataDir = mkdtempSync(join(tmpdir(), 'ofguard-isolation-'));
  oldDataFolder(dataDir, Date.now());
  const logger = pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s) as Line) });
  let port: number;
  ({ guard, port } = await startGuard({ dataDir, logger, tickMs: 60_000 }));
  api = await startApi(guard, parseConfig({ dataDir, api: { port: 0 } }));
  const up = once(guard.controller, 'switch_up') as Promise<[SwitchConnection]>;
  vsctl('add-br', BRIDGE, '--', 'set', 'bridge', BRIDGE, 'datapath_type=netdev', 'protocols=OpenFlow13', 'fail_mode=secure',
    `other-config:datapath-id=${DPID}`, '--', 'set-controller', BRIDGE, `tcp:127.0.0.1:${port}`);
  const [conn] = await Promise.race([up, sleep(20_000).then(() => { throw new Error(`${BRIDGE} did not connect within 20 s`); })]);
  assert.is(conn.dpid, DPID);
});

iso.after(async () => {
  await api?.close();
  await guard?.stop();
  deleteBridges([BRIDGE]);
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

iso('the two valid blocks are in the bridge; the refused one is failed in the API, the status and /metrics, logged once', async () => {
  assert.ok(guard.policy.activeDecisions().some((d) => d.id === 1), 'the policy kept the stored decision');
  for (const src of GOOD) {
    const r = await call('POST', '/api/decisions', { src, reason: 'isolation test', durationS: 600 });
    assert.is(r.status, 201, r.text);
  }
  const flows = await waitFor('both valid drops in the bridge', () => {
    const f = guardFlows();
    return GOOD.every((src) => f.some((l) => l.includes(`nw_src=${src}`) && l.includes('actions=drop'))) && f;
  });
  assert.not.ok(flows.some((l) => l.includes(BAD_SRC)), 'the refused flow is not there');

  const failed = await waitFor('the stored decision reported failed', () => guard.enforcer.enforcementOf(1));
  assert.is(failed.code, 'MITIGATE_SWITCH_REJECTED');
  assert.equal(failed.dpids, [DPID]);
  assert.is(failed.reason, 'the switch refused its flow_mod: OFPET_BAD_MATCH/OFPBMC_BAD_VALUE');

  const list = await call('GET', '/api/decisions');
  assert.is(list.status, 200);
  const bad = list.json.decisions.find((d: any) => d.id === 1);
  assert.equal({ ...bad.enforcement, reason: undefined, since: undefined, retryAt: undefined },
    { state: 'failed', code: 'MITIGATE_SWITCH_REJECTED', dpids: [DPID], reason: undefined, since: undefined, retryAt: undefined });
  for (const src of GOOD) assert.is(list.json.decisions.find((d: any) => d.source === src).enforcement, undefined, `${src} enforced`);
  const status = await call('GET', '/api/status');
  assert.is(status.json.decisions.failed, 1);
  assert.equal(status.json.decisions.failures.map((f: any) => f.id), [1]);

  const text = (await call('GET', '/metrics')).text;
  assert.is(metric(text, 'ofguard_enforcer_decision_failures_total'), 'ofguard_enforcer_decision_failures_total{code="MITIGATE_SWITCH_REJECTED"} 1');
  assert.is(metric(text, 'ofguard_enforcer_failed_decisions{code="MITIGATE_SWITCH_REJECTED"}'), 'ofguard_enforcer_failed_decisions{code="MITIGATE_SWITCH_REJECTED"} 1');
  assert.is(metric(text, 'ofguard_enforcer_apply_failures_total'), 'ofguard_enforcer_apply_failures_total 0', 'restored at start, not an engine result');
  assert.is(failedLogs().length, 1, 'logged once');
});

iso('a change to the failed decision is tried again at once, refused again: an apply failure, no second log, the others untouched', async () => {
  const before = guard.enforcer.metrics().errors;
  const r = await call('POST', '/api/decisions/1/extend', { seconds: 600 });
  assert.is(r.status, 200, r.text);
  const after = guard.enforcer.metrics().errors;
  const refusals = (e: Record<string, number>) => Object.entries(e).filter(([k]) => k.startsWith('OFPET_')).reduce((n, [, v]) => n + v, 0);
  assert.is(refusals(after) - refusals(before), 1, 'sent once more and refused once more');
  assert.is(guard.counters.applyFailures, 1);
  assert.is(failedLogs().length, 1, 'same reason: not logged again');
  // Syncs that do not change it leave it alone: a refresh sends the switch nothing.
  const sent = (await guard.enforcer.refresh()).reduce((n, s) => n + s.sent, 0);
  assert.is(sent, 0);
  assert.is(refusals(guard.enforcer.metrics().errors), refusals(after));
  assert.ok(GOOD.every((src) => guardFlows().some((l) => l.includes(`nw_src=${src}`))));
  const text = (await call('GET', '/metrics')).text;
  assert.is(metric(text, 'ofguard_enforcer_apply_failures_total'), 'ofguard_enforcer_apply_failures_total 1');
});

iso('a decision the codec cannot encode, straight from the engine: failed on its own, the switch still served, a later block goes in', async () => {
  const zoned: Decision = { ...guard.policy.activeDecisions().find((d) => d.id !== 1)!, id: 9001, target: { src: 'fe80::1%eth0' } };
  await guard.enforce({ decisions: [zoned], ended: [] });
  assert.is(guard.enforcer.enforcementOf(9001)?.code, 'MITIGATE_NOT_ENCODABLE');
  assert.is(guard.counters.applyFailures, 2);
  const r = await call('POST', '/api/decisions', { src: LATE, reason: 'after the bad ones', durationS: 600 });
  assert.is(r.status, 201, r.text);
  assert.is(r.json.decisions[0].enforcement, undefined);
  await waitFor('the later block in the bridge', () => guardFlows().some((l) => l.includes(`nw_src=${LATE}`)));
  assert.is(guardFlows().length, 3, 'the three valid drops, nothing else of ours');
  const status = await call('GET', '/api/status');
  assert.equal(status.json.decisions.failures.map((f: any) => [f.id, f.code]), [[9001, 'MITIGATE_NOT_ENCODABLE'], [1, 'MITIGATE_SWITCH_REJECTED']]);
  const text = (await call('GET', '/metrics')).text;
  assert.is(metric(text, 'ofguard_enforcer_decision_failures_total{code="MITIGATE_NOT_ENCODABLE"}'), 'ofguard_enforcer_decision_failures_total{code="MITIGATE_NOT_ENCODABLE"} 1');
  assert.is(metric(text, 'ofguard_enforcer_apply_failures_total'), 'ofguard_enforcer_apply_failures_total 2');
});

iso.run();
