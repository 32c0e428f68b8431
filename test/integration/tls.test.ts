/**
 * Mutual TLS between Open vSwitch and ofguard (issue §7), with certificates made by
 * `ovs-pki` in a temporary folder: a switch whose certificate the switch CA signed
 * connects over ssl: and gets ofguard's pipeline; a switch whose certificate another CA
 * signed is refused during the TLS handshake, with the reason logged.
 * `set-ssl` is global to Open vSwitch: it is removed (`del-ssl`) in teardown.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { startGuard, sleep, waitFor } from '../support/controller.js';
import { deleteBridges, dumpFlows, ovsRunning, vsctl } from '../support/ovs.js';
import { connectBridge } from '../../controller/ovs/manage.js';
import { systemVsctl } from '../../controller/ovs/vsctl.js';
import type { Guard } from '../../controller/guard.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BRIDGES = ['ofgtls0', 'ofgtls1'];
const tls = suite('mutual TLS with Open vSwitch');

let dir: string;
let guard: Guard;
let port: number;
const logLines: Array<{ msg: string; err?: string; [k: string]: unknown }> = [];

/**
 * `ovs-pki` in the temp folder: its CAs under `pki`, its own log, files named by a short
 * prefix relative to the folder (the prefix becomes the certificate's CN, at most 64 bytes).
 */
function pki(pkiDir: string, ...args: string[]): void {
  execFileSync('ovs-pki', [`--dir=${pkiDir}`, `--log=${join(dir, 'ovs-pki.log')}`, ...args], { cwd: dir, stdio: 'ignore', timeout: 60_000 });
}

tls.before(async () => {
  if (!ovsRunning()) throw new Error('Open vSwitch is not running (ovs-vsctl show failed): run scripts/setup.sh as root');
  deleteBridges(BRIDGES);
  dir = mkdtempSync(join(tmpdir(), 'ofguard-tls-'));
  pki(join(dir, 'pki'), 'init');
  pki(join(dir, 'pki'), 'req+sign', 'ctl', 'controller');
  pki(join(dir, 'pki'), 'req+sign', 'sc', 'switch');
  // A second, unrelated PKI: its switch certificate must not be accepted.
  pki(join(dir, 'rogue-pki'), 'init');
  pki(join(dir, 'rogue-pki'), 'req+sign', 'rogue', 'switch');
  const logger = pino({ level: 'info' }, { write: (s: string) => void logLines.push(JSON.parse(s)) });
  const started = await startGuard({
    logger,
    controller: {
      tls: {
        key: readFileSync(join(dir, 'ctl-privkey.pem')),
        cert: readFileSync(join(dir, 'ctl-cert.pem')),
        ca: readFileSync(join(dir, 'pki', 'switchca', 'cacert.pem')),
        requestCert: true,
        rejectUnauthorized: true,
      },
    },
  });
  guard = started.guard;
  port = started.port;
});

tls.after(async () => {
  deleteBridges(BRIDGES);
  try { vsctl('del-ssl'); } catch { /* nothing was set */ }
  await guard?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function addBridge(name: string): string {
  vsctl('add-br', name, '--', 'set', 'Bridge', name, 'datapath_type=netdev');
  return vsctl('get', 'Bridge', name, 'datapath_id').trim().replace(/"/g, '');
}

tls('a switch with a certificate from the switch CA connects over ssl: and gets the pipeline', async () => {
  const dpid = addBridge('ofgtls0');
  const out = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'controller/cli/main.ts', 'ovs', 'connect', 'ofgtls0', '--target', `ssl:127.0.0.1:${port}`,
      '--private-key', join(dir, 'sc-privkey.pem'), '--certificate', join(dir, 'sc-cert.pem'), '--ca-cert', join(dir, 'pki', 'controllerca', 'cacert.pem')],
    { cwd: ROOT, encoding: 'utf8', timeout: 60_000 }, (err, stdout, stderr) => resolve({ code: err ? 1 : 0, stdout, stderr }));
  });
  assert.is(out.code, 0, out.stderr);
  assert.match(out.stdout, /TLS: the switch presents/);
  const conn = await waitFor('ofgtls0 handshaken over TLS', () => guard.controller.server.switches.get(dpid), 20_000);
  assert.ok(conn.features, 'features reply received');
  const flows = await waitFor('pipeline in tables 0, 1 and 2', () => {
    const f = dumpFlows('ofgtls0');
    return f.some((l) => /dl_type=0x88cc/.test(l)) && f.some((l) => /table=1,/.test(l)) && f.some((l) => /table=2,/.test(l)) ? f : undefined;
  });
  assert.ok(flows.some((l) => /^cookie=0xf6d010000000000, priority=0 actions=goto_table:1$/.test(l)), 'guard table default');
  assert.match(vsctl('get-controller', 'ofgtls0'), new RegExp(`ssl:127\\.0\\.0\\.1:${port}`));
  deleteBridges(['ofgtls0']);
});

tls('a switch certificate signed by another CA is refused, with the reason logged', async () => {
  // The rogue switch still trusts ofguard's CA: only its own certificate is wrong.
  await connectBridge(systemVsctl(), addBridge('ofgtls1') && 'ofgtls1', {
    target: `ssl:127.0.0.1:${port}`, failMode: 'secure', connectionMode: 'out-of-band',
    ssl: { privateKey: join(dir, 'rogue-privkey.pem'), certificate: join(dir, 'rogue-cert.pem'), caCert: join(dir, 'pki', 'controllerca', 'cacert.pem') },
  });
  const refused = await waitFor('a refused TLS handshake logged', () => logLines.find((l) => l.msg === 'TLS handshake with switch failed'), 20_000);
  // The verification error itself is logged, not just a hang-up.
  assert.match(String(refused.err), /UNABLE_TO_VERIFY|certificate|self.signed|unable to/i);
  await sleep(2000); // the switch keeps retrying; none of its tries may get through
  const dpid = vsctl('get', 'Bridge', 'ofgtls1', 'datapath_id').trim().replace(/"/g, '');
  assert.not.ok(guard.controller.server.switches.has(dpid), 'no switch_up for the rogue switch');
  assert.is(dumpFlows('ofgtls1').filter((l) => /cookie=0xf6d/.test(l)).length, 0, 'no ofguard flows on it');
});

tls.run();
