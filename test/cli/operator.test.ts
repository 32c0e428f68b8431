/**
 * The operator subcommands as a user runs them: the real CLI process against an API
 * served in this process (a Guard on port 0 with no switch), and against nothing.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Guard } from '../../controller/guard.js';
import { systemClock } from '../../controller/clock.js';
import { silentLogger } from '../../controller/log.js';
import { parseConfig } from '../../controller/config/load.js';
import { startApi, type RunningApi } from '../../controller/api/index.js';
import { describeScope } from '../../controller/policy/keys.js';
import { flattenLeaves, formatSeconds, parseAssignment, parseDuration, table } from '../../controller/cli/format.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MAIN = join(ROOT, 'controller/cli/main.ts');
interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the CLI from source (through tsx) or, with `binary`, the built `bin/ofguard` that
 * users run. Asynchronous on purpose: the API answering the CLI runs in this process.
 */
function ofguard(args: string[], env: Record<string, string> = {}, binary = false): Promise<Run> {
  return new Promise((resolve, reject) => {
    const argv = binary ? [join(ROOT, 'bin/ofguard'), ...args] : ['--import', 'tsx', MAIN, ...args];
    const child = spawn(process.execPath, argv, {
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
  assert.is(describeScope({ src: '203.0.113.9', proto: 6, dstPort: 22 }), 'tcp/22');
  assert.is(describeScope({ src: '203.0.113.9' }), 'all');
  assert.is(describeScope({ src: '203.0.113.9', dpid: '0000000000000001', inPort: 3, entry: true }), 'at 1:3');
  assert.is(table(['A', 'BB'], [['xyz', '1']]), 'A    BB\n---  --\nxyz  1');
  assert.equal(parseAssignment('durations.lowMs=600'), ['durations.lowMs', 600]);
  assert.equal(parseAssignment('whitelist=["10.0.0.0/8"]'), ['whitelist', ['10.0.0.0/8']]);
  assert.equal(parseAssignment('a.b=x=y'), ['a.b', 'x=y'], 'text that is not JSON stays text');
  for (const bad of ['nothing', '=5', 'a..b=1']) assert.is(parseAssignment(bad), undefined, bad);
  assert.equal(flattenLeaves({ a: { b: 1, c: [1, 2] }, d: 'x' }), [['a.b', '1'], ['a.c', '[1,2]'], ['d', '"x"']]);
});

test('block → decisions list → unblock through the CLI, with tables and --json', async () => {
  const blocked = await ofguard(['block', '203.0.113.50', '--duration', '10m', '--reason', 'cli test', ...common]);
  assert.is(blocked.code, 0, blocked.stderr);
  assert.match(blocked.stdout, /in force {2}#\d+ 203\.0\.113\.50 drop \(all\) for 10m0s/);

  const list = await ofguard(['decisions', 'list', ...common]);
  assert.is(list.code, 0, list.stderr);
  const [header, , row] = list.stdout.split('\n');
  assert.match(header!, /^ID\s+SOURCE\s+SCOPE\s+ACTION\s+REASON\s+SCORE\s+REMAINING\s+ORIGIN$/);
  assert.match(row!, /^\d+\s+203\.0\.113\.50\s+all\s+drop\s+admin api: cli test\s+0\s+(10m0s|9m[0-5]\ds)\s+admin$/);

  const json = await ofguard(['decisions', 'list', '--json', ...common]);
  const decisions = JSON.parse(json.stdout).decisions;
  assert.is(decisions.length, 1);
  assert.is(decisions[0].source, '203.0.113.50');

  const unblocked = await ofguard(['unblock', '203.0.113.50', ...common]);
  assert.is(unblocked.code, 0, unblocked.stderr);
  assert.match(unblocked.stdout, new RegExp(`ended     #${decisions[0].id} 203\\.0\\.113\\.50 drop`));
  assert.is(guard.policy.activeDecisions().length, 0);
});

test('policy get / set / versions through the CLI', async () => {
  const got = await ofguard(['policy', 'get', ...common]);
  assert.is(got.code, 0, got.stderr);
  assert.match(got.stdout, /^policy version 0, from the config file\n/);
  assert.match(got.stdout, /\ndurations\.lowMs\s+60000\n/);
  assert.match(got.stdout, /\nwhitelist\s+\[\]\n/);

  const set = await ofguard(['policy', 'set', 'durations.lowMs=120000', 'response.rateLimitPps=50', '--reason', 'calmer', '--if-version', '0', ...common]);
  assert.is(set.code, 0, set.stderr);
  assert.is(set.stdout, 'policy version 1: durations.lowMs=120000 response.rateLimitPps=50 (changed durations.lowMs, response.rateLimitPps)\n');
  assert.is(guard.policy.config.durations.lowMs, 120_000);
  assert.is(guard.policy.config.response.rateLimitPps, 50);

  const stale = await ofguard(['policy', 'set', 'durations.lowMs=1000', '--if-version', '0', ...common]);
  assert.is(stale.code, 1);
  assert.match(stale.stderr, /the policy is at version 1, not 0/);
  const unknown = await ofguard(['policy', 'set', 'durations.baseBlockS=600', ...common]);
  assert.is(unknown.code, 1);
  assert.is(unknown.stderr, 'ofguard: policy.durations.baseBlockS: unknown field\n');
  const usage = await ofguard(['policy', 'set', 'durations.lowMs', ...common]);
  assert.is(usage.code, 2);
  assert.is(guard.policy.config.durations.lowMs, 120_000, 'refused changes changed nothing');

  const versions = await ofguard(['policy', 'versions', ...common]);
  assert.is(versions.code, 0, versions.stderr);
  const lines = versions.stdout.trim().split('\n');
  assert.match(lines[0]!, /^VERSION\s+AT\s+ACTOR\s+REASON\s+CHANGED$/);
  assert.match(lines[2]!, /^1\*\s+\d{4}-\d\d-\d\dT[\d:.]+Z\s+api\s+calmer\s+durations\.lowMs, response\.rateLimitPps$/);
  const json = JSON.parse((await ofguard(['policy', 'get', '--json', ...common])).stdout);
  assert.equal([json.version, json.actor, json.policy.durations.lowMs], [1, 'api', 120_000]);
});

test('allow unblocks a blocked source; whitelist and blocklist list/add/rm', async () => {
  await ofguard(['block', '203.0.113.60', '--reason', 'to be allowed', ...common]);
  const id = guard.policy.activeDecisions().find((d) => d.target.src === '203.0.113.60')!.id;
  const allowed = await ofguard(['allow', '203.0.113.60', '--comment', 'monitoring host', ...common]);
  assert.is(allowed.code, 0, allowed.stderr);
  assert.match(allowed.stdout, /^policy version \d+: 203\.0\.113\.60 added to the whitelist \(changed notes\.203\.0\.113\.60, whitelist\)\n/);
  assert.match(allowed.stdout, new RegExp(`ended     #${id} 203\\.0\\.113\\.60 drop: whitelisted by api`));
  assert.is(guard.policy.activeDecisions().length, 0);
  const again = await ofguard(['allow', '203.0.113.60', ...common]);
  assert.is(again.code, 1);
  assert.match(again.stderr, /already in the whitelist/);
  const wl = await ofguard(['whitelist', 'list', ...common]);
  assert.is(wl.stdout, 'ADDRESS       COMMENT\n------------  ---------------\n203.0.113.60  monitoring host\n');
  const removed = await ofguard(['allow', '203.0.113.60', '--remove', ...common]);
  assert.is(removed.code, 0, removed.stderr);
  assert.equal(guard.policy.config.whitelist, []);

  const added = await ofguard(['blocklist', 'add', '198.51.100.0/24', '--comment', 'known scanners', ...common]);
  assert.is(added.code, 0, added.stderr);
  assert.match(added.stdout, /in force {2}#\d+ 198\.51\.100\.0\/24 drop \(all\) for 1d0h\n/);
  const bl = JSON.parse((await ofguard(['blocklist', 'list', '--json', ...common])).stdout);
  assert.equal(bl.entries, [{ address: '198.51.100.0/24', comment: 'known scanners' }]);
  const refused = await ofguard(['unblock', '198.51.100.0/24', ...common]);
  assert.is(refused.code, 1);
  assert.match(refused.stderr, /on the blocklist: take it off the blocklist instead/);
  const rm = await ofguard(['blocklist', 'rm', '198.51.100.0/24', ...common]);
  assert.is(rm.code, 0, rm.stderr);
  assert.match(rm.stdout, /ended {5}#\d+ 198\.51\.100\.0\/24 drop: removed from the blocklist by api/);

  const history = await ofguard(['decisions', 'list', '--all', ...common]);
  assert.is(history.code, 0, history.stderr);
  assert.match(history.stdout, /\n\d+\s+198\.51\.100\.0\/24 .*\[ended: removed from the blocklis…\s+0\s+-\s+admin\n/);
  assert.match(history.stdout, /\n\d+\s+203\.0\.113\.60 .*\[ended: whitelisted by api\]/);
});

test('status and the API refusing an id: exit 1 with its message', async () => {
  const status = await ofguard(['status', ...common]);
  assert.is(status.code, 0, status.stderr);
  assert.match(status.stdout, /^up (\d+m)?\d+s, 0 switch\(es\), 0 active decision\(s\)/);
  const missing = await ofguard(['decisions', 'delete', '424242', ...common]);
  assert.is(missing.code, 1);
  assert.match(missing.stderr, /decision 424242 is not active/);
});

test('the built binary, bin/ofguard, answers as the source does (after npm run build)', async () => {
  const built = await ofguard(['status', '--json', ...common], {}, true);
  assert.is(built.code, 0, built.stderr);
  const source = await ofguard(['status', '--json', ...common]);
  const keys = (text: string) => Object.keys(JSON.parse(text) as object).sort();
  assert.equal(keys(built.stdout), keys(source.stdout));
  const usage = await ofguard(['decisions', 'add'], {}, true);
  assert.is(usage.code, 2, 'usage errors exit 2 from the binary too');
});

test('usage errors exit 2 and send nothing', async () => {
  const before = guard.store.audit().length;
  for (const args of [['block'], ['block', '203.0.113.9', '--duration', 'soon'], ['block', '203.0.113.9', '--action', 'nuke'], ['decisions', 'delete', 'abc'],
    ['block', '--ingress', '1:5'], ['block', '203.0.113.9', '--ingress', '1:5', '--dst', '10.0.0.1'], ['block', '--ingress', '1:5', '--dst', '10.0.0.1', '--action', 'monitor']]) {
    const r = await ofguard([...args, ...common]);
    assert.is(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
  }
  assert.is(guard.store.audit().length, before);
});

test('addresses are read strictly before anything is sent: a typo or an unforced wide network exits 2', async () => {
  const before = { audit: guard.store.audit().length, version: guard.store.latestPolicyRevision()?.version };
  // The parser's own table is test/policy/address.test.ts: here, that the CLI uses it.
  const cases: Array<[string[], RegExp]> = [
    [['block', '198.51.100.3/'], /ends in "\/"/],
    [['block', '0.0.0.0/0'], /0\.0\.0\.0\/0 covers every IPv4 address: refused unless forced \(--force\)/],
    [['block', '203.0.113.9', '--port', '22'], /--port needs --proto 6/],
    [['allow', '10.1.2.3/'], /ends in "\/"/],
    [['allow', '::/0'], /::\/0 covers every IPv6 address/],
    [['blocklist', 'add', '::ffff:1.2.3.4/8'], /IPv4-mapped network/],
  ];
  for (const [args, words] of cases) {
    const r = await ofguard([...args, ...common]);
    assert.is(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, words, args.join(' '));
  }
  assert.equal({ audit: guard.store.audit().length, version: guard.store.latestPolicyRevision()?.version }, before, 'nothing sent');

  const forced = await ofguard(['block', '0.0.0.0/0', '--force', '--duration', '1m', '--reason', 'drill', ...common]);
  assert.is(forced.code, 0, forced.stderr);
  assert.match(forced.stdout, /in force {2}#\d+ 0\.0\.0\.0\/0 drop \(all\) for 1m0s/);
  const unblocked = await ofguard(['unblock', '0.0.0.0/0', ...common]);
  assert.is(unblocked.code, 0, unblocked.stderr);
  const listed = await ofguard(['blocklist', 'add', '::/0', '--force', '--comment', 'v6 off', ...common]);
  assert.is(listed.code, 0, listed.stderr);
  assert.equal([guard.policy.config.blocklist, guard.policy.config.forced], [['::/0'], ['::/0']]);
  const rm = await ofguard(['blocklist', 'rm', '::/0', ...common]);
  assert.is(rm.code, 0, rm.stderr);
  assert.equal([guard.policy.config.blocklist, guard.policy.config.forced], [[], []]);
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

test('config check: "ok", or each problem as "path: reason (line N)" and exit 2; YAML too', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ofguard-cli-config-'));
  const good = join(dir, 'good.json');
  const bad = join(dir, 'bad.json');
  const badYaml = join(dir, 'bad.yaml');
  // Ports 0: what is free on this machine is another test's business (test/cli/config-start.test.ts).
  writeFileSync(good, JSON.stringify({ dataDir: join(dir, 'data'), api: { port: 0 }, openflow: { port: 0 }, policy: { whitelist: ['10.0.0.0/8'] } }));
  writeFileSync(bad, JSON.stringify({ api: { port: 'x' }, enforcement: { scope: 'everywhere' }, bogus: 1 }, null, 2));
  writeFileSync(badYaml, ['api:', '  port: 7000', 'policy:', '  durations:', '    lowMs: -5', '    baseBlockS: 600', ''].join('\n'));
  const okRun = await ofguard(['config', 'check', good]);
  assert.is(okRun.code, 0, okRun.stderr);
  assert.is(okRun.stdout, 'ok\n');
  const badRun = await ofguard(['config', 'check', bad]);
  assert.is(badRun.code, 2);
  assert.equal(badRun.stdout.trim().split('\n'), [
    'api.port: Invalid input: expected number, received string (line 3)',
    'enforcement.scope: Invalid option: expected one of "ingress"|"all" (line 6)',
    'bogus: unknown field (misspelt?) (line 8)',
  ]);
  const yamlRun = await ofguard(['config', 'check', badYaml, '--json']);
  assert.is(yamlRun.code, 2);
  assert.equal(JSON.parse(yamlRun.stdout), { ok: false, code: 'CONFIG_INVALID', problems: [{ path: 'policy.durations.lowMs', reason: 'Too small: expected number to be >0', line: 5 }] });
});

test('block --ingress: whatever enters at a switch port toward a victim, listed by where it enters', async () => {
  const r = await ofguard(['block', '--ingress', '1:5', '--dst', '10.0.0.100', '--duration', '5m', '--reason', 'cli flood test', ...common]);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /in force {2}#\d+ spoofed sources drop \(at 1:5 → 10\.0\.0\.100 tcp-syn\) for 5m0s/);
  const list = await ofguard(['decisions', 'list', ...common]);
  assert.match(list.stdout, /spoofed sources\s+at 1:5 → 10\.0\.0\.100 tcp-syn\s+drop/);
  const id = /#(\d+)/.exec(r.stdout)![1]!;
  const gone = await ofguard(['decisions', 'delete', id, ...common]);
  assert.is(gone.code, 0, gone.stderr);
});

test.run();
