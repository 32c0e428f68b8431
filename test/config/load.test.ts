import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, envOverrides, formatConfigErrors, loadConfig, mergeConfig, parseConfig } from '../../controller/config/load.js';
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

function tempFile(text: string, name = 'ofguard.json'): string {
  const file = join(mkdtempSync(join(tmpdir(), 'ofguard-config-')), name);
  writeFileSync(file, text);
  return file;
}

test('no config at all gives the documented defaults, frozen', () => {
  const c = loadConfig();
  assert.equal(c.api, { enabled: true, listen: '127.0.0.1', port: 6680, rateLimit: { perSecond: 20, burst: 40 } });
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
  const file = tempFile(JSON.stringify({ dataDir: '/var/lib/ofguard', api: { port: 7000, listen: '127.0.0.1' }, pollIntervalMs: 2000 }));
  const env = { OFGUARD_API_PORT: '7100', OFGUARD_SCOPE: 'all', OFGUARD_API_ENABLED: 'false', HOME: '/root' };
  const c = loadConfig({ file, env, flags: { pollIntervalMs: 500 } });
  assert.is(c.api.port, 7100);
  assert.is(c.api.listen, '127.0.0.1', 'untouched siblings survive the merge');
  assert.is(c.api.enabled, false);
  assert.is(c.enforcement.scope, 'all');
  assert.is(c.dataDir, '/var/lib/ofguard');
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
  const yaml = ['# ofguard on the lab switch', 'dataDir: /var/lib/ofguard', 'api:', '  port: 7001', 'policy:', '  whitelist:', '    - 10.0.0.0/8', '  blocklist: ["198.51.100.0/24"]', ''].join('\n');
  for (const name of ['ofguard.yaml', 'ofguard.YML']) {
    const c = loadConfig({ file: tempFile(yaml, name) });
    assert.is(c.dataDir, '/var/lib/ofguard');
    assert.is(c.api.port, 7001);
    assert.equal(c.policy.whitelist, ['10.0.0.0/8']);
    assert.equal(c.policy.blocklist, ['198.51.100.0/24']);
  }
  assert.is(loadConfig({ file: tempFile('# nothing set\n', 'empty.yaml') }).api.port, 6680, 'an empty YAML file is the defaults');
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

test.run();
