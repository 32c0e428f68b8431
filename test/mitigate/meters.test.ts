import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MeterAllocator } from '../../controller/mitigate/meters.js';
import { Meter } from '../../controller/openflow/constants.js';

test('lowest free id from 1, skipping ids the switch holds', () => {
  const a = new MeterAllocator([2, 4]);
  assert.equal([a.allocate(), a.allocate(), a.allocate()], [1, 3, 5]);
  assert.is(a.size, 5);
});

test('freed ids are reused first, lowest first', () => {
  const a = new MeterAllocator();
  for (let i = 0; i < 6; i++) a.allocate();
  a.release(5);
  a.release(2);
  assert.equal([a.allocate(), a.allocate(), a.allocate()], [2, 5, 7]);
  a.release(99);
  assert.is(a.size, 7, 'releasing an id never allocated changes nothing');
});

test('never past the limit, never a reserved id', () => {
  const a = new MeterAllocator([Meter.CONTROLLER, Meter.SLOWPATH], 2);
  assert.is(a.size, 0, 'reserved ids above OFPM_MAX are not ours');
  assert.equal([a.allocate(), a.allocate(), a.allocate()], [1, 2, undefined]);
  a.release(1);
  assert.is(a.allocate(), 1);
  assert.is(new MeterAllocator([], Meter.CONTROLLER).max, Meter.MAX);
});

test.run();
