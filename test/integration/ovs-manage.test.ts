/**
 * `ofguard ovs connect | status | disconnect` on real bare Open vSwitch bridges (userspace
 * datapath, no Mininet, no traffic) against a real ofguard listening on a free loopback port.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { connectBridge, disconnectBridge, bridgeStatus, readOvsState } from '../../controller/ovs/manage.js';
import { systemVsctl } from '../../controller/ovs/vsctl.js';
import type { OvsError } from '../../controller/ovs/errors.js';
import { EXT } from '../../controller/ovs/plan.js';
import { startGuard, waitFor } from '../support/controller.js';
import { deleteBridges, dumpFlows, ovsRunning, vsctl } from '../support/ovs.js';
import type { Guard } from '../../controller/guard.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BRIDGES = ['ofgovs0', 'ofgovs1'];
/** Nothing listens here: a controller of "someone else" that connect must keep. */
const OTHER = 'tcp:127.0.0.1:9';
const run = systemVsctl();
const ovs = suite('ofguard ovs on Open vSwitch');

let guard: Guard;
let target: string;

ovs.before(async () => {
  if (!ovsRunning()) throw new Error('Open vSwitch is not running (ovs-vsctl show failed): run scripts/setup.sh as root');
  deleteBridges(BRIDGES);
  const started = await startGuard();
  guard = started.guard;
  target = `tcp:127.0.0.1:${started.port}`;
});

ovs.after(async () => {
  deleteBridges(BRIDGES);
  await guard?.stop();
});

function addBridge(name: string, ...settings: string[]): string {
  vsctl('add-br', name, '--', 'set', 'Bridge', name, 'datapath_type=netdev', ...settings);
  const dpid = vsctl('get', 'Bridge', name, 'datapath_id').trim().replace(/"/g, '');
  return dpid;
}

function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'controller/cli/main.ts', ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

ovs('connect a default bridge: ofguard handshakes, others kept; status shows it; disconnect restores it', async () => {
  const dpid = addBridge('ofgovs0');
  vsctl('set-controller', 'ofgovs0', OTHER);
  const plan = await connectBridge(run, 'ofgovs0', { target, failMode: 'secure', connectionMode: 'out-of-band' });
  assert.ok(plan.notes.some((n) => n.startsWith('fail mode secure')));

  await waitFor('ofgovs0 handshaken with ofguard', () => guard.controller.server.switches.has(dpid) || undefined, 20_000);
  await waitFor('pipeline installed', () => dumpFlows('ofgovs0').some((l) => /dl_type=0x88cc/.test(l)) || undefined);
  // ovs-vswitchd writes connection status to its database every few seconds.
  const status = await waitFor('ofgovs0 status shows ofguard connected', async () => bridgeStatus(await readOvsState(run), []).find((b) => b.bridge === 'ofgovs0' && b.ofguardConnected), 20_000, 250);
  assert.is(status!.failMode, 'secure');
  assert.is(status!.protocols, 'default (OpenFlow10-15)', 'empty protocols already include 1.3: left alone');
  const ours = status!.controllers.find((c) => c.ofguard)!;
  assert.equal([ours.target, ours.connected, ours.role, ours.connectionMode], [target, true, 'other', 'out-of-band']);
  assert.ok(status!.controllers.some((c) => c.target === OTHER && !c.ofguard), 'the other controller is kept');

  // The same through the command line, as an operator runs it.
  const out = await cli('ovs', 'status', '--json');
  assert.is(out.code, 0, out.stderr);
  const listed = (JSON.parse(out.stdout) as Array<{ bridge: string; ofguardConnected: boolean }>).find((b) => b.bridge === 'ofgovs0');
  assert.is(listed?.ofguardConnected, true);

  const downs: string[] = [];
  guard.controller.on('switch_down', (d) => downs.push(d));
  await disconnectBridge(run, 'ofgovs0');
  await waitFor('ofgovs0 gone from ofguard', () => downs.includes(dpid) || undefined);
  assert.is(vsctl('get-fail-mode', 'ofgovs0').trim(), '', 'fail mode back to unset');
  assert.is(vsctl('get-controller', 'ofgovs0').trim(), OTHER);
  assert.is(vsctl('get', 'Bridge', 'ofgovs0', 'external_ids').trim(), '{}');
});

ovs('a bridge limited to OpenFlow10 in standalone: 1.3 added, then both restored', async () => {
  const dpid = addBridge('ofgovs1', 'protocols=OpenFlow10', 'fail_mode=standalone');
  const out = await cli('ovs', 'connect', 'ofgovs1', '--target', target);
  assert.is(out.code, 0, out.stderr);
  assert.match(out.stdout, /fail mode secure: /, 'the command says what secure means');
  await waitFor('ofgovs1 handshaken with ofguard', () => guard.controller.server.switches.has(dpid) || undefined, 20_000);
  assert.is(vsctl('get', 'Bridge', 'ofgovs1', 'protocols').trim(), '[OpenFlow10, OpenFlow13]');
  assert.is(vsctl('get', 'Bridge', 'ofgovs1', `external_ids:${EXT.prevFailMode}`).trim(), 'standalone');

  // Connecting again keeps the record of the original settings.
  await connectBridge(run, 'ofgovs1', { target, failMode: 'secure', connectionMode: 'out-of-band' });
  assert.is(vsctl('get', 'Bridge', 'ofgovs1', `external_ids:${EXT.prevProtocols}`).trim(), 'OpenFlow10');

  const back = await cli('ovs', 'disconnect', 'ofgovs1');
  assert.is(back.code, 0, back.stderr);
  assert.is(vsctl('get-fail-mode', 'ofgovs1').trim(), 'standalone');
  assert.is(vsctl('get', 'Bridge', 'ofgovs1', 'protocols').trim(), '[OpenFlow10]');
  assert.is(vsctl('get-controller', 'ofgovs1').trim(), '');
});

ovs('clear errors: no such bridge, nothing of ofguard\'s to disconnect', async () => {
  try {
    await connectBridge(run, 'ofgovs-missing', { target, failMode: 'secure', connectionMode: 'out-of-band' });
    assert.unreachable('connect on a missing bridge');
  } catch (err) {
    assert.is((err as OvsError).code, 'OVS_NO_SUCH_BRIDGE');
  }
  const out = await cli('ovs', 'disconnect', 'ofgovs0');
  assert.is(out.code, 1);
  assert.match(out.stderr, /OVS_NOT_OFGUARD: ofgovs0 has no controller recorded as ofguard's/);
  const missing = await cli('ovs', 'status');
  assert.is(missing.code, 0);
  const noBinary = systemVsctl('/nonexistent/ovs-vsctl');
  await noBinary(['show']).then(() => assert.unreachable('no binary'), (err: OvsError) => assert.is(err.code, 'OVS_VSCTL_MISSING'));
});

ovs.run();
