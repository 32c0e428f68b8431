/**
 * The README's promises a new user acts on: the quick start is two commands with no sudo in
 * them (they elevate themselves, see controller/cli/elevate.ts and scripts/setup.sh), and
 * CI runs the README's test command, whose last line is `N passed, N failed`.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');

/** The commands of the first `sh` block after a heading, comments stripped. */
function commandsUnder(heading: string): string[] {
  const at = readme.indexOf(`\n## ${heading}`);
  assert.ok(at >= 0, `no "## ${heading}" section`);
  const block = /```sh\n([\s\S]*?)```/.exec(readme.slice(at));
  assert.ok(block, `no sh block under "${heading}"`);
  return block![1]!.split('\n').map((l) => l.replace(/#.*$/, '').trim()).filter(Boolean);
}

test('the quick start is two commands, neither behind sudo', () => {
  assert.equal(commandsUnder('Quick start'), ['scripts/setup.sh', 'bin/ofguard demo']);
});

test('setup.sh goes through sudo only when it is not root, and only for the system steps', () => {
  const setup = readFileSync(join(ROOT, 'scripts/setup.sh'), 'utf8');
  const sudoLines = setup.split('\n').filter((l) => /"\$\{as_root\[@\]\}"/.test(l)).map((l) => l.trim());
  assert.ok(sudoLines.length >= 3, sudoLines.join('\n'));
  assert.ok(sudoLines.every((l) => /debconf-set-selections|apt-get|ovs-start\.sh/.test(l)), sudoLines.join('\n'));
  assert.not.match(setup, /as_root\[@\]\}" npm/);
  const r = spawnSync('bash', ['-n', join(ROOT, 'scripts/setup.sh')], { encoding: 'utf8' });
  assert.is(r.status, 0, r.stderr);
});

test('CI runs the README\'s test command and ends with its "N passed, N failed"', () => {
  const [testCommand] = commandsUnder('Tests');
  assert.is(testCommand, 'npm test');
  const ci = readFileSync(join(ROOT, '.ci/run'), 'utf8').trim().split('\n');
  assert.is(ci.at(-1), testCommand, 'the last thing .ci/run does');
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  assert.is(pkg.scripts.test, 'node scripts/run-tests.mjs');
  const r = spawnSync(process.execPath, [join(ROOT, 'scripts/run-tests.mjs'), 'test/demo/progress.test.ts'], { cwd: ROOT, encoding: 'utf8' });
  assert.match(r.stdout.trim().split('\n').at(-1)!, /^\d+ passed, \d+ failed$/);
});

test.run();
