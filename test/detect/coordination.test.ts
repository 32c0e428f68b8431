import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseDetectConfig } from '../../controller/detect/config.js';
import { CoordinationBook } from '../../controller/detect/coordination.js';
import { detection } from '../policy/detection-fixture.js';

const T0 = 1_700_000_000_000;
const bot = (i: number, packetRate = 1000, over = {}) => detection({ src: `10.0.0.${10 + i}`, dst: '10.0.0.2', dstPort: 8080, pattern: 'single-to-single', severity: 'medium', packetRate, ...over });

test('four sources starting within seconds at similar rates against one service: many→single, explained', () => {
  const book = new CoordinationBook(parseDetectConfig());
  const first = [bot(0), bot(1, 900)];
  book.observe(first, T0);
  assert.ok(first.every((d) => d.pattern === 'single-to-single'), 'two are not yet a group');
  const round = [bot(0), bot(1, 900), bot(2, 1100), bot(3, 1050)];
  book.observe(round, T0 + 2000);
  for (const d of round) {
    assert.is(d.pattern, 'many-to-single');
    assert.is(d.severity, 'high');
    const s = d.signals.find((x) => x.name === 'pattern.coordinated');
    assert.ok(s && s.points === 15, JSON.stringify(d.signals));
    assert.match(s!.detail ?? '', /4 sources began within 2\.0 s against 10\.0\.0\.2:8080 at 900–1100 pkt\/s each/);
  }
});

test('no group: rates far apart, starts far apart, different services, or benign', () => {
  const book = new CoordinationBook(parseDetectConfig());
  const rates = [bot(0, 50), bot(1, 1000), bot(2, 20_000)];
  book.observe(rates, T0);
  assert.ok(rates.every((d) => d.pattern === 'single-to-single'), 'a trickle, a flood and a torrent are no group');

  const late = new CoordinationBook(parseDetectConfig());
  late.observe([bot(0)], T0);
  late.observe([bot(0), bot(1)], T0 + 10_000);
  const third = [bot(0), bot(1), bot(2)];
  late.observe(third, T0 + 20_000);
  assert.ok(third.every((d) => d.pattern === 'single-to-single'), 'one at a time, ten seconds apart');

  const services = new CoordinationBook(parseDetectConfig());
  const spread = [bot(0, 1000, { dstPort: 80 }), bot(1, 1000, { dstPort: 443 }), bot(2, 1000, { dstPort: 22 })];
  services.observe(spread, T0);
  assert.ok(spread.every((d) => d.pattern === 'single-to-single'), 'three services');
});

test('promote, never demote: a single→many scanner stays one; severity never drops', () => {
  const book = new CoordinationBook(parseDetectConfig());
  const round = [bot(0, 1000, { severity: 'critical' }), bot(1), bot(2), bot(3, 1000, { pattern: 'single-to-many' })];
  book.observe(round, T0);
  assert.is(round[0]!.severity, 'critical');
  assert.is(round[3]!.pattern, 'single-to-many');
  assert.is(round[1]!.pattern, 'many-to-single');
});

test('members are forgotten after a minute without a detection', () => {
  const book = new CoordinationBook(parseDetectConfig());
  book.observe([bot(0), bot(1)], T0);
  const later = [bot(2)];
  book.observe(later, T0 + 120_000);
  assert.is(later[0]!.pattern, 'single-to-single');
});

test.run();
