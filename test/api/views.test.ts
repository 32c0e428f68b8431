/** The decision view says when a decision in force is not enforced (an additive, optional field). */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { decisionView } from '../../controller/api/views.js';
import { Enforcer } from '../../controller/mitigate/enforcer.js';
import { ManualClock } from '../../controller/clock.js';
import { silentLogger } from '../../controller/log.js';
import { decision, T0 } from '../mitigate/helpers.js';

test('enforcement: present for a failed decision in force, absent for an enforced one and once ended', async () => {
  const enforcer = new Enforcer({ clock: new ManualClock(T0), logger: silentLogger });
  const zoned = decision(1, { target: { src: 'fe80::1%eth0' } });
  const good = decision(2);
  await enforcer.apply({ decisions: [zoned, good], ended: [] });
  const view = decisionView(zoned, T0, enforcer);
  assert.equal({ ...view.enforcement, reason: undefined }, { state: 'failed', code: 'MITIGATE_NOT_ENCODABLE', reason: undefined, dpids: [], since: T0 });
  assert.match(view.enforcement!.reason, 'not a valid IPv6 address: "fe80::1%eth0"');
  assert.is(view.source, 'fe80::1%eth0');
  assert.not.ok('enforcement' in decisionView(good, T0, enforcer));
  assert.not.ok('enforcement' in decisionView({ ...zoned, endedAt: T0, endReason: 'unblocked' }, T0, enforcer), 'history says nothing about enforcement');
  assert.not.ok('enforcement' in decisionView(zoned, T0), 'no enforcer asked, no field');
});

test.run();
