import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Enforcer, type EnforcerOptions } from '../../controller/mitigate/enforcer.js';
import { ManualClock } from '../../controller/clock.js';
import { silentLogger } from '../../controller/log.js';
import { ErrorType } from '../../controller/openflow/constants.js';
import { decisionIdOf, FlowPurpose, purposeOf, TABLE } from '../../flows/layout.js';
import { guardFlowMod, meterModFor, templateFor } from '../../controller/mitigate/templates.js';
import { FakeTable, FakeTableSwitch } from '../support/fake-table.js';
import { MitigateError } from '../../controller/mitigate/errors.js';
import { decision, MINUTE, T0 } from './helpers.js';

const attacker = { src: '203.0.113.7', dst: '10.0.0.1', proto: 6, dstPort: 80 };
const legit = { src: '192.0.2.50', dst: '10.0.0.1', proto: 6, dstPort: 80 };

function rig(opts: Partial<EnforcerOptions> = {}, tables: FakeTable[] = [new FakeTable()]) {
  const clock = new ManualClock(T0);
  const enforcer = new Enforcer({ clock, logger: silentLogger, ...opts });
  const switches = tables.map((t, i) => new FakeTableSwitch(`000000000000000${i + 1}`, t, () => clock.now()));
  return { clock, enforcer, switches, tables };
}

/** The decisions a table holds flows for, with their purpose. */
const held = (t: FakeTable) => t.flows.filter((f) => f.tableId === TABLE.guard).map((f) => `${purposeOf(f.cookie)}:${decisionIdOf(f.cookie)}`).sort();

test('apply: the attacker is dropped, a legitimate host passes, metrics count it', async () => {
  const { enforcer, switches: [sw], tables: [table] } = rig();
  await enforcer.switchUp(sw!);
  const report = await enforcer.apply({ decisions: [decision(1)], ended: [] });
  assert.is(report.switches.length, 1);
  assert.ok(table!.isDropped(attacker));
  assert.is(table!.lookup(legit).outcome, 'miss', 'not touched by the guard table');
  assert.is(enforcer.metrics().flowsInstalled, 1);
  assert.is(enforcer.metrics().applies, 1);
});

test('apply: step up to rate limit and unblock at the end; meters follow', async () => {
  const { enforcer, switches: [sw], tables: [table] } = rig();
  await enforcer.switchUp(sw!);
  const rl = decision(2, { action: 'rate-limit', rate: { unit: 'pktps', rate: 100 } });
  await enforcer.apply({ decisions: [rl], ended: [] });
  assert.equal(table!.lookup(attacker), { outcome: 'continue', table: TABLE.accounting, meterId: 1, cookie: table!.flows[0]!.cookie, priority: table!.flows[0]!.priority });
  sw!.clearWire();
  await enforcer.apply({ decisions: [], ended: [rl] });
  assert.equal(table!.flows, []);
  assert.is(table!.meters.size, 0);
  assert.equal(sw!.wire.map((e) => (e.kind === 'barrier' ? 'barrier' : e.message.type)), ['flow_mod', 'barrier', 'meter_mod', 'barrier']);
  const m = enforcer.metrics();
  assert.equal([m.flowsInstalled, m.flowsRemoved, m.metersInstalled, m.metersRemoved], [1, 1, 1, 1]);
});

test('apply twice with the same decisions sends nothing the second time', async () => {
  const { enforcer, switches: [sw] } = rig({ whitelist: ['192.0.2.0/24'] });
  await enforcer.switchUp(sw!);
  const ds = [decision(1), decision(2, { action: 'rate-limit', rate: { unit: 'pktps', rate: 10 }, target: { src: '2001:db8::7' } })];
  await enforcer.apply({ decisions: ds, ended: [] });
  sw!.clearWire();
  const again = await enforcer.apply({ decisions: ds, ended: [] });
  assert.is(sw!.wire.length, 0);
  assert.is(again.switches[0]!.sent, 0);
});

test('scope: the ingress switch only, a named switch only, or all switches', async () => {
  const ingress = new Map([['203.0.113.7', new Set(['0000000000000002'])]]);
  const { enforcer, switches, tables } = rig({ ingress }, [new FakeTable(), new FakeTable(), new FakeTable()]);
  for (const sw of switches) await enforcer.switchUp(sw);
  await enforcer.apply({ decisions: [decision(1), decision(2, { target: { src: '192.0.2.9', dpid: '0000000000000003', inPort: 2 } }), decision(3, { target: { src: '198.51.100.1' } })], ended: [] });
  assert.equal(tables.map(held), [[`${FlowPurpose.drop}:3`], [`${FlowPurpose.drop}:1`, `${FlowPurpose.drop}:3`], [`${FlowPurpose.drop}:2`, `${FlowPurpose.drop}:3`]]);
  assert.ok(tables[2]!.isDropped({ src: '192.0.2.9', dst: '10.0.0.1', inPort: 2 }));
  assert.not.ok(tables[2]!.isDropped({ src: '192.0.2.9', dst: '10.0.0.1', inPort: 1 }), 'a spoofed address is blocked only where it enters');

  const all = rig({ scope: 'all', ingress }, [new FakeTable(), new FakeTable()]);
  for (const sw of all.switches) await all.enforcer.switchUp(sw);
  await all.enforcer.apply({ decisions: [decision(1)], ended: [] });
  assert.equal(all.tables.map(held), [[`${FlowPurpose.drop}:1`], [`${FlowPurpose.drop}:1`]]);
});

test('scope sticks: a blocked source forgotten by the ingress index stays blocked where it was', async () => {
  const ingress = new Map([['203.0.113.7', new Set(['0000000000000002'])]]);
  const { enforcer, switches, tables } = rig({ ingress }, [new FakeTable(), new FakeTable()]);
  for (const sw of switches) await enforcer.switchUp(sw);
  const d = decision(1);
  await enforcer.apply({ decisions: [d], ended: [] });
  ingress.delete('203.0.113.7');
  await enforcer.apply({ decisions: [{ ...d, expiresAt: d.expiresAt + MINUTE, updatedAt: T0 }], ended: [] });
  assert.equal(tables.map(held), [[], [`${FlowPurpose.drop}:1`]]);
});

test('reconciliation after a controller restart: stale flows and meters go, missing ones come, nothing else changes', async () => {
  const table = new FakeTable();
  // What the switch kept from the previous controller: decision 8 (ended while we were
  // down) with its meter, decision 1 (still active) and decision 2's flow is missing.
  const old = decision(8, { action: 'rate-limit', rate: { unit: 'pktps', rate: 5 }, target: { src: '198.51.100.8' } });
  table.apply(meterModFor(templateFor(old).meter!, 1), T0 - MINUTE);
  table.apply(guardFlowMod(templateFor(old).flow, 1), T0 - MINUTE);
  table.apply(guardFlowMod(templateFor(decision(1)).flow), T0);
  const { enforcer, switches: [sw] } = rig({}, [table]);
  const active = [decision(1), decision(2, { action: 'rate-limit', rate: { unit: 'kbps', rate: 256 }, target: { src: '2001:db8::2' } })];
  await enforcer.apply({ decisions: active, ended: [] });
  assert.is(sw!.wire.length, 0, 'no switch yet');
  const report = await enforcer.switchUp(sw!);
  assert.equal(held(table), [`${FlowPurpose.rateLimit}:2`, `${FlowPurpose.drop}:1`]);
  assert.equal([...table.meters.keys()], [2], 'meter 1 was in use while its flow was deleted: the new one got 2');
  assert.not.ok(table.isDropped({ src: '198.51.100.8', dst: '10.0.0.1' }));
  assert.equal(report.rejected, []);
  sw!.clearWire();
  await enforcer.reconcileAll();
  assert.equal(sw!.messages(), [], 'a second reconciliation finds nothing to fix');
});

test('reconciliation after a switch restart: an empty switch gets everything back', async () => {
  const { enforcer, switches: [sw], tables: [table] } = rig({ whitelist: ['192.0.2.0/24'] });
  await enforcer.switchUp(sw!);
  await enforcer.apply({ decisions: [decision(1), decision(2, { action: 'monitor', target: { src: '198.51.100.2' } })], ended: [] });
  const before = held(table!);
  table!.flows = [];
  table!.meters.clear();
  await enforcer.switchUp(sw!);
  assert.equal(held(table!), before);
  assert.is(before.length, 3);
});

test('table full: per-source drops fall back to their /24, as one flow, and say so', async () => {
  const { enforcer, switches: [sw], tables: [table] } = rig({}, [new FakeTable({ maxFlows: 2 })]);
  await enforcer.switchUp(sw!);
  const ds = [1, 2, 3, 4].map((i) => decision(i, { target: { src: `203.0.113.${i}` } }));
  const report = await enforcer.apply({ decisions: ds, ended: [] });
  const fallbacks = report.switches[0]!.fallbacks;
  assert.equal(fallbacks.map((f) => [f.decisionId, f.kind]), [[3, 'aggregate'], [4, 'aggregate']]);
  for (let i = 1; i <= 4; i++) assert.ok(table!.isDropped({ src: `203.0.113.${i}`, dst: '10.0.0.1' }), `source ${i} dropped`);
  assert.is(table!.flows.length, 1, 'the sources of the /24 share one flow');
  assert.is(table!.flows[0]!.match.ipv4SrcMask, '255.255.255.0');
  assert.not.ok(table!.isDropped({ src: '203.0.114.1', dst: '10.0.0.1' }), 'the neighbouring network is untouched');
  assert.equal(enforcer.metrics().fallbacks, { aggregate: 2 });
  assert.is(enforcer.metrics().errors['OFPET_FLOW_MOD_FAILED/OFPFMFC_TABLE_FULL'], 2);
  sw!.clearWire();
  await enforcer.apply({ decisions: ds, ended: [] });
  assert.equal(sw!.messages(), [], 'settled');
});

test('no meters on the switch: a rate limit becomes a selective drop, a victim throttle is not installed', async () => {
  const { enforcer, switches: [sw], tables: [table] } = rig({ meterFallback: 'selective-drop' }, [new FakeTable({ maxMeters: 0 })]);
  await enforcer.switchUp(sw!);
  const rl = decision(1, { action: 'rate-limit', rate: { unit: 'pktps', rate: 10 }, target: { proto: 6 } });
  const victim = decision(2, { action: 'throttle-victim', rate: { unit: 'pktps', rate: 10 }, target: { src: '10.0.0.1', dst: '10.0.0.1' } });
  const report = await enforcer.apply({ decisions: [rl, victim], ended: [] });
  assert.equal(report.switches[0]!.fallbacks.map((f) => f.kind), ['no-meter', 'no-meter']);
  assert.ok(table!.isDropped(attacker));
  assert.not.ok(table!.isDropped({ ...attacker, proto: 17 }), 'only the offending protocol');
  assert.is(table!.lookup(legit).outcome, 'miss', 'traffic to the victim is not dropped');
  assert.equal(enforcer.metrics().fallbacks, { 'no-meter': 1, unplaced: 1 });
});

test('out of meters reported by the switch: the rate limit falls back to a drop, per config', async () => {
  const { enforcer, switches: [sw], tables: [table] } = rig({ meterFallback: 'drop' });
  sw!.refuse = (m) => (m.type === 'meter_mod' && m.command === 0 ? { errorType: ErrorType.METER_MOD_FAILED, code: 10 } : undefined);
  await enforcer.switchUp(sw!);
  await enforcer.apply({ decisions: [decision(1, { action: 'rate-limit', rate: { unit: 'pktps', rate: 10 } })], ended: [] });
  assert.ok(table!.isDropped(attacker));
  assert.equal(held(table!), [`${FlowPurpose.drop}:1`]);
});

test('a match the switch refuses is logged and counted once, not retried forever', async () => {
  const { enforcer, switches: [sw], tables: [table] } = rig();
  sw!.refuse = (m) => (m.type === 'flow_mod' && m.match.ipv6Src ? { errorType: ErrorType.BAD_MATCH, code: 9 } : undefined);
  await enforcer.switchUp(sw!);
  const report = await enforcer.apply({ decisions: [decision(1, { target: { src: '2001:db8::1' } }), decision(2)], ended: [] });
  assert.equal(report.switches[0]!.rejected.map((r) => r.kind), ['unsupported']);
  assert.equal(held(table!), [`${FlowPurpose.drop}:2`]);
  sw!.clearWire();
  await enforcer.apply({ decisions: [decision(1, { target: { src: '2001:db8::1' } })], ended: [] });
  assert.equal(sw!.messages(), []);
  assert.equal(enforcer.metrics().fallbacks, { rejected: 1 });
});

test('a switch that stops answering: reported, and read back before the next plan', async () => {
  const { enforcer, switches: [sw], tables: [table] } = rig();
  await enforcer.switchUp(sw!);
  sw!.stalled = true;
  const report = await enforcer.apply({ decisions: [decision(1)], ended: [] });
  assert.is(report.switches[0]!.error, 'barrier timed out');
  assert.is(enforcer.metrics().errors.connection, 1);
  sw!.stalled = false;
  await enforcer.apply({ decisions: [decision(2, { target: { src: '198.51.100.2' } })], ended: [] });
  assert.equal(held(table!), [`${FlowPurpose.drop}:1`, `${FlowPurpose.drop}:2`]);
});

test('invalid decisions are counted by code and skipped', async () => {
  const { enforcer, switches: [sw], tables: [table] } = rig();
  await enforcer.switchUp(sw!);
  await enforcer.apply({ decisions: [decision(1, { action: 'rate-limit' }), decision(2)], ended: [] });
  await enforcer.apply({ decisions: [], ended: [] });
  assert.equal(enforcer.metrics().invalid, { MITIGATE_BAD_DECISION: 1 });
  assert.equal(held(table!), [`${FlowPurpose.drop}:2`]);
});

test('the hard timeout unblocks on the switch if the controller is gone', async () => {
  const { clock, enforcer, switches: [sw], tables: [table] } = rig();
  await enforcer.switchUp(sw!);
  await enforcer.apply({ decisions: [decision(1, { expiresAt: T0 + 5 * MINUTE })], ended: [] });
  table!.expire(clock.advance(5 * MINUTE + 29_000));
  assert.ok(table!.isDropped(attacker));
  table!.expire(clock.advance(1000));
  assert.not.ok(table!.isDropped(attacker));
});

test('a flow that left the switch while its decision is active is put back; one whose decision ended is not', async () => {
  const { enforcer, switches: [sw], tables: [table] } = rig();
  await enforcer.switchUp(sw!);
  const d = decision(1);
  await enforcer.apply({ decisions: [d, decision(2, { target: { src: '198.51.100.2' } })], ended: [] });
  const cookie = table!.flows[0]!.cookie;
  table!.flows.shift();
  await enforcer.flowRemoved(sw!.dpid, cookie);
  assert.ok(table!.isDropped(attacker));
  await enforcer.apply({ decisions: [], ended: [d] });
  sw!.clearWire();
  assert.is(await enforcer.flowRemoved(sw!.dpid, cookie), undefined);
  assert.is(await enforcer.flowRemoved(sw!.dpid, 0x1234n), undefined, 'not ours');
  assert.equal(sw!.wire, []);
});

test('a whitelist entry no flow can match is refused at start', () => {
  assert.throws(() => new Enforcer({ clock: new ManualClock(), logger: silentLogger, whitelist: ['10.0.0.0/40'] }),
    (e: unknown) => e instanceof MitigateError && e.code === 'MITIGATE_BAD_TARGET');
});

test('refresh renews a flow whose capped hard timeout runs low before its decision ends', async () => {
  const { clock, enforcer, switches: [sw], tables: [table] } = rig();
  await enforcer.switchUp(sw!);
  await enforcer.apply({ decisions: [decision(1, { expiresAt: T0 + 24 * 60 * MINUTE })], ended: [] });
  assert.is(table!.flows[0]!.hardTimeout, 65535);
  clock.advance(10 * 60 * MINUTE);
  sw!.clearWire();
  await enforcer.refresh();
  assert.equal(sw!.messages(), [], 'plenty left');
  clock.set(T0 + 65535_000 - 30 * MINUTE);
  await enforcer.refresh();
  assert.is(table!.flows[0]!.installedAt, clock.now());
  assert.is(table!.flows[0]!.hardTimeout, Math.ceil((T0 + 24 * 60 * MINUTE + 30_000 - clock.now()) / 1000));
});

test('apply: a decision extended and then ended in the same engine call is gone (ended wins)', async () => {
  const { enforcer, switches: [sw], tables: [table] } = rig();
  await enforcer.switchUp(sw!);
  const meter = decision(3, { action: 'rate-limit', rate: { unit: 'pktps', rate: 100 } });
  await enforcer.apply({ decisions: [meter], ended: [] });
  const drop = decision(4);
  await enforcer.apply({ decisions: [{ ...meter, updatedAt: T0 + 1 }, drop], ended: [meter] });
  assert.equal(held(table!), [`${FlowPurpose.drop}:4`]);
});

test.run();
