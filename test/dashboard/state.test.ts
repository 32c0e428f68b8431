/** The dashboard's state: decisions in force that are not enforced, from the status answer. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DashState, type EnforcementFailure } from '../../controller/dashboard/page/state.mjs';

const zoned: EnforcementFailure = { id: 7, code: 'MITIGATE_NOT_ENCODABLE', reason: 'not a valid IPv6 address: "fe80::1%eth0"', dpids: ['0000000000000001'], since: 1 };

test('failures: replaced by each status answer, a new one (or a new reason) on the timeline, unchanged ones redraw nothing', () => {
  const s = new DashState();
  assert.ok(s.setFailures([zoned], 1000));
  assert.equal(s.failures.get(7), zoned);
  assert.equal(s.timeline.map((t) => [t.kind, t.text]), [['failed', '#7 not enforced: not a valid IPv6 address: "fe80::1%eth0"']]);
  assert.not.ok(s.setFailures([{ ...zoned }], 2000), 'the same answer again');
  assert.ok(s.setFailures([{ ...zoned, dpids: ['0000000000000001', '0000000000000002'] }], 3000), 'another switch');
  assert.is(s.timeline.length, 1, 'same reason: not noted again');
  assert.ok(s.setFailures([{ ...zoned, reason: 'switch refused it' }], 4000));
  assert.is(s.timeline.length, 2);
  assert.ok(s.setFailures([], 5000), 'enforced again');
  assert.is(s.failures.size, 0);
  assert.not.ok(s.setFailures([], 6000));
});

test.run();
