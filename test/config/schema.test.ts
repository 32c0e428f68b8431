/** openflow.limits in the config file: defaults from switch/limits.ts, bad values named by path. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ConfigError, parseConfig } from '../../controller/config/load.js';
import { defaultPortLimits } from '../../controller/switch/limits.js';

function problemsOf(input: unknown): Record<string, string> {
  try {
    parseConfig(input);
  } catch (err) {
    assert.instance(err, ConfigError);
    return Object.fromEntries((err as ConfigError).problems.map((p) => [p.path, p.reason]));
  }
  throw new Error('expected the config to be rejected');
}

test('openflow.limits defaults are the port limits the switch layer documents', () => {
  assert.equal(parseConfig({}).openflow.limits, { ...defaultPortLimits });
});

test('openflow.limits fields override one by one', () => {
  const c = parseConfig({ openflow: { limits: { maxConnectionsPerPeer: 8, handshakeTimeoutMs: 3000 } } });
  assert.equal(c.openflow.limits, { ...defaultPortLimits, maxConnectionsPerPeer: 8, handshakeTimeoutMs: 3000 });
});

test('bad openflow.limits are named by path', () => {
  const p = problemsOf({ openflow: { limits: { handshakeTimeoutMs: 0, minReadBytesPerSec: 1.5, messageGraceMs: 'x', maxConnections: -1, bogus: 1 } } });
  assert.match(p['openflow.limits.handshakeTimeoutMs']!, />=100/);
  assert.match(p['openflow.limits.minReadBytesPerSec']!, /int/);
  assert.match(p['openflow.limits.messageGraceMs']!, /expected number/);
  assert.match(p['openflow.limits.maxConnections']!, />=1/);
  assert.match(p['openflow.limits.bogus']!, /unknown field/);
});

test('a per-peer cap above the total cap is refused', () => {
  const p = problemsOf({ openflow: { limits: { maxConnections: 10, maxConnectionsPerPeer: 11 } } });
  assert.equal(p, { 'openflow.limits.maxConnectionsPerPeer': 'maxConnectionsPerPeer must not exceed maxConnections' });
});

test.run();
