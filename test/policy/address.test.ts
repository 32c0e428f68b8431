import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { sourceKey, subnetKey } from '../../controller/policy/address.js';
import { PolicyError } from '../../controller/policy/errors.js';

test('one spelling per source', () => {
  assert.is(sourceKey('2001:0DB8:0000::0001'), '2001:db8::1');
  assert.is(sourceKey('::ffff:10.0.0.1'), '10.0.0.1');
  assert.is(sourceKey('10.0.0.1', 32), '10.0.0.1');
  assert.is(sourceKey('10.0.0.77', 24), '10.0.0.0/24');
  assert.is(subnetKey('203.0.113.7'), '203.0.113.0/24');
  assert.is(subnetKey('2001:db8:1:2:3::4'), '2001:db8:1:2::/64');
});

test('not an address → POLICY_BAD_ADDRESS', () => {
  for (const bad of ['', '1.2.3', '300.1.1.1', 'host']) {
    assert.throws(() => sourceKey(bad), (e: unknown) => e instanceof PolicyError && e.code === 'POLICY_BAD_ADDRESS', bad);
  }
});

test.run();
