/** Parsing ovs-vsctl's JSON (captured from Open vSwitch 3.1) and classifying its failures. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { findBridge, parseOvsState } from '../../controller/ovs/state.js';
import { classifyVsctlFailure, OvsError } from '../../controller/ovs/errors.js';
import { bridgeStatus } from '../../controller/ovs/manage.js';

// `ovs-vsctl --format=json … list Bridge -- … list Controller -- … list SSL` on a host with two bridges.
const captured = [
  '{"data":[[["uuid","5e2da479-7df6-4965-88b1-9f368488095a"],"br0",["set",[["uuid","371185e3-399c-470b-a6fb-ce187400bb85"],["uuid","931434d2-2143-4223-ab3e-1665844ac2cb"]]],"secure",["set",["OpenFlow10","OpenFlow13"]],["map",[["ofguard-target","tcp:127.0.0.1:6653"]]]],'
    + '[["uuid","8bcb18f2-161e-4297-b658-d63b81bde3c1"],"access",["set",[]],["set",[]],["set",[]],["map",[]]]],"headings":["_uuid","name","controller","fail_mode","protocols","external_ids"]}',
  '{"data":[[["uuid","931434d2-2143-4223-ab3e-1665844ac2cb"],"tcp:127.0.0.1:6653",true,"other","out-of-band",["map",[["sec_since_connect","44"],["state","ACTIVE"]]]],'
    + '[["uuid","371185e3-399c-470b-a6fb-ce187400bb85"],"tcp:192.0.2.7:6633",false,["set",[]],["set",[]],["map",[["last_error","Connection refused"],["state","BACKOFF"]]]]],"headings":["_uuid","target","is_connected","role","connection_mode","status"]}',
  '{"data":[],"headings":["private_key","certificate","ca_cert"]}',
].join('\n');

test('bridges, controllers and settings from ovs-vsctl JSON', () => {
  const state = parseOvsState(captured);
  assert.equal(state.bridges.map((b) => b.name), ['access', 'br0']);
  const br0 = findBridge(state, 'br0');
  assert.is(br0.failMode, 'secure');
  assert.equal(br0.protocols, ['OpenFlow10', 'OpenFlow13']);
  assert.equal(br0.externalIds, { 'ofguard-target': 'tcp:127.0.0.1:6653' });
  assert.equal(br0.controllers.map((c) => [c.target, c.connected, c.role, c.connectionMode, c.state]), [
    ['tcp:192.0.2.7:6633', false, undefined, undefined, 'BACKOFF'],
    ['tcp:127.0.0.1:6653', true, 'other', 'out-of-band', 'ACTIVE'],
  ]);
  const access = findBridge(state, 'access');
  assert.is(access.failMode, undefined);
  assert.equal([access.protocols, access.controllers], [[], []]);
  assert.is(state.ssl, undefined);
});

test('SSL settings are read when all three files are set', () => {
  const text = captured.split('\n').slice(0, 2).join('\n') + '\n{"data":[["/k.pem","/c.pem","/ca.pem"]],"headings":["private_key","certificate","ca_cert"]}';
  assert.equal(parseOvsState(text).ssl, { privateKey: '/k.pem', certificate: '/c.pem', caCert: '/ca.pem' });
});

test('status marks ofguard\'s controller and whether it is connected', () => {
  const [access, br0] = bridgeStatus(parseOvsState(captured), []);
  assert.equal([br0!.ofguard, br0!.ofguardConnected], [true, true]);
  assert.equal(br0!.controllers.map((c) => c.ofguard), [false, true]);
  assert.is(br0!.controllers[0]!.lastError, 'Connection refused');
  assert.equal([access!.ofguard, access!.failMode, access!.protocols], [false, 'unset (standalone)', 'default (OpenFlow10-15)']);
  assert.ok(bridgeStatus(parseOvsState(captured), ['tcp:192.0.2.7:6633'])[1]!.controllers[0]!.ofguard, 'a known target counts as ofguard');
});

test('no such bridge and bad output are OvsErrors with codes', () => {
  const state = parseOvsState(captured);
  assert.throws(() => findBridge(state, 'nope'), (e: OvsError) => e.code === 'OVS_NO_SUCH_BRIDGE' && /bridges: access, br0/.test(e.message));
  assert.throws(() => parseOvsState('ovs-vsctl: oops'), (e: OvsError) => e.code === 'OVS_BAD_OUTPUT');
});

test('ovs-vsctl failures are classified', () => {
  const code = (f: Parameters<typeof classifyVsctlFailure>[0]) => classifyVsctlFailure(f).code;
  assert.is(code({ errno: 'ENOENT', stderr: '' }), 'OVS_VSCTL_MISSING');
  assert.is(code({ stderr: 'ovs-vsctl: unix:/var/run/openvswitch/db.sock: database connection failed (No such file or directory)' }), 'OVS_NOT_RUNNING');
  assert.is(code({ stderr: 'ovs-vsctl: no row "br9" in table Bridge' }), 'OVS_NO_SUCH_BRIDGE');
  assert.is(code({ stderr: 'ovs-vsctl: no bridge named br9' }), 'OVS_NO_SUCH_BRIDGE');
  assert.is(code({ stderr: '', signal: 'SIGALRM' }), 'OVS_TIMEOUT');
  assert.is(code({ stderr: 'ovs-vsctl: something else' }), 'OVS_COMMAND_FAILED');
});

test.run();
