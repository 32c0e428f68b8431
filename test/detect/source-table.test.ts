import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { formatIPv4 } from '../../controller/detect/ip.js';
import { seededRng } from '../../controller/detect/rng.js';
import { SourceTable } from '../../controller/detect/source-table.js';

test('IPv4 and text keys map to slots and back', () => {
  const t = new SourceTable(4);
  const a = t.insert('10.0.0.1');
  const b = t.insert('2001:db8::1');
  const c = t.insert('10.0.0.0/16');
  assert.is(t.find('10.0.0.1'), a);
  assert.is(t.find('2001:db8::1'), b);
  assert.is(t.find('10.0.0.0/16'), c);
  assert.is(t.addressOf(a), '10.0.0.1');
  assert.is(t.addressOf(b), '2001:db8::1');
  assert.is(t.v4Of(b), -1);
  assert.is(t.find('10.0.0.2'), -1);
  assert.is(t.size, 3);
});

test('full table refuses inserts; remove frees a slot', () => {
  const t = new SourceTable(2);
  t.insert('1.1.1.1');
  const s = t.insert('1.1.1.2');
  assert.ok(t.full);
  assert.throws(() => t.insert('1.1.1.3'), /full/);
  t.remove(s);
  assert.is(t.find('1.1.1.2'), -1);
  assert.not.ok(t.full);
  t.insert('1.1.1.3');
  assert.is(t.addressOf(t.find('1.1.1.3')), '1.1.1.3');
});

test('random inserts and removes agree with a Map (backward-shift delete keeps chains)', () => {
  const rng = seededRng(42);
  const t = new SourceTable(300);
  const model = new Map<string, number>();
  for (let i = 0; i < 20000; i++) {
    const ip = formatIPv4((Math.floor(rng() * 600) * 65536 + 7) >>> 0);
    const slot = t.find(ip);
    assert.is(slot, model.get(ip) ?? -1);
    if (slot >= 0 && rng() < 0.5) {
      t.remove(slot);
      model.delete(ip);
    } else if (slot < 0 && !t.full) model.set(ip, t.insert(ip));
  }
  assert.is(t.size, model.size);
  for (const [ip, slot] of model) assert.is(t.find(ip), slot);
});

test('the index grows with the sources it holds and keeps every one findable', () => {
  const t = new SourceTable(100_000);
  const slots: number[] = [];
  for (let i = 0; i < 50_000; i++) slots.push(t.insert(formatIPv4((0x0a000000 + i * 13) >>> 0)));
  for (let i = 0; i < 50_000; i += 7) assert.is(t.find(formatIPv4((0x0a000000 + i * 13) >>> 0)), slots[i]);
  for (let i = 0; i < 50_000; i += 2) t.remove(slots[i]!);
  for (let i = 0; i < 50_000; i++) assert.is(t.find(formatIPv4((0x0a000000 + i * 13) >>> 0)), i % 2 ? slots[i] : -1);
  assert.is(t.size, 25_000);
});

test.run();
