import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FailureBook, RETRY_BACKOFF } from '../../controller/mitigate/failures.js';

const refused = { code: 'MITIGATE_SWITCH_REJECTED', reason: 'OFPET_BAD_MATCH/OFPBMC_BAD_FIELD' } as const;
const T = 1_000_000;

test('a failure is news once: the same code and reason again is not, another reason is', () => {
  const book = new FailureBook();
  assert.ok(book.fail(1, refused, 'a', T));
  assert.not.ok(book.fail(1, refused, 'a', T + 40_000));
  assert.not.ok(book.fail(1, refused, 'b', T + 40_000), 'another switch, same reason');
  assert.ok(book.fail(1, { ...refused, reason: 'OFPET_FLOW_MOD_FAILED/OFPFMFC_UNKNOWN' }, 'a', T + 50_000));
  assert.equal(book.get(1)!.dpids, ['a', 'b'], 'the switches that failed before stay held');
  assert.is(book.get(1)!.since, T + 50_000);
});

test('per switch: held until the backoff runs out, doubling up to the cap; other switches are free', () => {
  const book = new FailureBook();
  let at = T;
  const waits: number[] = [];
  for (let i = 0; i < 8; i++) {
    book.fail(1, refused, 'a', at);
    const next = book.nextRetry('a', at)!;
    waits.push(next - at);
    assert.ok(book.held(1, 'a', next - 1));
    assert.equal(book.due('a', next - 1), []);
    assert.equal(book.due('a', next), [1]);
    at = next;
  }
  assert.equal(waits, [30_000, 60_000, 120_000, 240_000, 480_000, 600_000, 600_000, 600_000]);
  assert.is(RETRY_BACKOFF.maxMs, 600_000);
  assert.not.ok(book.held(1, 'b', at));
  assert.is(book.nextRetry('b', at), undefined);
});

test('everywhere: held on every switch, never due, cleared only by a version that can be expressed', () => {
  const book = new FailureBook();
  assert.ok(book.fail(2, { code: 'MITIGATE_NOT_ENCODABLE', reason: 'zone id' }, undefined, T));
  assert.ok(book.held(2, 'any', T + 10 * RETRY_BACKOFF.maxMs));
  assert.equal(book.due('any', T + 10 * RETRY_BACKOFF.maxMs), []);
  assert.not.ok(book.installed(2, 'any'));
  assert.ok(book.expressible(2));
  assert.is(book.get(2), undefined);
  assert.not.ok(book.expressible(2));
});

test('installed on its last failed switch ends the failure; retryNow makes failures due at once; forget drops it', () => {
  const book = new FailureBook();
  book.fail(3, refused, 'a', T);
  book.fail(3, refused, 'b', T);
  book.retryNow(T + 1, { dpid: 'a' });
  assert.equal([book.due('a', T + 1), book.due('b', T + 1)], [[3], []]);
  assert.not.ok(book.installed(3, 'a'), 'still failed on b');
  assert.equal(book.get(3)!.dpids, ['b']);
  book.retryNow(T + 2, { decisionId: 3 });
  assert.equal(book.due('b', T + 2), [3]);
  assert.ok(book.installed(3, 'b'));
  assert.is(book.size, 0);
  book.fail(4, refused, 'a', T);
  book.forget(4);
  assert.equal(book.all(), []);
});

test.run();
