import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { formatIPv4, hash32, hashString, parseIPv4, subnetOf } from '../../controller/detect/ip.js';

test('parseIPv4 accepts dotted quads only', () => {
  assert.is(parseIPv4('0.0.0.0'), 0);
  assert.is(parseIPv4('255.255.255.255'), 0xffffffff);
  assert.is(parseIPv4('10.1.2.3'), 0x0a010203);
  for (const bad of ['', '1.2.3', '1.2.3.4.5', '256.1.1.1', '1..2.3', '1.2.3.', '::1', '1.2.3.4/24', 'a.b.c.d', '1.2.3.1234']) assert.is(parseIPv4(bad), -1, bad);
});

test('formatIPv4 inverts parseIPv4', () => {
  for (const ip of ['0.0.0.0', '255.255.255.255', '192.168.1.77', '10.0.0.1']) assert.is(formatIPv4(parseIPv4(ip)), ip);
});

test('subnets: /24 for IPv4, /64 for IPv6, nothing for non-addresses', () => {
  assert.equal(subnetOf('203.0.113.77'), { network: '203.0.113.0', prefix: 24 });
  assert.equal(subnetOf('2001:db8:1:2:3:4:5:6'), { network: '2001:db8:1:2::', prefix: 64 });
  assert.is(subnetOf('10.0.0.0/16'), undefined);
});

test('hashes are 32-bit unsigned and spread sequential keys', () => {
  const seen = new Set<number>();
  for (let i = 0; i < 1000; i++) {
    const h = hash32(i);
    assert.ok(h >= 0 && h <= 0xffffffff && Number.isInteger(h));
    seen.add(h >>> 22); // top 10 bits
  }
  assert.ok(seen.size > 600, `top bits used: ${seen.size}/1024`);
  assert.is.not(hashString('::1'), hashString('::2'));
});

test.run();
