import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CONFIG_ERROR_CODES, ConfigError, envOverrides, formatConfigErrors, loadConfig, mergeConfig, parseConfig } from '../../controller/config/load.js';
import { configSchema } from '../../controller/config/schema.js';

function problemsOf(input: unknown): Record<string, string> {
  try {
    parseConfig(input);
  } catch (err) {
    assert.instance(err, ConfigError);
    assert.is((err as ConfigError).code, 'CONFIG_INVALID');
    return Object.fromEntries((err as ConfigError).problems.map((p) => [p.path, p.reason]));
  }
  throw new Error('expected the config to be rejected');
}

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'ofguard-config-'));
}

function tempFile(text: string, name = 'ofguard.json'): string {
  const file = join(tempDir(), name);
  writeFileSync(file, text);
  return file;
}

test('no config at all gives the documented defaults, frozen', () => {
  const c = loadConfig().config;
  assert.equal(c.api, { enabled: true, listen: '127.0.0.1', port: 6680, rateLimit: { perSecond: 20, burst: 40 }, allowedHosts: [] });
  assert.equal(c.openflow, {
    listen: '0.0.0.0', port: 6653,
    limits: { handshakeTimeoutMs: 10_000, minReadBytesPerSec: 16_384, messageGraceMs: 5000, maxConnections: 1024, maxConnectionsPerPeer: 64 },
  });
  assert.is(c.pollIntervalMs, 1000);
  assert.is(c.dataDir, 'data');
  assert.is(c.logging.level, 'info');
  assert.equal(c.enforcement, { scope: 'ingress', meterFallback: 'selective-drop' });
  // Detection and policy defaults come from their own schemas.
  assert.is(c.detect.maxSources, 100_000);
  assert.is(c.policy.response.rateLimitPps, 100);
  assert.ok(Object.isFrozen(c) && Object.isFrozen(c.api.rateLimit) && Object.isFrozen(c.policy.durations));
  assert.throws(() => {
    (c.api as { port: number }).port = 1;
  });
});

test('every kind of bad field is named by its path with the reason', () => {
  const p = problemsOf({
    api: { port: 'x', listen: 'localhost', bogus: 1 },
    openflow: { port: 70000, tls: { cert: 'c.pem' } },
    pollIntervalMs: 5,
    policy: { whitelist: [3], durations: { lowMs: -1 } },
    detect: { maxSources: 0 },
    enforcement: { scope: 'everywhere' },
    logging: { level: 'loud' },
    extra: true,
  });
  assert.match(p['api.port']!, /expected number/);
  assert.match(p['api.listen']!, /IPv4 or IPv6/);
  assert.match(p['api.bogus']!, /unknown field/);
  assert.match(p['openflow.port']!, /65535/);
  assert.match(p['openflow.tls.key']!, /expected string/);
  assert.match(p['pollIntervalMs']!, /100/);
  assert.match(p['policy.whitelist[0]']!, /expected string/);
  assert.match(p['policy.durations.lowMs']!, />0/);
  assert.match(p['detect.maxSources']!, />=1/);
  assert.match(p['enforcement.scope']!, /ingress/);
  assert.match(p['logging.level']!, /info/);
  assert.match(p['extra']!, /unknown field/);
  assert.is(Object.keys(p).length, 12);
});

test('whitelist entries must be addresses or CIDRs a flow can match', () => {
  const p = problemsOf({ policy: { whitelist: ['10.0.0.0/8', 'not-an-ip', '10.1/16', '2001:db8::/129', '192.0.2.7', '2001:db8::/32'] } });
  assert.equal(Object.keys(p).sort(), ['policy.whitelist[1]', 'policy.whitelist[2]', 'policy.whitelist[3]']);
  assert.match(p['policy.whitelist[1]']!, /not an IPv4\/IPv6 address or CIDR/);
});

test('formatConfigErrors gives one "path: reason" line per problem', () => {
  const r = configSchema.safeParse({ api: { port: -1 } });
  assert.not.ok(r.success);
  assert.equal(formatConfigErrors(r.error!), ['api.port: Too small: expected number to be >=0']);
});

test('environment overrides the file, flags override the environment', () => {
  const dataDir = tempDir();
  const file = tempFile(JSON.stringify({ dataDir, api: { port: 7000, listen: '127.0.0.1' }, pollIntervalMs: 2000 }));
  const env = { OFGUARD_API_PORT: '7100', OFGUARD_SCOPE: 'all', OFGUARD_API_ENABLED: 'false', HOME: '/root' };
  const { config: c } = loadConfig({ file, env, flags: { pollIntervalMs: 500 } });
  assert.is(c.api.port, 7100);
  assert.is(c.api.listen, '127.0.0.1', 'untouched siblings survive the merge');
  assert.is(c.api.enabled, false);
  assert.is(c.enforcement.scope, 'all');
  assert.is(c.dataDir, dataDir);
  assert.is(c.pollIntervalMs, 500);
});

test('an unparsable environment value is reported at its config path', () => {
  try {
    loadConfig({ env: { OFGUARD_OPENFLOW_PORT: 'sixty' } });
    assert.unreachable('should throw');
  } catch (err) {
    assert.equal((err as ConfigError).problems.map((p) => p.path), ['openflow.port']);
  }
  assert.equal(envOverrides({ PATH: '/bin', OFGUARD_DATA_DIR: '' }), {}, 'empty and foreign variables are ignored');
});

test('mergeConfig replaces arrays whole and skips undefined', () => {
  const merged = mergeConfig({ policy: { whitelist: ['10.0.0.0/8'], durations: { lowMs: 1 } } }, { policy: { whitelist: ['192.0.2.1/32'] } }, { dataDir: undefined });
  assert.equal(merged, { policy: { whitelist: ['192.0.2.1/32'], durations: { lowMs: 1 } } });
});

test('unreadable, non-JSON and non-object files have their own codes', () => {
  const codeOf = (fn: () => unknown) => {
    try {
      fn();
    } catch (err) {
      return (err as ConfigError).code;
    }
    return 'none';
  };
  assert.is(codeOf(() => loadConfig({ file: '/nonexistent/ofguard.json' })), 'CONFIG_UNREADABLE');
  assert.is(codeOf(() => loadConfig({ file: tempFile('{ "api": ') })), 'CONFIG_BAD_JSON');
  assert.is(codeOf(() => loadConfig({ file: tempFile('[1, 2]') })), 'CONFIG_INVALID');
});

test('YAML files (.yaml, .yml) load like JSON', () => {
  const dataDir = tempDir();
  const yaml = ['# ofguard on the lab switch', `dataDir: ${dataDir}`, 'api:', '  port: 7001', 'policy:', '  whitelist:', '    - 10.0.0.0/8', '  blocklist: ["198.51.100.0/24"]', ''].join('\n');
  for (const name of ['ofguard.yaml', 'ofguard.YML']) {
    const { config: c } = loadConfig({ file: tempFile(yaml, name) });
    assert.is(c.dataDir, dataDir);
    assert.is(c.api.port, 7001);
    assert.equal(c.policy.whitelist, ['10.0.0.0/8']);
    assert.equal(c.policy.blocklist, ['198.51.100.0/24']);
  }
  assert.is(loadConfig({ file: tempFile('# nothing set\n', 'empty.yaml') }).config.api.port, 6680, 'an empty YAML file is the defaults');
});

function failure(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    assert.instance(err, ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

test('problems carry the line of the field in the file (YAML and JSON), not of values from env', () => {
  const yaml = ['api:', '  port: 70000', 'detect:', '  maxSources: 0', 'policy:', '  whitelist:', '    - 10.0.0.0/8', '    - nope', 'openflow:', '  tls:', '    cert: c.pem', ''].join('\n');
  const err = failure(() => loadConfig({ file: tempFile(yaml, 'x.yaml') }));
  const lines = Object.fromEntries(err.problems.map((p) => [p.path, p.line]));
  assert.equal(lines, { 'api.port': 2, 'detect.maxSources': 4, 'policy.whitelist[1]': 8, 'openflow.tls.key': 10 });
  assert.match(err.message, /api\.port: .*65535 \(line 2\)/);

  const json = JSON.stringify({ pollIntervalMs: 5, api: { port: 7000 } }, null, 2);
  const fromEnv = failure(() => loadConfig({ file: tempFile(json), env: { OFGUARD_API_PORT: 'x' } }));
  assert.equal(fromEnv.problems.map((p) => [p.path, p.line]), [['pollIntervalMs', 2], ['api.port', undefined]]);
});

test('nested fields the schema does not know are named, with their lines, not silently dropped', () => {
  const p = problemsOf({ policy: { durations: { baseBlockS: 600 } }, detect: { sketch: { widht: 5 } } });
  assert.equal(p, { 'policy.durations.baseBlockS': 'unknown field (misspelt?)', 'detect.sketch.widht': 'unknown field (misspelt?)' });
  const yaml = ['policy:', '  durations:', '    lowMs: 1000', '    baseBlockS: 600', ''].join('\n');
  assert.equal(failure(() => loadConfig({ file: tempFile(yaml, 'typo.yaml') })).problems.map((x) => [x.path, x.line]), [['policy.durations.baseBlockS', 4]]);
});

test('broken YAML and JSON say where', () => {
  const yaml = failure(() => loadConfig({ file: tempFile('api:\n  port: [1, 2\n', 'bad.yml') }));
  assert.is(yaml.code, 'CONFIG_BAD_YAML');
  assert.type(yaml.problems[0]!.line, 'number');
  assert.is(failure(() => loadConfig({ file: tempFile('- 1\n- 2\n', 'list.yaml') })).problems[0]!.reason, 'must be a YAML mapping');
  const json = failure(() => loadConfig({ file: tempFile('{\n  "api": {\n    "port": 1,,\n  }\n}') }));
  assert.is(json.code, 'CONFIG_BAD_JSON');
  assert.is(json.problems[0]!.line, 3);
});

test('a section that is not a mapping stays refused whatever flags and env set inside it', () => {
  for (const value of ['[1, 2]', 'null', "'garbage'"]) {
    const file = tempFile(`openflow: ${value}\n`, 'of.yaml');
    for (const flags of [undefined, { openflow: { port: 7000, listen: undefined } }, { openflow: { port: undefined, listen: undefined } }]) {
      const err = failure(() => loadConfig({ file, flags, env: { OFGUARD_OPENFLOW_LISTEN: '127.0.0.1' } }));
      assert.is(err.code, 'CONFIG_INVALID', value);
      assert.equal(err.problems.map((p) => [p.path, p.line]), [['openflow', 1]], `${value} with ${JSON.stringify(flags)}`);
    }
  }
  assert.equal(mergeConfig({ api: 'x' }, { api: { port: 1 } }), { api: 'x' }, 'an object does not overlay a scalar');
  assert.equal(mergeConfig({}, { api: { port: undefined } }), { api: {} });
});

test('a YAML alias bomb is refused in one line, no stack', () => {
  const lines = ['a: &a [x, x, x, x, x, x, x, x, x]'];
  for (let i = 1; i < 10; i++) lines.push(`${'abcdefghij'[i]}: &${'abcdefghij'[i]} [${Array(9).fill(`*${'abcdefghij'[i - 1]}`).join(', ')}]`);
  const started = Date.now();
  const err = failure(() => loadConfig({ file: tempFile(lines.join('\n') + '\n', 'bomb.yaml') }));
  assert.is(err.code, 'CONFIG_BAD_YAML');
  assert.equal(err.problems.map((p) => p.path), ['(root)']);
  assert.match(err.problems[0]!.reason, /^not YAML: .*alias/i);
  assert.ok(Date.now() - started < 2000, 'refused before expanding');
  const few = ['pollIntervalMs: &n 500', 'alerts:', '  timeoutMs: *n', ''].join('\n');
  assert.is(loadConfig({ file: tempFile(few, 'alias.yaml') }).config.alerts.timeoutMs, 500, 'an ordinary alias still works');
});

test('absurd files are refused before parsing: nesting past 64 levels, over 4 MiB', () => {
  const deep = failure(() => loadConfig({ file: tempFile(`{"a": ${'['.repeat(100_000)}${']'.repeat(100_000)}}`) }));
  assert.equal([deep.code, deep.problems[0]!.reason], ['CONFIG_BAD_JSON', 'not JSON: nested deeper than 64 levels']);
  const deepYaml = failure(() => loadConfig({ file: tempFile(`a: ${'['.repeat(65)}${']'.repeat(65)}\n`, 'deep.yaml') }));
  assert.is(deepYaml.code, 'CONFIG_BAD_YAML');
  const big = failure(() => loadConfig({ file: tempFile(`# ${'x'.repeat(4 * 1024 * 1024)}\n`, 'big.yaml') }));
  assert.equal([big.code, big.problems[0]!.reason.endsWith('over 4 MiB')], ['CONFIG_UNREADABLE', true]);
});

test('the API and OpenFlow may not take the same port on the same address', () => {
  assert.equal(problemsOf({ api: { port: 6653 } }), { 'api.port': 'openflow.port already takes this port on this address' });
  assert.equal(problemsOf({ api: { listen: '0.0.0.0', port: 7000 }, openflow: { listen: '127.0.0.1', port: 7000 } }), { 'api.port': 'openflow.port already takes this port on this address' });
  assert.is(parseConfig({ api: { listen: '127.0.0.1', port: 7000 }, openflow: { listen: '192.0.2.1', port: 7000 } }).api.port, 7000, 'two specific addresses do not clash');
  assert.is(parseConfig({ api: { enabled: false, port: 6653 } }).api.port, 6653, 'a disabled API takes no port');
});

test('api.allowedHosts takes host names and addresses, no ports or URLs', () => {
  assert.equal(parseConfig({ api: { allowedHosts: ['ofguard.lab.example', 'ctl-1', '192.0.2.10', '2001:db8::1', '[2001:db8::2]'] } }).api.allowedHosts.length, 5);
  const p = problemsOf({ api: { allowedHosts: ['ofguard.example:6680', 'http://x', '', 'a b'] } });
  assert.equal(Object.keys(p), ['api.allowedHosts[0]', 'api.allowedHosts[1]', 'api.allowedHosts[2]', 'api.allowedHosts[3]']);
  assert.is(p['api.allowedHosts[0]'], 'must be a host name or an IP address, without a port');
});

test('every config error code is documented in load.ts', () => {
  const text = readFileSync(new URL('../../controller/config/load.ts', import.meta.url), 'utf8');
  for (const code of CONFIG_ERROR_CODES) assert.ok(text.includes(` * - ${code} `), code);
});

test.run();
