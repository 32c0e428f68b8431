import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseDetectConfig } from '../../controller/detect/config.js';

test('defaults: the brief windows and the seed thresholds, frozen', () => {
  const c = parseDetectConfig();
  assert.is(c.shortWindowMs, 10_000);
  assert.is(c.destWindowMs, 60_000);
  assert.is(c.velocityShortMs, 300_000);
  assert.is(c.velocityLongMs, 3_600_000);
  assert.equal([c.severity.connMedium, c.severity.connHigh, c.severity.connCritical], [20, 50, 100]);
  assert.ok(Object.isFrozen(c) && Object.isFrozen(c.candidate));
  assert.throws(() => ((c as { maxSources: number }).maxSources = 1));
});

test('partial nested input keeps the other defaults; bad values are refused', () => {
  const c = parseDetectConfig({ patterns: { serverDiversity: 3 } });
  assert.is(c.patterns.serverDiversity, 3);
  assert.is(c.patterns.manyToSingleSources, 8);
  assert.throws(() => parseDetectConfig({ maxSources: 0 }));
  assert.throws(() => parseDetectConfig({ minConfidence: 2 }));
  assert.throws(() => parseDetectConfig({ shortBuckets: 1.5 }));
});

test.run();
