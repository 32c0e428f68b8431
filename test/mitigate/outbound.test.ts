import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { orderBatch, Outbound, type OutboundConnection } from '../../controller/mitigate/outbound.js';
import type { EnforcerConnection } from '../../controller/mitigate/enforcer.js';
import { guardFlowMod, meterModFor, templateFor } from '../../controller/mitigate/templates.js';
import type { SwitchConnection } from '../../controller/switch/connection.js';
import type { OfpMessage } from '../../controller/openflow/index.js';
import { flowDelete } from '../../controller/openflow/index.js';
import { ErrorType, FlowModCommand, MeterModCommand } from '../../controller/openflow/constants.js';
import { silentLogger } from '../../controller/log.js';
import { FakeTable, FakeTableSwitch, type WireEvent } from '../support/fake-table.js';
import { decision } from './helpers.js';

// The real connection fits both interfaces (checked by tsc).
export const fitsOutbound: (c: SwitchConnection) => OutboundConnection = (c) => c;
export const fitsEnforcer: (c: SwitchConnection) => EnforcerConnection = (c) => c;

const rl = templateFor(decision(1, { action: 'rate-limit', rate: { unit: 'pktps', rate: 10 } }));
const meterAdd = meterModFor(rl.meter!, 1);
const flowAdd = guardFlowMod(rl.flow, 1);
const dropAdd = guardFlowMod(templateFor(decision(2, { target: { src: '198.51.100.2' } })).flow);
const flowDel = flowDelete({ tableId: 0, command: FlowModCommand.DELETE_STRICT, cookie: 5n, cookieMask: ~0n & 0xffff_ffff_ffff_ffffn, priority: 50000, match: { ethType: 0x0800, ipv4Src: '192.0.2.1' } });
const meterDel = meterModFor({ flags: 0, bands: [] }, 9, MeterModCommand.DELETE);

function setup(table = new FakeTable()) {
  const sw = new FakeTableSwitch('0000000000000001', table);
  const out = new Outbound(sw, { logger: silentLogger });
  return { sw, out, table };
}

const shape = (wire: WireEvent[]) => wire.map((e) => (e.kind === 'barrier' ? 'barrier'
  : e.message.type === 'flow_mod' ? (e.message.command >= FlowModCommand.DELETE ? 'flow-delete' : 'flow-add')
    : e.message.type === 'meter_mod' ? (e.message.command === MeterModCommand.DELETE ? 'meter-delete' : e.message.command === MeterModCommand.ADD ? 'meter-add' : 'meter-modify') : e.message.type));

test('orders stages: flow deletes, meter adds, flow adds, meter deletes, a barrier after each', async () => {
  const { sw, out, table } = setup();
  table.apply({ ...meterAdd, meterId: 9 });
  const result = await out.send([meterDel, flowAdd, dropAdd, flowDel, meterAdd]);
  assert.equal(shape(sw.wire), ['flow-delete', 'barrier', 'meter-add', 'barrier', 'flow-add', 'flow-add', 'barrier', 'meter-delete', 'barrier']);
  assert.equal(result.rejected, []);
  assert.is(result.sent, 5);
  assert.ok(table.meters.has(1) && !table.meters.has(9));
  assert.is(table.flows.length, 2, 'the metered flow was accepted because its meter came first');
});

test('empty stages send nothing, not even a barrier', async () => {
  const { sw, out } = setup();
  await out.send([dropAdd]);
  assert.equal(shape(sw.wire), ['flow-add', 'barrier']);
  await out.send([]);
  assert.is(sw.wire.length, 2);
});

test('identical messages in a batch are sent once', async () => {
  const { sw, out } = setup();
  const result = await out.send([dropAdd, { ...dropAdd }, { ...dropAdd, xid: 77 }]);
  assert.is(result.duplicates, 2);
  assert.is(sw.messages().length, 1);
  assert.equal(orderBatch([meterDel, meterDel]).duplicates, 1);
});

test('METER_EXISTS on add is retried as a modify; UNKNOWN_METER on delete is ignored; both counted', async () => {
  const { sw, out, table } = setup();
  table.apply({ ...meterAdd, bands: [{ type: 'drop', rate: 999, burstSize: 0 }] });
  const result = await out.send([meterAdd, meterDel]);
  assert.equal(shape(sw.wire), ['meter-add', 'barrier', 'meter-modify', 'barrier', 'meter-delete', 'barrier']);
  assert.equal(result.rejected, []);
  assert.is(result.retried, 1);
  assert.is(result.ignored, 1);
  assert.equal(table.meters.get(1)!.bands, meterAdd.bands, 'the switch ends with the meter we wanted');
  assert.equal([...out.errorCounts], [['OFPET_METER_MOD_FAILED/OFPMMFC_METER_EXISTS', 1], ['OFPET_METER_MOD_FAILED/OFPMMFC_UNKNOWN_METER', 1]]);
});

test('an error names the message that caused it (by xid); table full is a table-full rejection', async () => {
  const { out } = setup(new FakeTable({ maxFlows: 1 }));
  const other = guardFlowMod(templateFor(decision(3, { target: { src: '198.51.100.3' } })).flow);
  const result = await out.send([dropAdd, other]);
  assert.is(result.rejected.length, 1);
  assert.is(result.rejected[0]!.message, other);
  assert.is(result.rejected[0]!.kind, 'table-full');
  assert.is(result.rejected[0]!.error, 'OFPET_FLOW_MOD_FAILED/OFPFMFC_TABLE_FULL');
});

test('out of meters: the meter is rejected and the flows that would use it are withheld', async () => {
  const { sw, out } = setup(new FakeTable({ maxMeters: 0 }));
  const result = await out.send([meterAdd, flowAdd, dropAdd]);
  assert.equal(result.rejected.map((r) => r.kind), ['out-of-meters']);
  assert.equal(result.withheld, [flowAdd]);
  assert.equal(shape(sw.wire), ['meter-add', 'barrier', 'flow-add', 'barrier'], 'only the drop went out in the flow stage');
});

test('unsupported matches are rejected as unsupported; errors for messages that are not ours are left alone', async () => {
  const { sw, out } = setup();
  sw.refuse = (m: OfpMessage) => (m.type === 'flow_mod' && m.match.ipv6Src ? { errorType: ErrorType.BAD_MATCH, code: 6 } : undefined);
  const v6 = guardFlowMod(templateFor(decision(4, { target: { src: '2001:db8::4' } })).flow);
  const result = await out.send([v6]);
  assert.equal(result.rejected.map((r) => [r.kind, r.error]), [['unsupported', 'OFPET_BAD_MATCH/OFPBMC_BAD_FIELD']]);
  sw.emit('switch_error', undefined as never, { version: 4, type: 'error', xid: 9999, errorType: 5, code: 1, data: Buffer.alloc(0) });
  assert.is(out.errorCounts.get('OFPET_FLOW_MOD_FAILED/OFPFMFC_TABLE_FULL'), undefined);
});

test('batches of one switch do not interleave', async () => {
  const { sw, out } = setup();
  await Promise.all([out.send([flowDel, dropAdd]), out.send([flowDel, flowAdd, meterAdd])]);
  assert.equal(shape(sw.wire), ['flow-delete', 'barrier', 'flow-add', 'barrier', 'flow-delete', 'barrier', 'meter-add', 'barrier', 'flow-add', 'barrier']);
});

test('a barrier that fails rejects the batch; the next batch still runs', async () => {
  const { sw, out } = setup();
  sw.closed = true;
  await out.send([dropAdd]).then(() => assert.unreachable('should reject'), (e: Error) => assert.is(e.message, 'closed'));
  sw.closed = false;
  const result = await out.send([dropAdd]);
  assert.equal(result.rejected, []);
  out.close();
  assert.is(sw.listenerCount('switch_error'), 0);
});

test('a message the codec refuses is set apart: the rest of the batch is sent, flows of an unencodable meter are withheld', async () => {
  const { sw, out, table } = setup();
  const zoned = { ...dropAdd, match: { ethType: 0x86dd, ipv6Src: 'fe80::1%eth0' } };
  const badMeter = { ...meterAdd, bands: [{ type: 'remark' as 'drop', rate: 10, burstSize: 0 }] };
  const result = await out.send([zoned, badMeter, flowAdd, dropAdd]);
  assert.equal(result.unencodable.map((u) => u.message), [zoned, badMeter]);
  assert.match(result.unencodable[0]!.error, 'OFP_ENCODE_BAD_VALUE');
  assert.equal(result.withheld, [flowAdd], 'its meter never reached the switch');
  assert.equal(sw.messages().map((m) => ({ ...m, xid: 0 })), [dropAdd]);
  assert.is(table.flows.length, 1);
});

test.run();
