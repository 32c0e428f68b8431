/**
 * Commands that need root run as printed for root without sudo and for a user with sudo:
 * root carries on in place, anyone else runs the same command line again through sudo,
 * and a non-root shell without sudo gets a message saying to run it as root.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { rerunAsRootUnlessRoot } from '../../controller/cli/elevate.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'ofguard-elevate-'));
const log = join(dir, 'sudo.log');
// Stands in for sudo: records what it was asked to run and exits with a code of its own.
const fakeSudo = join(dir, 'sudo');
writeFileSync(fakeSudo, `#!/bin/sh\nprintf '%s\\n' "$@" > '${log}'\nexit 7\n`);
chmodSync(fakeSudo, 0o755);
// Makes the CLI under test see a user's uid whoever runs the suite (root in CI).
const asUser = join(dir, 'as-user.mjs');
writeFileSync(asUser, 'process.getuid = () => 1000;\n');
const why = 'ofguard demo builds a Mininet network on Open vSwitch';

test('root carries on in place: sudo is not run', async () => {
  writeFileSync(log, '');
  const code = await rerunAsRootUnlessRoot({ why, hint: 'bin/ofguard demo', uid: 0, sudo: fakeSudo, commandLine: ['/usr/bin/node', 'bin/ofguard', 'demo'] });
  assert.is(code, undefined);
  assert.is(readFileSync(log, 'utf8'), '');
});

test('not root: the same command line runs through sudo and its exit code is returned', async () => {
  const code = await rerunAsRootUnlessRoot({ why, hint: 'bin/ofguard demo', uid: 1000, sudo: fakeSudo, commandLine: ['/usr/bin/node', '--import', 'tsx', 'bin/ofguard', 'demo', '--scale', '0.5'] });
  assert.is(code, 7);
  assert.equal(readFileSync(log, 'utf8').trim().split('\n'), ['--', '/usr/bin/node', '--import', 'tsx', 'bin/ofguard', 'demo', '--scale', '0.5']);
});

test('not root and no sudo: refused with a message that says to run it as root', async () => {
  let said = '';
  const code = await rerunAsRootUnlessRoot({ why, hint: 'bin/ofguard demo', uid: 1000, sudo: join(dir, 'no-such-sudo'), commandLine: ['/usr/bin/node', 'x'], stderr: (t) => { said += t; } });
  assert.is(code, 2);
  assert.is(said, 'ofguard demo builds a Mininet network on Open vSwitch and needs root; there is no sudo here: run it as root (bin/ofguard demo)\n');
});

test('`ofguard demo` typed by a user runs itself again through the sudo on PATH', () => {
  writeFileSync(log, '');
  const cli = [process.execPath, '--import', 'tsx', '--import', asUser, join(ROOT, 'controller/cli/main.ts'), 'demo', '--out', join(dir, 'out')];
  const r = spawnSync(cli[0]!, cli.slice(1), { cwd: ROOT, encoding: 'utf8', env: { PATH: `${dir}:/usr/bin:/bin`, HOME: dir } });
  assert.is(r.status, 7, r.stderr);
  assert.equal(readFileSync(log, 'utf8').trim().split('\n'), ['--', ...cli]);
});

test.run();
