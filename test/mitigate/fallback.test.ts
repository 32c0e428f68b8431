import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { degrade } from '../../controller/mitigate/fallback.js';
import { decision } from './helpers.js';

const rateLimit = decision(1, { action: 'rate-limit', rate: { unit: 'pktps', rate: 50 }, target: { proto: 6, dstPort: 22 } });

test('no meter: rate limit → selective drop when the protocol is known, else drop, per config', () => {
  const selective = degrade(rateLimit, ['no-meter'], 'selective-drop')!;
  assert.is(selective.action, 'selective-drop');
  assert.is(selective.rate, undefined);
  assert.is(selective.id, 1, 'keeps its id (its cookie)');
  assert.is(degrade(rateLimit, ['no-meter'], 'drop')!.action, 'drop');
  assert.is(degrade(decision(2, { action: 'rate-limit', rate: { unit: 'pktps', rate: 5 } }), ['no-meter'], 'selective-drop')!.action, 'drop');
});

test('no meter: a victim throttle is not turned into a drop of the victim', () => {
  assert.is(degrade(decision(3, { action: 'throttle-victim', target: { dst: '10.0.0.5' } }), ['no-meter'], 'drop'), undefined);
});

test('aggregate: /24 for IPv4, /64 for IPv6; nothing coarser for a network already that wide', () => {
  assert.equal(degrade(decision(1, { target: { src: '203.0.113.7', dst: '10.0.0.1', dstPort: 80 } }), ['aggregate'], 'drop')!.target, { src: '203.0.113.0', srcPrefix: 24 });
  assert.equal(degrade(decision(1, { target: { src: '2001:db8:1:2:3::9' } }), ['aggregate'], 'drop')!.target, { src: '2001:db8:1:2::', srcPrefix: 64 });
  assert.is(degrade(decision(1, { target: { src: '203.0.113.0', srcPrefix: 16 } }), ['aggregate'], 'drop'), undefined);
});

test('fallbacks compose in order', () => {
  const both = degrade(rateLimit, ['no-meter', 'aggregate'], 'selective-drop')!;
  assert.is(both.action, 'selective-drop');
  assert.equal(both.target, { src: '203.0.113.0', srcPrefix: 24, proto: 6 });
  assert.is(degrade(rateLimit, [], 'drop'), rateLimit);
});

test.run();
