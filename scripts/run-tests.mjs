#!/usr/bin/env node
// Runs every uvu test file in its own Node process (TypeScript through tsx), so one file
// that crashes or hangs cannot take the others with it, and sums the results into the
// closing line CI reads: "N passed, N failed".
//
//   node scripts/run-tests.mjs                 all suites (lint, unit, then integration)
//   node scripts/run-tests.mjs unit            unit tests only (no root, no switch)
//   node scripts/run-tests.mjs integration     Open vSwitch + Mininet tests (root)
//   node scripts/run-tests.mjs test/openflow   one folder or file
//
// Integration tests need root: a run that includes them and is not root runs itself again
// through sudo, so `npm test` works as printed for root (no sudo needed) and for a user.
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const UNIT_TIMEOUT_MS = 5 * 60_000;
const INTEGRATION_TIMEOUT_MS = 8 * 60_000;

function testFiles(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...testFiles(path));
    else if (/\.test\.ts$/.test(name)) out.push(path);
  }
  return out;
}

const testRoot = join(root, 'test');
const integrationRoot = join(testRoot, 'integration');
const arg = process.argv[2];
let files;
if (!arg) files = testFiles(testRoot);
else if (arg === 'unit') files = testFiles(testRoot).filter((f) => !f.startsWith(integrationRoot));
else if (arg === 'integration') files = testFiles(integrationRoot);
else {
  const target = join(root, arg);
  files = statSync(target).isDirectory() ? testFiles(target) : [target];
}
// Unit files first: they are fast and tell the most when something is broken.
files.sort((a, b) => Number(a.startsWith(integrationRoot)) - Number(b.startsWith(integrationRoot)) || a.localeCompare(b));

if (process.getuid() !== 0 && files.some((f) => f.startsWith(integrationRoot))) {
  const again = spawnSync('sudo', ['--', process.execPath, ...process.argv.slice(1)], { stdio: 'inherit' });
  if (again.error?.code !== 'ENOENT') process.exit(again.status ?? 1);
  console.log('[run-tests] the integration tests need root and there is no sudo here: they will fail (run as root)');
}

function runFile(file) {
  const timeout = file.startsWith(integrationRoot) ? INTEGRATION_TIMEOUT_MS : UNIT_TIMEOUT_MS;
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(process.execPath, ['--import', 'tsx', file], {
      cwd: root,
      env: { ...process.env, FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => { output += d; });
    child.stderr.on('data', (d) => { output += d; });
    const timer = setTimeout(() => { output += `\n[run-tests] timed out after ${timeout} ms\n`; child.kill('SIGKILL'); }, timeout);
    child.on('close', (code) => {
      clearTimeout(timer);
      const num = (label) => { const m = output.match(new RegExp(`${label}:\\s+(\\d+)`)); return m ? Number(m[1]) : undefined; };
      const total = num('Total'); const passed = num('Passed'); const skipped = num('Skipped') ?? 0;
      let failed;
      if (total === undefined || passed === undefined) failed = 1; // crashed before uvu's summary
      else failed = total - passed - skipped;
      if (code !== 0 && failed === 0) failed = 1; // a non-zero exit is never a pass
      resolve({ file, passed: passed ?? 0, failed, skipped, code, ms: Date.now() - started, output });
    });
  });
}

let passed = 0, failed = 0, skipped = 0;
// The whole run lints the tree first and counts it as one check: CI's total includes it.
if (!arg) {
  const started = Date.now();
  const lint = spawnSync(process.execPath, [join(root, 'node_modules/eslint/bin/eslint.js'), '.'], { cwd: root, encoding: 'utf8' });
  const ok = lint.status === 0;
  if (ok) passed++;
  else failed++;
  console.log(`${ok ? 'ok  ' : 'FAIL'} lint: eslint .  (${(Date.now() - started) / 1000 | 0} s)`);
  if (!ok) console.log(`${lint.stdout ?? ''}${lint.stderr ?? ''}`.split('\n').map((l) => '    ' + l).join('\n'));
}
for (const file of files) {
  const r = await runFile(file);
  passed += r.passed; failed += r.failed; skipped += r.skipped;
  const mark = r.failed ? 'FAIL' : 'ok  ';
  console.log(`${mark} ${relative(root, file)}  (${r.passed} passed, ${r.failed} failed${r.skipped ? `, ${r.skipped} skipped` : ''}; ${(r.ms / 1000).toFixed(1)} s)`);
  if (r.failed || process.env.OFGUARD_TEST_VERBOSE) console.log(r.output.split('\n').map((l) => '    ' + l).join('\n'));
}
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed ? 1 : 0);
