import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SlotDistinct, SlotWindows, bitsForDistinct, distinctFromBits, popcount } from '../../controller/detect/windows.js';

test('sums the buckets inside the window and forgets what slid out', () => {
  const w = new SlotWindows(2, 1, 10_000, 10); // 1 s buckets
  for (let s = 0; s < 10; s++) w.add(0, 0, s * 1000, 1);
  assert.is(w.sum(0, 0, 9_000), 10);
  assert.is(w.sum(0, 0, 10_000), 9, 'bucket 0 left the window');
  assert.is(w.sum(0, 0, 14_500), 5);
  assert.is(w.sum(0, 0, 19_000), 0);
  w.add(0, 0, 12_000, 7);
  assert.is(w.sum(0, 0, 12_000), 7 + 7, 'buckets 3..9 still in, 10 and 11 zeroed');
});

test('a long gap clears the whole ring lazily', () => {
  const w = new SlotWindows(1, 2, 5_000, 5);
  w.add(0, 0, 0, 3);
  w.add(0, 1, 0, 4);
  w.add(0, 0, 100_000, 1);
  assert.is(w.sum(0, 0, 100_000), 1);
  assert.is(w.sum(0, 1, 100_000), 0);
});

test('slots and metrics do not bleed into each other; clear resets one slot', () => {
  const w = new SlotWindows(3, 2, 4_000, 4);
  w.add(1, 0, 0, 5);
  w.add(1, 1, 0, 6);
  w.add(2, 0, 0, 9);
  assert.is(w.sum(0, 0, 0), 0);
  assert.is(w.sum(1, 0, 0), 5);
  assert.is(w.sum(1, 1, 0), 6);
  w.clear(1);
  assert.is(w.sum(1, 0, 0), 0);
  assert.is(w.sum(2, 0, 0), 9);
});

test('advance + addAdvanced equals add', () => {
  const a = new SlotWindows(1, 1, 6_000, 3);
  const b = new SlotWindows(1, 1, 6_000, 3);
  for (const [t, v] of [[0, 1], [1_000, 2], [5_000, 4], [9_000, 8]] as const) {
    a.add(0, 0, t, v);
    const e = b.epochOf(t);
    b.advance(0, e);
    b.addAdvanced(0, 0, e % 3, v);
    assert.is(b.sum(0, 0, t), a.sum(0, 0, t));
  }
});

test('small-count metrics live in 16 bits beside the wide ones and saturate instead of wrapping', () => {
  const w = new SlotWindows(3, 3, 10_000, 5, 1);
  const wide = new SlotWindows(3, 3, 10_000, 5);
  for (let sec = 0; sec < 30; sec++) {
    for (const x of [w, wide]) {
      x.add(1, 0, sec * 1000, 1000 + sec);
      x.add(1, 2, sec * 1000, sec % 3);
      x.add(2, 2, sec * 1000, 7);
    }
    for (const m of [0, 1, 2]) for (const slot of [0, 1, 2]) assert.is(w.sum(slot, m, sec * 1000), wide.sum(slot, m, sec * 1000), `t=${sec} m=${m} slot=${slot}`);
  }
  w.add(0, 2, 30_000, 70_000);
  w.add(0, 2, 30_000, 70_000);
  assert.is(w.sum(0, 2, 30_000), 0xffff);
  w.clear(2);
  assert.is(w.sum(2, 2, 30_000), 0);
  assert.throws(() => new SlotWindows(1, 2, 1000, 2, 3), /small-count/);
});

test('rejects an empty window', () => {
  assert.throws(() => new SlotWindows(1, 1, 0, 1));
  assert.throws(() => new SlotWindows(1, 1, 1000, 0));
});

test('distinct counter: exact-ish for small sets, forgets after a full window', () => {
  const d = new SlotDistinct(2, 10_000, 2);
  for (let i = 0; i < 5; i++) d.add(0, 0, i * 0x9e3779b1, 1_000);
  const est = d.estimate(0, 0, 1_000);
  assert.ok(est >= 4.5 && est <= 6, `estimate ${est}`);
  assert.is(d.estimate(0, 1, 1_000), 0, 'counters of one slot are separate');
  assert.is(d.estimate(1, 0, 1_000), 0);
  assert.ok(d.estimate(0, 0, 7_000) > 4, 'previous half still counts');
  assert.is(d.estimate(0, 0, 12_000), 0);
  for (let i = 0; i < 1000; i++) d.add(1, 1, i, 1_000);
  assert.ok(d.estimate(1, 1, 1_000) > 200, 'saturates high, not low');
});

test('distinct gate by bits set agrees with the estimate for every threshold', () => {
  for (const n of [0, 1, 5, 10, 10.5, 40, 100, 266, 267, 1000]) {
    const b = bitsForDistinct(n);
    for (let bits = 0; bits <= 64; bits++) assert.is(bits >= b, distinctFromBits(bits) >= n, `n=${n} bits=${bits}`);
  }
  const d = new SlotDistinct(2, 10_000, 2);
  d.enter(1, d.phaseOf(0));
  for (let h = 0; h < 20; h++) d.set(1, 1, h * 3);
  assert.is(d.bitsSet(1, 1, 0), 20);
  assert.is(d.estimate(1, 1, 0), distinctFromBits(20));
  assert.is(d.bitsSet(1, 0, 0), 0);
});

test('popcount', () => {
  assert.is(popcount(0), 0);
  assert.is(popcount(0xffffffff), 32);
  assert.is(popcount(0b1011), 3);
});

test.run();
