import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { plan, RENEW_MARGIN_MS } from '../../controller/mitigate/plan.js';
import { EMPTY_HELD, heldFromSwitch, type HeldState } from '../../controller/mitigate/held.js';
import type { Decision } from '../../controller/policy/decision.js';
import type { FlowModMessage, MeterModMessage, OfpMessage } from '../../controller/openflow/index.js';
import { FlowModCommand, Group, MeterModCommand, Port } from '../../controller/openflow/constants.js';
import { cookieFor, FlowPurpose, ownerCookie, PRIORITY, TABLE } from '../../flows/layout.js';
import { addFlow } from '../../controller/forwarding/pipeline.js';
import { FakeTable } from '../support/fake-table.js';
import { decision, MINUTE, T0 } from './helpers.js';

const HOUR = 60 * MINUTE;
const attacker = { src: '203.0.113.7', dst: '10.0.0.1', proto: 6, dstPort: 80 };
const legit = { src: '192.0.2.50', dst: '10.0.0.1', proto: 6, dstPort: 80 };

/** Applies messages to the fake switch and reads its guard table back, as reconciliation does. */
function sendAndRead(table: FakeTable, msgs: readonly OfpMessage[], now: number): HeldState {
  for (const m of msgs) assert.is(table.apply(m, now), undefined, `switch accepted ${m.type}`);
  return readBack(table, now);
}

function readBack(table: FakeTable, now: number): HeldState {
  const stats = table.flowStats({ tableId: TABLE.guard, outPort: Port.ANY, outGroup: Group.ANY, ...ownerCookie, match: {} }, now);
  return heldFromSwitch(stats, table.meterConfigs(), now);
}

const kinds = (msgs: readonly OfpMessage[]) => msgs.map((m) => (m.type === 'flow_mod'
  ? `flow:${['add', 'modify', 'modify_strict', 'delete', 'delete_strict'][m.command]}`
  : `meter:${['add', 'modify', 'delete'][(m as MeterModMessage).command]}`));

test('add: a drop is one flow; a rate limit is a meter, then the flow that uses it', () => {
  const drop = plan([decision(1)], EMPTY_HELD, { now: T0 });
  assert.equal(kinds(drop.messages), ['flow:add']);
  const rl = plan([decision(2, { action: 'rate-limit', rate: { unit: 'pktps', rate: 100 } })], EMPTY_HELD, { now: T0 });
  assert.equal(kinds(rl.messages), ['meter:add', 'flow:add']);
  assert.is((rl.messages[0] as MeterModMessage).meterId, 1);
  assert.equal((rl.messages[1] as FlowModMessage).instructions[0], { type: 'meter', meterId: 1 });
  assert.equal([...rl.meters], [[2, 1]]);
});

test('idempotent: planning again against what the switch holds sends nothing', () => {
  const table = new FakeTable();
  const desired: Decision[] = [
    decision(1),
    decision(2, { action: 'rate-limit', rate: { unit: 'kbps', rate: 800, burst: 100 }, target: { src: '2001:db8::66' } }),
    decision(3, { action: 'selective-drop', target: { src: '198.51.100.0', srcPrefix: 24, proto: 17, dstPort: 53 } }),
    decision(4, { action: 'throttle-victim', rate: { unit: 'pktps', rate: 5000 }, target: { src: '10.0.0.9', dst: '10.0.0.9' } }),
    decision(5, { action: 'monitor', target: { src: '192.0.2.99' } }),
  ];
  const ctx = { now: T0, whitelist: ['192.0.2.0/28'] };
  const first = plan(desired, EMPTY_HELD, ctx);
  assert.is(first.messages.length, 6 + 2);
  const held = sendAndRead(table, first.messages, T0);
  assert.equal(plan(desired, held, ctx).messages, [], 'read back from the switch');
  assert.equal(plan(desired, first.expected, ctx).messages, [], 'believed state');
  assert.equal(plan(desired, held, { ...ctx, now: T0 + 3 * MINUTE }).messages, [], 'minutes later');
  assert.ok(table.isDropped(attacker));
  assert.not.ok(table.isDropped(legit));
});

test('the pipeline flows sharing the guard table are not ours to touch', () => {
  const table = new FakeTable();
  table.apply(addFlow({ table: TABLE.guard, priority: PRIORITY.guard.lldp, match: { ethType: 0x88cc }, cookie: cookieFor(FlowPurpose.pipeline), instructions: [] }));
  table.apply(addFlow({ table: TABLE.guard, priority: 0, match: {}, cookie: cookieFor(FlowPurpose.pipeline), instructions: [{ type: 'goto_table', tableId: 1 }] }));
  const held = readBack(table, T0);
  assert.equal(held.flows, []);
  assert.equal(plan([], held, { now: T0 }).messages, []);
});

test('extend: a later expiry re-adds the flow with the longer hard timeout, nothing deleted', () => {
  const table = new FakeTable();
  const d = decision(1);
  const held = sendAndRead(table, plan([d], EMPTY_HELD, { now: T0 }).messages, T0);
  const now = T0 + 8 * MINUTE;
  const extended = { ...d, updatedAt: now, expiresAt: now + 30 * MINUTE };
  const p = plan([extended], held, { now });
  assert.equal(kinds(p.messages), ['flow:add']);
  assert.is((p.messages[0] as FlowModMessage).hardTimeout, 30 * 60 + 30);
  assert.equal(plan([extended], sendAndRead(table, p.messages, now), { now }).messages, []);
  assert.is(table.flows.length, 1, 'the add replaced the entry with the same priority and match');
  assert.is(table.expire(now + 30 * MINUTE + 29_000).length, 0, 'switch keeps it through the grace');
  assert.is(table.expire(now + 30 * MINUTE + 30_000).length, 1, 'and lets it go after');
});

test('shortened: an earlier expiry re-adds with the shorter timeout', () => {
  const table = new FakeTable();
  const d = decision(1, { expiresAt: T0 + 60 * MINUTE });
  const held = sendAndRead(table, plan([d], EMPTY_HELD, { now: T0 }).messages, T0);
  const now = T0 + MINUTE;
  const p = plan([{ ...d, updatedAt: now, expiresAt: now + 2 * MINUTE }], held, { now });
  assert.equal(kinds(p.messages), ['flow:add']);
  assert.is((p.messages[0] as FlowModMessage).hardTimeout, 150);
});

test('unblock: strict delete by exact cookie, priority and match; the meter goes after the flow', () => {
  const table = new FakeTable();
  const d = decision(4, { action: 'rate-limit', rate: { unit: 'pktps', rate: 10 } });
  const held = sendAndRead(table, plan([d, decision(5, { target: { src: '198.51.100.1' } })], EMPTY_HELD, { now: T0 }).messages, T0);
  const p = plan([decision(5, { target: { src: '198.51.100.1' } })], held, { now: T0 + MINUTE });
  assert.equal(kinds(p.messages), ['flow:delete_strict', 'meter:delete']);
  const del = p.messages[0] as FlowModMessage;
  assert.is(del.cookie, cookieFor(FlowPurpose.rateLimit, 4));
  assert.is(del.cookieMask, 0xffff_ffff_ffff_ffffn);
  assert.is(del.tableId, TABLE.guard);
  const after = sendAndRead(table, p.messages, T0 + MINUTE);
  assert.equal(after.meters, []);
  assert.is(after.flows.length, 1);
  assert.is(table.lookup(attacker).outcome, 'miss', 'the unblocked source is no longer touched');
  assert.ok(table.isDropped({ ...attacker, src: '198.51.100.1' }), 'the other block stays');
});

test('step-down drop → rate limit: old flow out, meter in before the new flow', () => {
  const table = new FakeTable();
  const held = sendAndRead(table, plan([decision(1)], EMPTY_HELD, { now: T0 }).messages, T0);
  const rl = decision(2, { action: 'rate-limit', rate: { unit: 'pktps', rate: 50 }, createdAt: T0 + MINUTE, expiresAt: T0 + 20 * MINUTE });
  const p = plan([rl], held, { now: T0 + MINUTE });
  assert.equal(kinds(p.messages), ['flow:delete_strict', 'meter:add', 'flow:add']);
  sendAndRead(table, p.messages, T0 + MINUTE);
  assert.equal(table.lookup(attacker), { outcome: 'continue', table: TABLE.accounting, meterId: 1, cookie: cookieFor(FlowPurpose.rateLimit, 2), priority: PRIORITY.guard.meter + 232 });
});

test('a stricter meter on the same decision is a meter modify only', () => {
  const table = new FakeTable();
  const d = decision(1, { action: 'rate-limit', rate: { unit: 'pktps', rate: 500 } });
  const held = sendAndRead(table, plan([d], EMPTY_HELD, { now: T0 }).messages, T0);
  const p = plan([{ ...d, rate: { unit: 'pktps', rate: 50 } }], held, { now: T0 });
  assert.equal(kinds(p.messages), ['meter:modify']);
  assert.is((p.messages[0] as MeterModMessage).meterId, 1);
});

test('meter ids: freed ids are reused once the delete is done, never within the same plan', () => {
  const table = new FakeTable();
  const rl = (id: number, src: string) => decision(id, { action: 'rate-limit', rate: { unit: 'pktps', rate: 10 }, target: { src } });
  let held = sendAndRead(table, plan([rl(1, '192.0.2.1'), rl(2, '192.0.2.2')], EMPTY_HELD, { now: T0 }).messages, T0);
  const swap = plan([rl(2, '192.0.2.2'), rl(3, '192.0.2.3')], held, { now: T0 });
  assert.is(swap.meters.get(3), 3, 'meter 1 is still being deleted');
  held = sendAndRead(table, swap.messages, T0);
  const next = plan([rl(2, '192.0.2.2'), rl(3, '192.0.2.3'), rl(4, '192.0.2.4')], held, { now: T0 });
  assert.is(next.meters.get(4), 1, 'lowest free id');
  assert.is(next.meters.get(2), 2);
});

test('out of meters: the decision is reported, nothing sent for it', () => {
  const rl = (id: number) => decision(id, { action: 'rate-limit', rate: { unit: 'pktps', rate: 10 }, target: { src: `192.0.2.${id}` } });
  const p = plan([rl(1), rl(2)], EMPTY_HELD, { now: T0, maxMeters: 1 });
  assert.equal(p.outOfMeters.map((d) => d.id), [2]);
  assert.equal(kinds(p.messages), ['meter:add', 'flow:add']);
});

test('two decisions wanting the same flow: one flow, carried by the one that lasts longer', () => {
  const a = decision(1, { target: { src: '203.0.113.0', srcPrefix: 24 }, expiresAt: T0 + 5 * MINUTE });
  const b = decision(2, { target: { src: '203.0.113.0', srcPrefix: 24 }, expiresAt: T0 + 9 * MINUTE });
  const p = plan([a, b], EMPTY_HELD, { now: T0 });
  assert.is(p.messages.length, 1);
  assert.is((p.messages[0] as FlowModMessage).cookie, cookieFor(FlowPurpose.drop, 2));
});

test('longer than 65535 s: capped flows are kept until they need renewing', () => {
  const table = new FakeTable();
  const d = decision(1, { expiresAt: T0 + 24 * HOUR });
  const first = plan([d], EMPTY_HELD, { now: T0 });
  assert.is((first.messages[0] as FlowModMessage).hardTimeout, 65535);
  const held = sendAndRead(table, first.messages, T0);
  assert.equal(plan([d], held, { now: T0 + 10 * HOUR }).messages, []);
  const late = T0 + 65535_000 - RENEW_MARGIN_MS + 1000;
  const renew = plan([d], readBack(table, late), { now: late });
  assert.equal(kinds(renew.messages), ['flow:add']);
  assert.is((renew.messages[0] as FlowModMessage).hardTimeout, Math.ceil((d.expiresAt + 30_000 - late) / 1000));
});

test('invalid decisions are reported, the rest still planned', () => {
  const p = plan([decision(1, { target: { src: 'bogus' } }), decision(2)], EMPTY_HELD, { now: T0 });
  assert.equal(p.invalid.map((i) => [i.decision.id, i.error.code]), [[1, 'MITIGATE_BAD_TARGET']]);
  assert.is(p.messages.length, 1);
});

test('stale meters nobody uses are deleted; a meter held for a decision is re-created when missing', () => {
  const held: HeldState = { flows: [], meters: [{ meterId: 7, flags: 0, bands: [] }] };
  assert.equal(kinds(plan([], held, { now: T0 }).messages), ['meter:delete']);
  const table = new FakeTable();
  const d = decision(1, { action: 'rate-limit', rate: { unit: 'pktps', rate: 10 } });
  const before = sendAndRead(table, plan([d], EMPTY_HELD, { now: T0 }).messages, T0);
  const lost: HeldState = { flows: before.flows, meters: [] };
  const p = plan([d], lost, { now: T0 });
  assert.equal(kinds(p.messages), ['meter:add']);
  assert.is((p.messages[0] as MeterModMessage).command, MeterModCommand.ADD);
  assert.is((p.messages[0] as MeterModMessage).meterId, 1);
  assert.ok(p.messages.every((m) => m.type !== 'flow_mod' || m.command !== FlowModCommand.DELETE));
});

test.run();
