/**
 * What start needs from the disk, checked by loadConfig for start and `config check` alike:
 * TLS files (real PEM made by openssl here), dataDir, the geo database; ports as warnings.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { keyPair } from '../support/tls-files.js';
import { ConfigError, loadConfig, parseConfig } from '../../controller/config/load.js';
import { listenProblem, listenWarnings } from '../../controller/config/preflight.js';

const dir = mkdtempSync(join(tmpdir(), 'ofguard-preflight-'));

const ctl = keyPair(dir, 'ctl');
const other = keyPair(dir, 'other');
const garbage = join(dir, 'garbage.pem');
writeFileSync(garbage, 'not a certificate\n');
const encryptedKey = join(dir, 'encrypted-key.pem');
execFileSync('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-aes256', '-pass', 'pass:secret', '-out', encryptedKey], { stdio: 'ignore' });
const aFile = join(dir, 'a-file');
writeFileSync(aFile, 'x');

function yamlFile(lines: string[]): string {
  const file = join(mkdtempSync(join(dir, 'cfg-')), 'ofguard.yaml');
  writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

/** The problems loadConfig names for this file, as "path: reason (line N)". */
function problems(lines: string[]): string[] {
  try {
    loadConfig({ file: yamlFile(lines) });
  } catch (err) {
    assert.instance(err, ConfigError);
    assert.is((err as ConfigError).code, 'CONFIG_UNUSABLE');
    return (err as ConfigError).problems.map((p) => `${p.path}: ${p.reason}${p.line !== undefined ? ` (line ${p.line})` : ''}`);
  }
  throw new Error('expected the config to be refused');
}

const dataDir = () => `dataDir: ${mkdtempSync(join(dir, 'data-'))}`;
const tls = (t: { cert: string; key: string; ca?: string }) => ['openflow:', '  tls:', `    cert: ${t.cert}`, `    key: ${t.key}`, ...(t.ca ? [`    ca: ${t.ca}`] : [])];

test('good TLS files are read once and handed over as bytes', () => {
  const loaded = loadConfig({ file: yamlFile([dataDir(), ...tls({ ...ctl, ca: other.cert })]) });
  assert.ok(loaded.tls);
  assert.match(loaded.tls!.cert.toString(), /BEGIN CERTIFICATE/);
  assert.match(loaded.tls!.key.toString(), /PRIVATE KEY/);
  assert.match(loaded.tls!.ca!.toString(), /BEGIN CERTIFICATE/);
  assert.is(loadConfig({ file: yamlFile([dataDir()]) }).tls, undefined, 'no TLS configured, none read');
});

test('each bad TLS file is named by its field and line', () => {
  const missing = join(dir, 'missing.pem');
  assert.equal(problems([dataDir(), ...tls({ cert: missing, key: ctl.key })]), [`openflow.tls.cert: cannot read ${missing}: no such file (ENOENT) (line 4)`]);
  assert.equal(problems([dataDir(), ...tls({ cert: garbage, key: ctl.key })]), [`openflow.tls.cert: ${garbage} holds no PEM certificate (line 4)`]);
  assert.equal(problems([dataDir(), ...tls({ cert: ctl.cert, key: garbage })]), [`openflow.tls.key: ${garbage} holds no PEM private key (line 5)`]);
  assert.equal(problems([dataDir(), ...tls({ cert: ctl.cert, key: encryptedKey })]), [`openflow.tls.key: ${encryptedKey} is an encrypted key (ofguard takes no passphrase) (line 5)`]);
  assert.equal(problems([dataDir(), ...tls({ cert: ctl.cert, key: other.key })]), [`openflow.tls.key: ${other.key} is not the key of the certificate in ${ctl.cert} (line 5)`]);
  assert.equal(problems([dataDir(), ...tls({ ...ctl, ca: garbage })]), [`openflow.tls.ca: ${garbage} holds no PEM certificate (line 6)`]);
  assert.equal(problems([dataDir(), ...tls({ cert: dir, key: missing })]), [
    `openflow.tls.cert: cannot read ${dir}: it is a folder (EISDIR) (line 4)`,
    `openflow.tls.key: cannot read ${missing}: no such file (ENOENT) (line 5)`,
  ]);
});

test('dataDir must be a folder, or creatable under one', () => {
  assert.equal(problems([`dataDir: ${aFile}`]), [`dataDir: ${aFile} is not a folder (line 1)`]);
  assert.equal(problems([`dataDir: ${join(aFile, 'state')}`]), [`dataDir: cannot be created: ${aFile} is not a folder (line 1)`]);
  const fresh = join(dir, 'new', 'deeper', 'state');
  assert.is(loadConfig({ file: yamlFile([`dataDir: ${fresh}`]) }).config.dataDir, fresh, 'a folder start can create passes');
  const existing = mkdtempSync(join(dir, 'existing-'));
  mkdirSync(join(existing, 'sub'));
  assert.is(loadConfig({ file: yamlFile([`dataDir: ${existing}/sub`]) }).config.dataDir, `${existing}/sub`);
});

test('a dataDir from a flag has no line; a missing geo database is named', () => {
  try {
    loadConfig({ file: yamlFile(['pollIntervalMs: 500']), flags: { dataDir: aFile } });
    assert.unreachable('should throw');
  } catch (err) {
    assert.equal((err as ConfigError).problems.map((p) => [p.path, p.line]), [['dataDir', undefined]]);
  }
  const geo = problems([dataDir(), 'detect:', '  geo:', '    database: /nonexistent/geo.mmdb', '    riskyCountries: [XX]']);
  assert.is(geo.length, 1);
  assert.match(geo[0]!, /^detect\.geo\.database: cannot read geo database \/nonexistent\/geo\.mmdb: .*ENOENT.* \(line 4\)$/);
});

test('schema problems come first: a config the schema refuses is not looked at on disk', () => {
  try {
    loadConfig({ file: yamlFile([`dataDir: ${aFile}`, 'pollIntervalMs: 5']) });
    assert.unreachable('should throw');
  } catch (err) {
    assert.is((err as ConfigError).code, 'CONFIG_INVALID');
    assert.equal((err as ConfigError).problems.map((p) => p.path), ['pollIntervalMs']);
  }
});

function listenOn(host: string): Promise<{ server: Server; port: number }> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, host, () => resolve({ server, port: (server.address() as { port: number }).port }));
  });
}

test('ports in use are warnings naming the field; port 0 is never probed', async () => {
  const held = await listenOn('127.0.0.1');
  try {
    const config = parseConfig({ openflow: { listen: '127.0.0.1', port: held.port }, api: { port: 0 } });
    assert.equal((await listenWarnings(config)).map((p) => `${p.path}: ${p.reason}`), [`openflow.port: 127.0.0.1:${held.port} is already in use`]);
    const api = parseConfig({ openflow: { listen: '127.0.0.1', port: 0 }, api: { port: held.port } });
    assert.equal((await listenWarnings(api)).map((p) => `${p.path}: ${p.reason}`), [`api.port: 127.0.0.1:${held.port} is already in use`]);
    const off = parseConfig({ openflow: { port: 0 }, api: { enabled: false, port: held.port } });
    assert.equal(await listenWarnings(off), [], 'a disabled API is not probed');
  } finally {
    held.server.close();
  }
  const free = parseConfig({ openflow: { listen: '127.0.0.1', port: held.port }, api: { port: 0 } });
  assert.equal(await listenWarnings(free), [], 'free again once closed');
});

test('listen errors in the same words start reports', () => {
  const err = (code: string, syscall = 'listen') => Object.assign(new Error(code), { code, syscall });
  assert.equal(listenProblem('api', '127.0.0.1', 6680, err('EADDRINUSE')), { path: 'api.port', reason: '127.0.0.1:6680 is already in use', at: ['api', 'port'] });
  assert.is(listenProblem('openflow', '::', 80, err('EACCES'))!.reason, 'no permission to listen on [::]:80 (ports below 1024 need root or CAP_NET_BIND_SERVICE)');
  assert.equal(listenProblem('openflow', '192.0.2.1', 6653, err('EADDRNOTAVAIL'))!.path, 'openflow.listen');
  assert.is(listenProblem('api', '127.0.0.1', 6680, new Error('not a socket error')), undefined);
  assert.is(listenProblem('api', '127.0.0.1', 6680, err('ENOENT', 'open')), undefined);
});

test.run();
