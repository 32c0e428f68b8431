/**
 * The operator subcommands as a user runs them: the real CLI process against an API
 * served in this process (a Guard on port 0 with no switch), and against nothing.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Guard } from '../../controller/guard.js';
import { systemClock } from '../../controller/clock.js';
import { silentLogger } from '../../controller/log.js';
import { parseConfig } from '../../controller/config/load.js';
import { startApi, type RunningApi } from '../../controller/api/index.js';
import { formatScope, formatSeconds, parseDuration, table } from '../../controller/cli/format.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MAIN = join(ROOT, 'controller/cli/main.ts');
// Until main.ts registers the operator commands, a minimal entry does what it will do.
const ENTRY = readFileSync(MAIN, 'utf8').includes('registerOperatorCommands')
  ? [MAIN]
  : [
      '--input-type=module',
      '-e',
      `import { Command } from 'commander';
       import { registerOperatorCommands } from ${JSON.stringify(join(ROOT, 'controller/cli/commands.ts'))};
       const program = new Command().name('ofguard');
       registerOperatorCommands(program);
       await program.parseAsync(process.argv.slice(1), { from: 'user' });`,
    ];

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Asynchronous on purpose: the API answering the CLI runs in this process. */
function ofguard(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', ...ENTRY, ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b) => (stdout += b));
    child.stderr.on('data', (b) => (stderr += b));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

let guard: Guard;
let api: RunningApi;
let dataDir: string;
let common: string[];

test.before(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'ofguard-cli-'));
  guard = new Guard({ controller: { port: 0, host: '127.0.0.1' }, dataDir, clock: systemClock, logger: silentLogger, tickMs: 60_000 });
  await guard.start();
  api = await startApi(guard, parseConfig({ dataDir, api: { port: 0 } }));
  common = ['--api', api.url, '--data', dataDir];
});
test.after(async () => {
  await api.close();
  await guard.stop();
});

test('format helpers', () => {
  assert.is(formatSeconds(3725), '1h2m');
  assert.is(formatSeconds(59), '59s');
  assert.is(formatSeconds(90_000), '1d1h');
  assert.is(parseDuration('1h30m'), 5400);
  assert.is(parseDuration('90'), 90);
  assert.is(parseDuration('5x'), undefined);
  assert.is(parseDuration('0s'), undefined);
  assert.is(formatScope({ src: '203.0.113.9', proto: 6, dstPort: 22 }), 'tcp/22');
  assert.is(formatScope({ src: '203.0.113.9' }), 'all');
  assert.is(table(['A', 'BB'], [['xyz', '1']]), 'A    BB\n---  --\nxyz  1');
});

test('block → decisions list → unblock through the CLI, with tables and --json', async () => {
  const blocked = await ofguard(['block', '203.0.113.50', '--duration', '10m', '--reason', 'cli test', ...common]);
  assert.is(blocked.code, 0, blocked.stderr);
  assert.match(blocked.stdout, /in force  #\d+ 203\.0\.113\.50 drop \(all\) for 10m0s/);

  const list = await ofguard(['decisions', 'list', ...common]);
  assert.is(list.code, 0, list.stderr);
  const [header, , row] = list.stdout.split('\n');
  assert.match(header!, /^ID\s+SOURCE\s+SCOPE\s+ACTION\s+REASON\s+SCORE\s+REMAINING\s+ORIGIN$/);
  assert.match(row!, /^\d+\s+203\.0\.113\.50\s+all\s+drop\s+admin api: cli test\s+0\s+(10m0s|9m5\ds)\s+admin$/);

  const json = await ofguard(['decisions', 'list', '--json', ...common]);
  const decisions = JSON.parse(json.stdout).decisions;
  assert.is(decisions.length, 1);
  assert.is(decisions[0].source, '203.0.113.50');

  const unblocked = await ofguard(['unblock', '203.0.113.50', ...common]);
  assert.is(unblocked.code, 0, unblocked.stderr);
  assert.match(unblocked.stdout, new RegExp(`ended     #${decisions[0].id} 203\\.0\\.113\\.50 drop`));
  assert.is(guard.policy.activeDecisions().length, 0);
});

test('status and the API refusing an id: exit 1 with its message', async () => {
  const status = await ofguard(['status', ...common]);
  assert.is(status.code, 0, status.stderr);
  assert.match(status.stdout, /^up \d+s, 0 switch\(es\), 0 active decision\(s\)/);
  const missing = await ofguard(['decisions', 'delete', '424242', ...common]);
  assert.is(missing.code, 1);
  assert.match(missing.stderr, /decision 424242 is not active/);
});

test('usage errors exit 2 and send nothing', async () => {
  const before = guard.store.audit().length;
  for (const args of [['block'], ['block', '203.0.113.9', '--duration', 'soon'], ['block', '203.0.113.9', '--action', 'nuke'], ['decisions', 'delete', 'abc']]) {
    const r = await ofguard([...args, ...common]);
    assert.is(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
  }
  assert.is(guard.store.audit().length, before);
});

test('a wrong token is named with a hint', async () => {
  const r = await ofguard(['status', '--api', api.url], { OFGUARD_API_TOKEN: 'f'.repeat(64) });
  assert.is(r.code, 1);
  assert.match(r.stderr, /missing or wrong bearer token/);
});

test('when nothing listens: the "is it running?" message, exit 1', async () => {
  const empty = mkdtempSync(join(tmpdir(), 'ofguard-cli-none-'));
  const r = await ofguard(['top', '--api', 'http://127.0.0.1:1', '--data', empty]);
  assert.is(r.code, 1);
  assert.is(r.stderr.trim(), 'ofguard: cannot reach ofguard at http://127.0.0.1:1 — is it running? start it with: sudo bin/ofguard start');
});

test('config check: "ok", or each problem as "path: reason" and exit 1', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ofguard-cli-config-'));
  const good = join(dir, 'good.json');
  const bad = join(dir, 'bad.json');
  writeFileSync(good, JSON.stringify({ api: { port: 7000 }, policy: { whitelist: ['10.0.0.0/8'] } }));
  writeFileSync(bad, JSON.stringify({ api: { port: 'x' }, enforcement: { scope: 'everywhere' }, bogus: 1 }));
  const okRun = await ofguard(['config', 'check', good]);
  assert.is(okRun.code, 0, okRun.stderr);
  assert.is(okRun.stdout, 'ok\n');
  const badRun = await ofguard(['config', 'check', bad]);
  assert.is(badRun.code, 1);
  assert.equal(badRun.stdout.trim().split('\n'), [
    'api.port: Invalid input: expected number, received string',
    'enforcement.scope: Invalid option: expected one of "ingress"|"all"',
    'bogus: unknown field (misspelt?)',
  ]);
});

test.run();
