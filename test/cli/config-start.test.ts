/**
 * `ofguard config check` and `ofguard start` refuse the same configs with the same words:
 * a table of bad configs run through both real commands (source through tsx, and the built
 * bin/ofguard for some), then ports in use (a warning in check, an error in start).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { keyPair } from '../support/tls-files.js';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MAIN = join(ROOT, 'controller/cli/main.ts');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The CLI as users run it; a start that wrongly keeps running is stopped after 30 s (and fails the test). */
function ofguard(args: string[], binary = false): Promise<Run> {
  return new Promise((resolve, reject) => {
    const argv = binary ? [join(ROOT, 'bin/ofguard'), ...args] : ['--import', 'tsx', MAIN, ...args];
    const child = spawn(process.execPath, argv, { cwd: ROOT, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' } });
    const timer = setTimeout(() => child.kill('SIGTERM'), 30_000);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b) => (stdout += b));
    child.stderr.on('data', (b) => (stderr += b));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const dir = mkdtempSync(join(tmpdir(), 'ofguard-config-start-'));
const data = () => mkdtempSync(join(dir, 'data-'));
const aFile = join(dir, 'a-file');
writeFileSync(aFile, 'x');
const garbage = join(dir, 'garbage.pem');
writeFileSync(garbage, 'not PEM\n');
const missing = join(dir, 'missing.pem');

const ctl = keyPair(dir, 'ctl');
const other = keyPair(dir, 'other');

const aliasBomb = ['a: &a [x, x, x, x, x, x, x, x, x]', ...Array.from({ length: 9 }, (_, i) => `${'bcdefghij'[i]}: &${'bcdefghij'[i]} [${Array(9).fill(`*${'abcdefghij'[i]}`).join(', ')}]`)];

interface Case {
  name: string;
  /** YAML lines (a .yaml file), or a path for a file that is not there. */
  yaml?: string[];
  path?: string;
  /** Flags given to start only: they must not hide a problem of the file. */
  startFlags?: string[];
  expect: string[];
}

const tlsLines = (cert: string, key: string) => ['openflow:', '  listen: 127.0.0.1', '  tls:', `    cert: ${cert}`, `    key: ${key}`];

const cases: Case[] = [
  { name: 'openflow a list', yaml: ['openflow: [1, 2]'], startFlags: ['--port', '7000', '--listen', '127.0.0.1'], expect: ['openflow: Invalid input: expected object, received array (line 1)'] },
  { name: 'openflow null', yaml: ['openflow:'], startFlags: ['--port', '7000'], expect: ['openflow: Invalid input: expected object, received null (line 1)'] },
  { name: 'openflow a string', yaml: ["openflow: 'garbage'"], startFlags: ['--listen', '127.0.0.1'], expect: ['openflow: Invalid input: expected object, received string (line 1)'] },
  { name: 'TLS cert missing', yaml: [`dataDir: ${data()}`, ...tlsLines(missing, ctl.key)], expect: [`openflow.tls.cert: cannot read ${missing}: no such file (ENOENT) (line 5)`] },
  { name: 'TLS cert garbage', yaml: [`dataDir: ${data()}`, ...tlsLines(garbage, ctl.key)], expect: [`openflow.tls.cert: ${garbage} holds no PEM certificate (line 5)`] },
  { name: 'TLS key of another cert', yaml: [`dataDir: ${data()}`, ...tlsLines(ctl.cert, other.key)], expect: [`openflow.tls.key: ${other.key} is not the key of the certificate in ${ctl.cert} (line 6)`] },
  { name: 'dataDir a file', yaml: [`dataDir: ${aFile}`], expect: [`dataDir: ${aFile} is not a folder (line 1)`] },
  { name: 'dataDir under a file', yaml: [`dataDir: ${aFile}/state`], expect: [`dataDir: cannot be created: ${aFile} is not a folder (line 1)`] },
  { name: 'API on the OpenFlow port', yaml: [`dataDir: ${data()}`, 'api:', '  port: 6653'], expect: ['api.port: openflow.port already takes this port on this address (line 3)'] },
  { name: 'YAML alias bomb', yaml: aliasBomb, expect: ['(root): not YAML: Excessive alias count indicates a resource exhaustion attack'] },
  { name: 'no such config file', path: join(dir, 'nowhere.yaml'), expect: [`(root): cannot read ${join(dir, 'nowhere.yaml')}: ENOENT`] },
];

function fileFor(c: Case): string {
  if (c.path) return c.path;
  const file = join(mkdtempSync(join(dir, 'cfg-')), 'ofguard.yaml');
  writeFileSync(file, c.yaml!.join('\n') + '\n');
  return file;
}

const lines = (text: string) => text.split('\n').filter((l) => l !== '');

test('every bad config: check and start give the same one-line problems, exit 2, no stack', async () => {
  for (const c of cases) {
    const file = fileFor(c);
    const [check, start] = await Promise.all([ofguard(['config', 'check', file]), ofguard(['start', '--config', file, ...(c.startFlags ?? [])])]);
    assert.is(check.code, 2, `${c.name}: check exit code (${check.stderr})`);
    assert.equal(lines(check.stdout), c.expect, `${c.name}: check`);
    assert.is(check.stderr, '', `${c.name}: check stderr`);
    assert.is(start.code, 2, `${c.name}: start exit code (${start.stdout}${start.stderr})`);
    assert.equal(lines(start.stderr), c.expect.map((l) => `ofguard: ${l}`), `${c.name}: start`);
    assert.is(start.stdout, '', `${c.name}: start logged nothing: it never started`);
  }
});

test('the built binary, bin/ofguard, refuses the same way (after npm run build)', async () => {
  for (const c of [cases[0]!, cases[9]!]) {
    const file = fileFor(c);
    const check = await ofguard(['config', 'check', file], true);
    assert.equal([check.code, lines(check.stdout)], [2, c.expect], c.name);
    const start = await ofguard(['start', '--config', file, ...(c.startFlags ?? [])], true);
    assert.equal([start.code, lines(start.stderr)], [2, c.expect.map((l) => `ofguard: ${l}`)], c.name);
  }
});

function hold(): Promise<{ server: Server; port: number }> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => resolve({ server, port: (server.address() as { port: number }).port }));
  });
}

test('a port in use: a warning in check (exit 0), one line and exit 2 in start, for the API and for OpenFlow', async () => {
  const held = await hold();
  try {
    const where = `127.0.0.1:${held.port}`;
    for (const [listener, config] of [
      ['api', { dataDir: data(), openflow: { listen: '127.0.0.1', port: 0 }, api: { port: held.port } }],
      ['openflow', { dataDir: data(), openflow: { listen: '127.0.0.1', port: held.port }, api: { port: 0 } }],
    ] as const) {
      const file = join(mkdtempSync(join(dir, 'port-')), 'ofguard.json');
      writeFileSync(file, JSON.stringify(config));
      const check = await ofguard(['config', 'check', file]);
      assert.equal([check.code, lines(check.stdout)], [0, [`warning: ${listener}.port: ${where} is already in use`, 'ok']], listener);
      const json = await ofguard(['config', 'check', file, '--json']);
      assert.equal(JSON.parse(json.stdout), { ok: true, problems: [], warnings: [{ path: `${listener}.port`, reason: `${where} is already in use` }] });
      const start = await ofguard(['start', '--config', file]);
      assert.equal([start.code, lines(start.stderr)], [2, [`ofguard: ${listener}.port: ${where} is already in use`]], `${listener}: ${start.stdout}`);
    }
  } finally {
    held.server.close();
  }
});

test('bad flags are usage errors: exit 2 and one line', async () => {
  const r = await ofguard(['start', '--port', '70000']);
  assert.equal([r.code, lines(r.stderr)], [2, ['ofguard: --port must be a TCP port 1-65535, got "70000"']]);
  const listen = await ofguard(['start', '--listen', 'localhost', '--data', data()]);
  assert.equal([listen.code, lines(listen.stderr)], [2, ['ofguard: openflow.listen: must be an IPv4 or IPv6 address']]);
});

test.run();
