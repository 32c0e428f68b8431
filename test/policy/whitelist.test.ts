import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Whitelist } from '../../controller/policy/whitelist.js';
import { PolicyError } from '../../controller/policy/errors.js';

const wl = new Whitelist(['10.0.0.0/8', '192.0.2.10', '2001:db8::/32', '::ffff:198.51.100.0/120']);

test('IPv4 and IPv6 hosts inside whitelisted networks', () => {
  assert.ok(wl.covers('10.1.2.3'));
  assert.ok(wl.covers('192.0.2.10'));
  assert.not.ok(wl.covers('192.0.2.11'));
  assert.ok(wl.covers('2001:db8:1::5'));
  assert.not.ok(wl.covers('2001:db9::5'));
  assert.ok(wl.covers('::ffff:10.0.0.1'), 'IPv4-mapped IPv6 is the IPv4 address');
  assert.ok(wl.covers('198.51.100.77'), 'an IPv4-mapped CIDR whitelists the IPv4 network');
});

test('a subnet block that would cover a whitelisted address is refused', () => {
  assert.ok(wl.covers('192.0.2.0', 24));
  assert.ok(wl.covers('0.0.0.0', 0));
  assert.not.ok(wl.covers('192.0.3.0', 24));
});

test('bad entries fail with POLICY_BAD_ADDRESS', () => {
  assert.throws(() => new Whitelist(['10.0.0.0/33']), (e: unknown) => e instanceof PolicyError && e.code === 'POLICY_BAD_ADDRESS');
  assert.throws(() => new Whitelist(['example.com']), (e: unknown) => e instanceof PolicyError && e.code === 'POLICY_BAD_ADDRESS');
});

test.run();
