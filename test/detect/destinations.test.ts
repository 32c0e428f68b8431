import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseDetectConfig } from '../../controller/detect/config.js';
import { DestinationTable } from '../../controller/detect/destinations.js';
import { hash32, parseIPv4 } from '../../controller/detect/ip.js';

const T = 1_735_689_600_000;

function interval(d: DestinationTable, sec: number, perSource: number[], dst = '10.0.0.1', firstSrc = 0): void {
  d.begin(T + sec * 1000);
  perSource.forEach((p, i) => d.account(dst, parseIPv4(dst), hash32(firstSrc + i + 1), p, p));
  d.finish(T + sec * 1000, 1);
}

test('unique_ips_60s slides with the 60 s window', () => {
  const d = new DestinationTable(parseDetectConfig());
  interval(d, 0, new Array(50).fill(10));
  assert.ok(Math.abs(d.summary('10.0.0.1', T)!.uniqueIps - 50) <= 5);
  interval(d, 30, new Array(10).fill(10), '10.0.0.1', 1000);
  assert.ok(Math.abs(d.summary('10.0.0.1', T + 30_000)!.uniqueIps - 60) <= 6, 'both sets inside 60 s');
  interval(d, 65, new Array(5).fill(10), '10.0.0.1', 2000);
  const u = d.summary('10.0.0.1', T + 65_000)!.uniqueIps;
  assert.ok(u >= 13 && u <= 17, `first set slid out: ${u}`);
});

test('aggregate z-score: a steady server, then a surge; many→single needs many sources too', () => {
  const d = new DestinationTable(parseDetectConfig());
  for (let s = 0; s < 30; s++) interval(d, s, [100 + (s % 3) * 10, 50]);
  const calm = d.summary('10.0.0.1', T + 29_000)!;
  assert.ok(Math.abs(calm.zScore) < 3);
  assert.not.ok(calm.underAttack);
  interval(d, 30, [5000, 5000]);
  const surge = d.summary('10.0.0.1', T + 30_000)!;
  assert.ok(surge.zScore > 20);
  assert.not.ok(surge.underAttack, 'two sources are not many');
  interval(d, 31, new Array(100).fill(100), '10.0.0.1', 500);
  assert.ok(d.underAttack('10.0.0.1', T + 31_000));
  assert.not.ok(d.underAttack('10.0.0.1', T + 40_000), 'stale verdicts expire');
});

test('many→single needs the flood spread over many: one flooder beside other hosts\' chatter is not', () => {
  const d = new DestinationTable(parseDetectConfig());
  // Every host of the network reached the server in the last minute, then one floods it.
  interval(d, 0, new Array(12).fill(2));
  interval(d, 1, [20_000, 5, 5, 5], '10.0.0.1', 0);
  assert.not.ok(d.underAttack('10.0.0.1', T + 1_000), 'one source carries the flood');
  interval(d, 2, new Array(10).fill(2_000), '10.0.0.1', 100);
  assert.ok(d.underAttack('10.0.0.1', T + 2_000), 'ten sources carry it');
});

test('capped: new destinations are refused while all are active, admitted once some go idle', () => {
  const d = new DestinationTable(parseDetectConfig({ maxDestinations: 2 }));
  interval(d, 0, [1], 'a');
  interval(d, 0, [1], 'b');
  interval(d, 1, [1], 'c');
  assert.is(d.size, 2);
  assert.is(d.summary('c', T + 1000), undefined);
  interval(d, 30, [1], 'c');
  assert.ok(d.summary('c', T + 30_000));
  assert.ok(d.size <= 2);
  assert.equal(d.list(5, T + 30_000).map((s) => s.dst).includes('c'), true);
});

test.run();
