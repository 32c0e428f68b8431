/** Planning connect and disconnect: the ovs-vsctl transaction for each starting point. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EXT, parseTarget, planConnect, planDisconnect, transactionArgs, type ConnectRequest } from '../../controller/ovs/plan.js';
import type { BridgeState } from '../../controller/ovs/state.js';
import type { OvsError } from '../../controller/ovs/errors.js';

const req: ConnectRequest = { target: 'tcp:127.0.0.1:6653', failMode: 'secure', connectionMode: 'out-of-band' };

function bridge(over: Partial<BridgeState> = {}): BridgeState {
  return { uuid: 'b-1', name: 'br0', protocols: [], controllers: [], externalIds: {}, ...over };
}

test('targets: tcp and ssl with IPv4 or bracketed IPv6, nothing else', () => {
  assert.equal(parseTarget('ssl:[2001:db8::1]:6653'), { kind: 'ssl', host: '2001:db8::1', port: 6653 });
  assert.equal(parseTarget('tcp:127.0.0.1:6653'), { kind: 'tcp', host: '127.0.0.1', port: 6653 });
  for (const bad of ['tcp:127.0.0.1', 'udp:1.2.3.4:1', 'tcp:1.2.3:6653', 'tcp:1.2.3.4:70000', 'tcp:host.example:6653', 'tcp:2001:db8::1:6653', 'ptcp:6653']) {
    assert.throws(() => parseTarget(bad), (e: OvsError) => e.code === 'OVS_BAD_TARGET', bad);
  }
});

test('connect on a fresh bridge: add the controller, secure, record the original settings', () => {
  const plan = planConnect(bridge(), undefined, req);
  assert.equal(plan.commands, [
    ['--id=@ofguard', 'create', 'Controller', 'target="tcp:127.0.0.1:6653"', 'connection_mode=out-of-band'],
    ['add', 'Bridge', 'br0', 'controller', '@ofguard'],
    ['set-fail-mode', 'br0', 'secure'],
    ['set', 'Bridge', 'br0', `external_ids:${EXT.prevFailMode}=unset`],
    ['set', 'Bridge', 'br0', `external_ids:${EXT.target}="tcp:127.0.0.1:6653"`],
  ]);
  assert.ok(plan.notes.some((n) => n.startsWith('fail mode secure: ')), 'says what secure means');
  assert.ok(plan.notes.some((n) => /default \(OpenFlow 1\.0 to 1\.5, 1\.3 included\)/.test(n)));
});

test('connect keeps other controllers and protocols, adding OpenFlow13', () => {
  const plan = planConnect(bridge({ failMode: 'standalone', protocols: ['OpenFlow10'], controllers: [{ uuid: 'c-9', target: 'tcp:192.0.2.7:6633', connected: true }] }), undefined, { ...req, failMode: 'standalone' });
  assert.equal(plan.commands.slice(2), [
    ['set', 'Bridge', 'br0', 'protocols=OpenFlow10,OpenFlow13'],
    ['set', 'Bridge', 'br0', `external_ids:${EXT.prevProtocols}="OpenFlow10"`],
    ['set', 'Bridge', 'br0', `external_ids:${EXT.prevFailMode}=standalone`],
    ['set', 'Bridge', 'br0', `external_ids:${EXT.target}="tcp:127.0.0.1:6653"`],
  ], 'no set-fail-mode: already standalone');
  assert.ok(plan.commands.every((c) => c[0] !== 'set-controller' && c[0] !== 'del-controller'), 'other controllers untouched');
  assert.ok(plan.notes.some((n) => n.includes('kept: tcp:192.0.2.7:6633')));
  assert.ok(plan.notes.some((n) => n.startsWith('fail mode standalone: ')));
});

test('a second connect does not overwrite the recorded original; a new target replaces the old one', () => {
  const connected = bridge({
    failMode: 'secure',
    controllers: [{ uuid: 'c-1', target: 'tcp:127.0.0.1:6653', connected: true }],
    externalIds: { [EXT.target]: 'tcp:127.0.0.1:6653', [EXT.prevFailMode]: 'unset' },
  });
  assert.equal(planConnect(connected, undefined, req).commands, [
    ['set', 'Controller', 'c-1', 'connection_mode=out-of-band'],
    ['set', 'Bridge', 'br0', `external_ids:${EXT.target}="tcp:127.0.0.1:6653"`],
  ]);
  const moved = planConnect(connected, undefined, { ...req, target: 'tcp:127.0.0.1:7000' }).commands;
  assert.equal(moved[0], ['remove', 'Bridge', 'br0', 'controller', 'c-1']);
  assert.not.ok(moved.some((c) => c.some((a) => a.includes(EXT.prevFailMode))));
});

test('ssl targets need switch TLS files, given or already set', () => {
  const ssl = { privateKey: '/pki/sc-privkey.pem', certificate: '/pki/sc-cert.pem', caCert: '/pki/controllerca/cacert.pem' };
  assert.throws(() => planConnect(bridge(), undefined, { ...req, target: 'ssl:127.0.0.1:6653' }), (e: OvsError) => e.code === 'OVS_SSL_NOT_CONFIGURED');
  assert.equal(planConnect(bridge(), undefined, { ...req, target: 'ssl:127.0.0.1:6653', ssl }).commands[0], ['set-ssl', ssl.privateKey, ssl.certificate, ssl.caCert]);
  assert.is(planConnect(bridge(), ssl, { ...req, target: 'ssl:127.0.0.1:6653' }).commands[0]![1], 'create', 'already configured: kept');
});

test('disconnect removes only ofguard\'s controller and restores what was recorded', () => {
  const connected = bridge({
    failMode: 'secure', protocols: ['OpenFlow10', 'OpenFlow13'],
    controllers: [{ uuid: 'c-9', target: 'tcp:192.0.2.7:6633', connected: true }, { uuid: 'c-1', target: 'tcp:127.0.0.1:6653', connected: true }],
    externalIds: { [EXT.target]: 'tcp:127.0.0.1:6653', [EXT.prevFailMode]: 'standalone', [EXT.prevProtocols]: 'OpenFlow10', other: 'x' },
  });
  const plan = planDisconnect(connected);
  assert.equal(plan.commands, [
    ['remove', 'Bridge', 'br0', 'controller', 'c-1'],
    ['set-fail-mode', 'br0', 'standalone'],
    ['set', 'Bridge', 'br0', 'protocols=OpenFlow10'],
    ['remove', 'Bridge', 'br0', 'external_ids', EXT.target, EXT.prevFailMode, EXT.prevProtocols],
  ]);
  assert.ok(plan.notes[0]!.includes('kept: tcp:192.0.2.7:6633'));
  const unset = planDisconnect(bridge({ failMode: 'secure', externalIds: { [EXT.target]: 't', [EXT.prevFailMode]: 'unset', [EXT.prevProtocols]: '' } }));
  assert.equal(unset.commands.slice(0, 2), [['del-fail-mode', 'br0'], ['clear', 'Bridge', 'br0', 'protocols']]);
});

test('disconnect with nothing recorded needs --target, and leaves the fail mode alone', () => {
  assert.throws(() => planDisconnect(bridge()), (e: OvsError) => e.code === 'OVS_NOT_OFGUARD');
  const plan = planDisconnect(bridge({ failMode: 'secure', controllers: [{ uuid: 'c-1', target: 'tcp:127.0.0.1:6653', connected: false }] }), 'tcp:127.0.0.1:6653');
  assert.equal(plan.commands, [['remove', 'Bridge', 'br0', 'controller', 'c-1']]);
  assert.ok(plan.notes.some((n) => n.includes('fail mode left at secure')));
});

test('commands join into one transaction', () => {
  assert.equal(transactionArgs([['a', '1'], ['b'], ['c', '2']]), ['a', '1', '--', 'b', '--', 'c', '2']);
});

test.run();
