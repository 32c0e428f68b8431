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
import type { Decision } from '../../controller/policy/decision.js';
import { ManualTimers } from '../support/manual-timers.js';
import { decision, MINUTE, recordingLogger, settle, T0 } from './helpers.js';

const attacker = { src: '203.0.113.7', dst: '10.0.0.1', proto: 6, dstPort: 80 };
const legit = { src: '192.0.2.50', dst: '10.0.0.1', proto: 6, dstPort: 80 };

function rig(opts: Partial<EnforcerOptions> = {}, tables: FakeTable[] = [new FakeTable()]) {
  const clock = (opts.clock as ManualClock | undefined) ?? new ManualClock(T0);
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
  assert.equal([enforcer.enforcementOf(1), enforcer.enforcementOf(2)?.code], [undefined, 'MITIGATE_SWITCH_REJECTED']);
  assert.match(enforcer.enforcementOf(2)!.reason, 'no meter left on the switch, and a throttle-victim has no fallback');
});

test('out of meters reported by the switch: the rate limit falls back to a drop, per config', async () => {
  const { enforcer, switches: [sw], tables: [table] } = rig({ meterFallback: 'drop' });
  sw!.refuse = (m) => (m.type === 'meter_mod' && m.command === 0 ? { errorType: ErrorType.METER_MOD_FAILED, code: 10 } : undefined);
  await enforcer.switchUp(sw!);
  await enforcer.apply({ decisions: [decision(1, { action: 'rate-limit', rate: { unit: 'pktps', rate: 10 } })], ended: [] });
  assert.ok(table!.isDropped(attacker));
  assert.equal(held(table!), [`${FlowPurpose.drop}:1`]);
});

test('a match the switch refuses (an OpenFlow error traced by xid): that decision is failed there, the others installed; retried on a backoff, not on every sync', async () => {
  const timers = new ManualTimers(new ManualClock(T0));
  const log = recordingLogger();
  const { enforcer, switches: [sw], tables: [table] } = rig({ clock: timers.clock, timers, logger: log.logger });
  sw!.refuse = (m) => (m.type === 'flow_mod' && m.match.ipv6Src ? { errorType: ErrorType.BAD_MATCH, code: 9 } : undefined);
  await enforcer.switchUp(sw!);
  const v6 = decision(1, { target: { src: '2001:db8::1' } });
  const report = await enforcer.apply({ decisions: [v6, decision(2), decision(3, { target: { src: '198.51.100.3' } })], ended: [] });
  assert.equal(report.switches[0]!.rejected.map((r) => r.kind), ['unsupported']);
  assert.equal(held(table!), [`${FlowPurpose.drop}:2`, `${FlowPurpose.drop}:3`]);
  assert.equal(report.failed.map((f) => [f.decisionId, f.code]), [[1, 'MITIGATE_SWITCH_REJECTED']]);
  const failure = enforcer.enforcementOf(1)!;
  assert.equal({ ...failure, reason: undefined }, {
    state: 'failed', decisionId: 1, code: 'MITIGATE_SWITCH_REJECTED', reason: undefined, since: T0, everywhere: false, dpids: [sw!.dpid], retryAt: T0 + 30_000,
  });
  assert.match(failure.reason, 'OFPET_BAD_MATCH/OFPBMC_BAD_PREREQ');
  assert.is(enforcer.enforcementOf(2), undefined);
  assert.equal(enforcer.metrics().decisionFailures, { MITIGATE_SWITCH_REJECTED: 1 });

  // The engine sends it again, unchanged: not retried, not logged again.
  sw!.clearWire();
  await enforcer.apply({ decisions: [v6], ended: [] });
  assert.equal(sw!.messages(), []);
  // The backoff falls due: the timer syncs the switch, the switch still refuses, the wait doubles.
  timers.advance(30_000);
  await settle();
  assert.equal(sw!.messages().map((m) => m.type === 'flow_mod' && decisionIdOf(m.cookie)), [1]);
  assert.is(enforcer.enforcementOf(1)!.retryAt, T0 + 30_000 + 60_000);
  assert.is(log.count('decision not installed on this switch: tried again later (every other decision is installed)'), 1, 'logged once, not once per sync');
  assert.equal(enforcer.metrics().decisionFailures, { MITIGATE_SWITCH_REJECTED: 1 });
  // The switch takes it now: installed at the next retry, no longer failed.
  sw!.refuse = undefined;
  timers.advance(60_000);
  await settle();
  assert.equal(held(table!), [`${FlowPurpose.drop}:1`, `${FlowPurpose.drop}:2`, `${FlowPurpose.drop}:3`]);
  assert.is(enforcer.enforcementOf(1), undefined);
  assert.equal(enforcer.failedDecisions(), []);
  assert.is(log.count('decision no longer failed'), 1);
  assert.is(timers.pending, 0, 'nothing left to retry');
});

test('a switch refusal fails the decision on that switch only; a changed decision or a reconnected switch is tried at once', async () => {
  const timers = new ManualTimers(new ManualClock(T0));
  const { enforcer, switches: [a, b], tables: [ta, tb] } = rig({ clock: timers.clock, timers, scope: 'all' }, [new FakeTable(), new FakeTable()]);
  a!.refuse = (m) => (m.type === 'flow_mod' && m.command === 0 ? { errorType: ErrorType.FLOW_MOD_FAILED, code: 5 } : undefined);
  for (const sw of [a!, b!]) await enforcer.switchUp(sw);
  const d = decision(1);
  await enforcer.apply({ decisions: [d], ended: [] });
  assert.equal([held(ta!), held(tb!)], [[], [`${FlowPurpose.drop}:1`]]);
  assert.equal(enforcer.enforcementOf(1)!.dpids, [a!.dpid]);
  a!.refuse = undefined;
  a!.clearWire();
  await enforcer.apply({ decisions: [{ ...d, expiresAt: d.expiresAt + MINUTE, updatedAt: T0 }], ended: [] });
  assert.equal(held(ta!), [`${FlowPurpose.drop}:1`], 'the new version is tried before the backoff is over');
  assert.is(enforcer.enforcementOf(1), undefined);

  a!.refuse = (m) => (m.type === 'flow_mod' && m.command === 0 ? { errorType: ErrorType.FLOW_MOD_FAILED, code: 5 } : undefined);
  ta!.flows = [];
  await enforcer.switchUp(a!);
  assert.equal(enforcer.enforcementOf(1)!.dpids, [a!.dpid]);
  a!.refuse = undefined;
  await enforcer.switchUp(a!);
  assert.equal(held(ta!), [`${FlowPurpose.drop}:1`], 'a reconnected switch is tried again at once');
  assert.is(enforcer.enforcementOf(1), undefined);
  enforcer.switchDown(a!.dpid);
  enforcer.switchDown(b!.dpid);
  assert.is(timers.pending, 0, 'a switch gone takes its retry timer with it');
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

test('a decision that cannot become flows (a zone id the codec refuses) beside good ones: the good ones are installed, the bad one failed, counted and logged once', async () => {
  const log = recordingLogger();
  const { enforcer, switches: [sw], tables: [table] } = rig({ logger: log.logger });
  await enforcer.switchUp(sw!);
  const zoned = decision(1, { target: { src: 'fe80::1%eth0' } });
  const good = [decision(2, { target: { src: '198.51.100.2' } }), decision(3, { action: 'rate-limit', rate: { unit: 'pktps', rate: 10 }, target: { src: '2001:db8::3' } })];
  const report = await enforcer.apply({ decisions: [zoned, ...good], ended: [] });
  assert.equal(held(table!), [`${FlowPurpose.rateLimit}:3`, `${FlowPurpose.drop}:2`]);
  assert.is(report.switches[0]!.error, undefined, 'the sync itself went through');
  assert.equal(report.failed.map((f) => [f.decisionId, f.code, f.everywhere, f.dpids]), [[1, 'MITIGATE_NOT_ENCODABLE', true, [sw!.dpid]]]);
  assert.match(enforcer.enforcementOf(1)!.reason, 'not a valid IPv6 address');
  assert.equal(enforcer.metrics().decisionFailures, { MITIGATE_NOT_ENCODABLE: 1 });
  assert.is(enforcer.metrics().flowsInstalled, 2);

  // Every later sync: the others keep converging, the bad one is neither sent nor logged again.
  sw!.clearWire();
  await enforcer.apply({ decisions: [zoned, decision(4, { target: { src: '198.51.100.4' } })], ended: [] });
  await enforcer.reconcileAll();
  assert.ok(table!.isDropped({ src: '198.51.100.4', dst: '10.0.0.1' }));
  assert.not.ok(sw!.messages().some((m) => m.type === 'flow_mod' && decisionIdOf(m.cookie) === 1));
  assert.is(log.count('decision cannot become flows: not enforced (every other decision is)'), 1);
  assert.equal(enforcer.metrics().decisionFailures, { MITIGATE_NOT_ENCODABLE: 1 });

  // A corrected version of the decision is installed; one that ends takes its failure with it.
  await enforcer.apply({ decisions: [decision(1, { target: { src: 'fe80::1' }, updatedAt: T0 + 1 })], ended: [] });
  assert.ok(table!.isDropped({ src: 'fe80::1', dst: '10.0.0.1' }));
  assert.is(enforcer.enforcementOf(1), undefined);
  await enforcer.apply({ decisions: [decision(5, { action: 'rate-limit' })], ended: [] });
  assert.is(enforcer.enforcementOf(5)!.code, 'MITIGATE_BAD_DECISION');
  await enforcer.apply({ decisions: [], ended: [decision(5, { action: 'rate-limit' })] });
  assert.equal(enforcer.failedDecisions(), []);
});

test('a decision this version cannot read (an action from an old data folder) is failed on its own', async () => {
  const { enforcer, switches: [sw], tables: [table] } = rig();
  await enforcer.switchUp(sw!);
  const unknown = { ...decision(1), action: 'quarantine' } as unknown as Decision;
  const report = await enforcer.apply({ decisions: [unknown, decision(2)], ended: [] });
  assert.equal(held(table!), [`${FlowPurpose.drop}:2`]);
  assert.equal(report.failed.map((f) => f.code), ['MITIGATE_BAD_DECISION']);
  assert.match(enforcer.enforcementOf(1)!.reason, 'decision 1 cannot be read');
});

test('failed without a switch: a decision that cannot become flows is known failed before any switch connects', async () => {
  const { enforcer, switches: [sw], tables: [table] } = rig();
  await enforcer.apply({ decisions: [decision(1, { target: { src: '203.0.113.0', srcPrefix: 40 } }), decision(2)], ended: [] });
  assert.equal(enforcer.enforcementOf(1)!.code, 'MITIGATE_BAD_TARGET');
  assert.equal(enforcer.enforcementOf(1)!.dpids, [], 'no switch yet');
  await enforcer.switchUp(sw!);
  assert.equal(held(table!), [`${FlowPurpose.drop}:2`]);
  assert.equal(enforcer.enforcementOf(1)!.dpids, [sw!.dpid], 'every switch it was meant for');
});

test('table full with nothing coarser left: that decision is failed there, the ones already in stay', async () => {
  const { enforcer, switches: [sw], tables: [table] } = rig({}, [new FakeTable({ maxFlows: 1 })]);
  await enforcer.switchUp(sw!);
  const report = await enforcer.apply({ decisions: [decision(1, { target: { src: '203.0.113.0', srcPrefix: 24 } }), decision(2, { target: { src: '198.51.100.0', srcPrefix: 24 } })], ended: [] });
  assert.equal(held(table!), [`${FlowPurpose.drop}:1`]);
  assert.equal(report.failed.map((f) => [f.decisionId, f.code]), [[2, 'MITIGATE_SWITCH_REJECTED']]);
  assert.match(enforcer.enforcementOf(2)!.reason, 'OFPFMFC_TABLE_FULL, and no coarser flow is left');
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
