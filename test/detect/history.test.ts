import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseDetectConfig } from '../../controller/detect/config.js';
import { HistoryBook, coefficientOfVariation } from '../../controller/detect/history.js';

const config = parseDetectConfig({ episodeGapMs: 5_000, escalationSpanMs: 10_000 });

test('persistence counts hits; a gap starts a new episode', () => {
  const h = new HistoryBook(config);
  for (let s = 0; s < 4; s++) h.record('a', s * 1000, 'syn-flood', 30);
  const f = h.record('a', 60_000, 'syn-flood', 30);
  assert.is(f.persistence, 5);
  assert.is(f.episodes, 2);
  assert.is(h.lastHitAt('a'), 60_000);
  assert.is(h.lastHitAt('b'), -Infinity);
});

test('escalation: connections now vs the hit at least escalationSpanMs ago (seed example 3)', () => {
  const h = new HistoryBook(config);
  assert.is(h.record('a', 0, 'syn-flood', 30).escalation, 0);
  assert.is(h.record('a', 20_000, 'syn-flood', 60).escalation, 30);
  assert.is(h.record('a', 40_000, 'syn-flood', 120).escalation, 60);
  assert.is(h.record('a', 41_000, 'syn-flood', 125).escalation, 65, 'compares with the hit 10 s+ back, not the last one');
});

test('velocity in episodes per short and long window', () => {
  const h = new HistoryBook(config);
  let f = h.record('a', 0, 'scan', 1);
  for (let k = 1; k <= 12; k++) f = h.record('a', k * 60_000, 'scan', 1);
  assert.is(f.velocityShort, 6, 'episodes within 5 min, inclusive');
  assert.is(f.velocityLong, 13);
});

test('multiple vectors within the vector window', () => {
  const h = new HistoryBook(config);
  h.record('a', 0, 'syn-flood', 50);
  h.record('a', 1_000, 'udp-flood', 0);
  const f = h.record('a', 2_000, 'scan', 5);
  assert.equal(f.vectors.sort(), ['syn-flood', 'udp-flood']);
  assert.equal(h.record('a', 200_000, 'scan', 5).vectors, []);
});

test('timing regularity: evenly spaced episodes are automated, jittered ones are not', () => {
  const h = new HistoryBook(config);
  let f = h.record('bot', 0, 'syn-flood', 40);
  for (let k = 1; k <= 6; k++) f = h.record('bot', k * 30_000, 'syn-flood', 40);
  assert.ok(f.regularTiming);
  const g = new HistoryBook(config);
  const times = [0, 8_000, 50_000, 61_000, 140_000, 150_000, 260_000];
  let r = g.record('human', 0, 'brute-force', 5);
  for (const t of times.slice(1)) r = g.record('human', t, 'brute-force', 5);
  assert.not.ok(r.regularTiming);
  assert.ok(Number.isNaN(coefficientOfVariation([3, 2, 1])));
  assert.is(coefficientOfVariation([40, 30, 20, 10]), 0);
});

test('capped: least recently detected source is forgotten', () => {
  const h = new HistoryBook(parseDetectConfig({ maxHistory: 2 }));
  h.record('a', 0, 'scan', 1);
  h.record('b', 1, 'scan', 1);
  h.record('a', 2, 'scan', 1);
  h.record('c', 3, 'scan', 1);
  assert.is(h.size, 2);
  assert.is(h.lastHitAt('b'), -Infinity);
  assert.is(h.lastHitAt('a'), 2);
});

test.run();
