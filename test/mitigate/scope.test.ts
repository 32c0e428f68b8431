import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { scopeFor } from '../../controller/mitigate/scope.js';
import { decision } from './helpers.js';

const switches = ['s1', 's2', 's3'];
const ingress = new Map([
  ['203.0.113.7', new Set(['s2'])],
  ['198.51.100.0/24', new Set(['s1', 's3'])],
]);

test('ingress: the switch the decision names', () => {
  assert.equal(scopeFor(decision(1, { target: { dpid: 's3', inPort: 4 } }), { mode: 'ingress', switches, ingress }), { dpids: ['s3'], basis: 'named' });
});

test('ingress: where the source was seen entering (host and subnet keys)', () => {
  assert.equal(scopeFor(decision(1), { mode: 'ingress', switches, ingress }), { dpids: ['s2'], basis: 'ingress' });
  assert.equal(scopeFor(decision(2, { target: { src: '198.51.100.0', srcPrefix: 24 } }), { mode: 'ingress', switches, ingress }).dpids, ['s1', 's3']);
});

test('ingress: everywhere when nobody saw the source, and for victim throttles', () => {
  const everywhere = { dpids: switches, basis: 'everywhere' };
  assert.equal(scopeFor(decision(1, { target: { src: '192.0.2.1' } }), { mode: 'ingress', switches, ingress }), everywhere);
  assert.equal(scopeFor(decision(1, { target: { src: '192.0.2.1' } }), { mode: 'ingress', switches }), everywhere);
  assert.equal(scopeFor(decision(1, { action: 'throttle-victim', target: { dst: '10.0.0.5' } }), { mode: 'ingress', switches, ingress }), everywhere);
});

test('all: every switch, even for a decision that names one', () => {
  assert.equal(scopeFor(decision(1, { target: { dpid: 's3' } }), { mode: 'all', switches, ingress }), { dpids: switches, basis: 'everywhere' });
});

test.run();
