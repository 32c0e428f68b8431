import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { hash32 } from '../../controller/detect/ip.js';
import { BloomFilter, CountMinSketch, HLL_M, hllAdd, hllEstimate } from '../../controller/detect/sketch.js';

test('count-min never underestimates, is close for heavy keys, and halves', () => {
  const cms = new CountMinSketch(1024, 4);
  const truth = new Map<number, number>();
  for (let i = 0; i < 5000; i++) {
    const k = hash32(i % 700);
    const c = i % 700 < 5 ? 50 : 1;
    cms.add(k, c);
    truth.set(k, (truth.get(k) ?? 0) + c);
  }
  for (const [k, v] of truth) assert.ok(cms.estimate(k) >= v);
  const heavy = hash32(0);
  assert.ok(cms.estimate(heavy) <= truth.get(heavy)! * 1.1);
  const before = cms.estimate(heavy);
  cms.halve();
  assert.is(cms.estimate(heavy), before >>> 1);
});

test('bloom filter: no false negatives, few false positives', () => {
  const b = new BloomFilter(1 << 16, 4);
  for (let i = 0; i < 2000; i++) assert.is(b.add(hash32(i)), false);
  for (let i = 0; i < 2000; i++) assert.ok(b.has(hash32(i)));
  let fp = 0;
  for (let i = 2000; i < 12000; i++) if (b.has(hash32(i))) fp++;
  assert.ok(fp / 10000 < 0.01, `false positive rate ${fp / 10000}`);
  assert.is(b.add(hash32(5)), true, 'add reports "already there"');
});

test('HyperLogLog estimates within 15 % from tens to tens of thousands', () => {
  for (const n of [20, 500, 20000]) {
    const regs = new Uint8Array(HLL_M);
    for (let i = 0; i < n; i++) hllAdd(regs, 0, hash32(i + 1));
    const est = hllEstimate(regs, 0);
    assert.ok(Math.abs(est - n) / n < 0.15, `n=${n} est=${est}`);
  }
});

test.run();
