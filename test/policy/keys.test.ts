import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { decisionKey, describeScope, floodKey, isVictimKey, sourceText, targetOfKey, victimKey, victimOf } from '../../controller/policy/keys.js';
import type { Decision } from '../../controller/policy/decision.js';

test('victim keys: built from a destination, recognised, read back', () => {
  const k = victimKey('::ffff:10.0.0.1');
  assert.is(k, 'victim:10.0.0.1');
  assert.ok(isVictimKey(k));
  assert.not.ok(isVictimKey('10.0.0.1'));
  assert.is(victimOf(k), '10.0.0.1');
});

test('source keys into targets and targets into text', () => {
  assert.equal(targetOfKey('203.0.113.0/24'), { src: '203.0.113.0', srcPrefix: 24 });
  assert.equal(targetOfKey('2001:db8::1'), { src: '2001:db8::1' });
  assert.is(sourceText({ src: '203.0.113.0', srcPrefix: 24 }), '203.0.113.0/24');
  assert.is(sourceText({ src: '203.0.113.7' }), '203.0.113.7');
});

test('a decision is kept under its victim when it throttles one, else under its source', () => {
  const base = { id: 1, threatLevel: 'high', score: 0, trust: 0.5, signals: [] as Decision["signals"], reason: '', origin: 'auto', offence: 0, createdAt: 0, expiresAt: 1 } as const;
  assert.is(decisionKey({ ...base, action: 'throttle-victim', target: { src: '0.0.0.0', srcPrefix: 0, dst: '10.0.0.1' } } as Decision), 'victim:10.0.0.1');
  assert.is(decisionKey({ ...base, action: 'drop', target: { src: '203.0.113.9', srcPrefix: 24 } } as Decision), '203.0.113.0/24');
});

test('describeScope: a flood is where it enters toward whom, for what', () => {
  const flood = { src: '0.0.0.0', srcPrefix: 0, dst: '10.0.0.100', proto: 6, dpid: '0000000000000001', inPort: 5, flood: 'spoofed' as const, synOnly: true };
  assert.is(describeScope(flood), 'at 1:5 → 10.0.0.100 tcp-syn');
  assert.is(describeScope({ ...flood, ethSrc: '02:00:00:00:00:09' }), 'at 1:5 (02:00:00:00:00:09) → 10.0.0.100 tcp-syn');
  assert.is(describeScope({ ...flood, shared: true }), 'at 1:5 → 10.0.0.100 tcp-syn (shared entry)');
  assert.is(describeScope({ ...flood, flood: 'reflection', proto: 17, synOnly: false, srcPort: 53, dpid: '00000000000000a2' }), 'at a2:5 → 10.0.0.100 udp from :53');
  assert.is(floodKey(flood), 'flood:0000000000000001:5:*>10.0.0.100/6/syn');
  assert.is(decisionKey({ target: flood, action: 'drop' } as Decision), floodKey(flood));
});

test.run();
