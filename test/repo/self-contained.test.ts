/**
 * A plain clone carries everything its tests read (issue 10): no tracked file refers to a
 * folder beside the checkout, the conformance vectors resolve inside it, and the tests that
 * read them pass from a copy of the tracked files placed in an empty folder, where a path
 * that climbs out of the checkout finds nothing.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CONFORMANCE_OF13_DIR } from '../support/conformance.js';

const ROOT = realpathSync(fileURLToPath(new URL('../../', import.meta.url)));
// Built from parts so this file does not match itself.
const SIBLING = ['..', 'shared'].join('/');
const OUTSIDE = new RegExp(`${SIBLING.replace(/\./g, '\\.')}\\b|/work/${'shared'}\\b`);
/** The test files that read the conformance vectors. */
const READERS = ['test/openflow/conformance.test.ts', 'test/openflow/fuzz.test.ts', 'test/cli/ofp-print.test.ts'];

const tracked = (): string[] =>
  execFileSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8' }).split('\0').filter((f) => f && existsSync(join(ROOT, f)));

test('the reference pattern catches a path beside the checkout', () => {
  assert.ok(OUTSIDE.test(`join(ROOT, '${SIBLING}/conformance')`));
  assert.ok(OUTSIDE.test(`new URL('../../${SIBLING}/conformance/ryu/of13/', import.meta.url)`));
  assert.ok(OUTSIDE.test(`see \`${SIBLING}/conformance/README.md\``));
  assert.not.ok(OUTSIDE.test('test/fixtures/conformance/ryu-of13/README.md'));
  assert.not.ok(OUTSIDE.test('the engines shared the two cores'));
});

test('no tracked file refers to a folder beside the checkout', () => {
  const files = tracked();
  assert.ok(files.length > 100, `git ls-files listed ${files.length} files`);
  const hits = files.filter((f) => OUTSIDE.test(readFileSync(join(ROOT, f), 'latin1')));
  assert.equal(hits, []);
});

test('the conformance vectors resolve inside the checkout and are tracked with their license', () => {
  const rel = relative(ROOT, realpathSync(CONFORMANCE_OF13_DIR));
  assert.ok(!rel.startsWith('..') && !isAbsolute(rel), `${CONFORMANCE_OF13_DIR} is outside ${ROOT}`);
  const files = tracked().filter((f) => f.startsWith(rel + '/')).map((f) => f.slice(rel.length + 1));
  assert.equal(files.sort(), readdirSync(CONFORMANCE_OF13_DIR).sort(), 'every vector is tracked');
  assert.ok(files.includes('LICENSE') && files.includes('README.md'));
  assert.match(readFileSync(join(CONFORMANCE_OF13_DIR, 'LICENSE'), 'utf8'), /Apache License\s+Version 2\.0, January 2004/);
  assert.match(readFileSync(join(CONFORMANCE_OF13_DIR, 'README.md'), 'utf8'), /faucetsdn\/ryu[\s\S]*d6cda4f427ff8de82b94c58aa826824a106014c2/);
  assert.is(files.filter((f) => f.endsWith('.packet')).length, 104);
});

test('the tests that read the vectors pass from a copy of the tracked files with nothing beside it', () => {
  const parent = mkdtempSync(join(tmpdir(), 'ofguard-alone-'));
  try {
    const clone = join(parent, 'ofguard');
    for (const f of tracked()) {
      mkdirSync(dirname(join(clone, f)), { recursive: true });
      copyFileSync(join(ROOT, f), join(clone, f));
    }
    // Dependencies are installed, not cloned: the copy borrows this checkout's.
    symlinkSync(realpathSync(join(ROOT, 'node_modules')), join(clone, 'node_modules'));
    assert.equal(readdirSync(parent), ['ofguard']);
    for (const file of READERS) {
      const r = spawnSync(process.execPath, [join(clone, 'scripts', 'run-tests.mjs'), file], { cwd: clone, encoding: 'utf8', timeout: 120_000 });
      const summary = r.stdout.trim().split('\n').at(-1) ?? '';
      assert.is(r.status, 0, `${file} in ${clone}:\n${r.stdout}\n${r.stderr}`);
      assert.match(summary, /^[1-9]\d* passed, 0 failed$/, `${file}: ${summary}`);
    }
  } finally {
    rmSync(parent, { recursive: true, force: true });
  }
});

test.run();
