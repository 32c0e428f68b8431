import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { RateLimiter } from '../../controller/api/rate-limit.js';

test('a burst, then the sustained rate, per client', () => {
  const rl = new RateLimiter({ perSecond: 2, burst: 3 });
  assert.equal([0, 0, 0].map(() => rl.take('a', 0)), [0, 0, 0]);
  assert.is(rl.take('a', 0), 0.5, 'half a second until the next token');
  assert.is(rl.take('b', 0), 0, 'another client has its own bucket');
  assert.is(rl.take('a', 500), 0, 'one token after 0.5 s at 2/s');
  assert.ok(rl.take('a', 500) > 0);
  assert.equal([0, 0, 0].map(() => rl.take('a', 60_000)), [0, 0, 0], 'refills to the burst, no more');
  assert.ok(rl.take('a', 60_000) > 0);
});

test('idle clients are forgotten once the table is large', () => {
  const rl = new RateLimiter({ perSecond: 10, burst: 10 });
  for (let i = 0; i < 10_000; i++) rl.take(`10.0.${i >> 8}.${i & 255}`, 0);
  assert.is(rl.size, 10_000);
  rl.take('192.0.2.1', 5_000);
  assert.is(rl.size, 1, 'all refilled buckets swept');
});

test.run();
