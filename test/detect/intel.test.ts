import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ManualClock } from '../../controller/clock.js';
import { GeoDatabase } from '../../controller/detect/geo.js';
import { AbuseIpdbConfigSchema, DetectConfigSchema } from '../../controller/detect/config.js';
import { AbuseIpdbClient, ThreatIntel, type IntelError } from '../../controller/detect/intel.js';
import { buildMmdb } from './mmdb-writer.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;
let handler: Handler = () => {};
const seen: { url: string; key: string | undefined }[] = [];
let server: Server;
let base = '';

test.before(async () => {
  server = createServer((req, res) => {
    seen.push({ url: req.url!, key: req.headers['key'] as string | undefined });
    handler(req, res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
test.after(() => {
  server.closeAllConnections();
  server.close();
});
test.before.each(() => {
  seen.length = 0;
});

const json = (body: unknown, status = 200): Handler => (_req, res) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};
const client = (clock: ManualClock, over: Record<string, unknown> = {}, errors: IntelError[] = []) =>
  new AbuseIpdbClient(
    AbuseIpdbConfigSchema.parse({ baseUrl: base, key: 'k3y', timeoutMs: 200, ...over }),
    clock,
    (_ip, e) => errors.push(e),
  );

test('off by default', () => {
  const c = DetectConfigSchema.parse({});
  assert.is(c.intel, undefined);
  assert.is(c.geo, undefined);
  assert.throws(() => AbuseIpdbConfigSchema.parse({}), /key/, 'a key is needed to turn lookups on');
});

test('lookup in the background, then cache hit until the TTL expires', async () => {
  handler = json({ data: { ipAddress: '203.0.113.9', abuseConfidenceScore: 87, countryCode: 'XA' } });
  const clock = new ManualClock(1_000);
  const c = client(clock, { ttlMs: 60_000 });
  assert.is(c.peek('203.0.113.9'), undefined, 'nothing cached: never waits');
  c.request('203.0.113.9');
  c.request('203.0.113.9');
  await c.idle();
  assert.is(seen.length, 1, 'deduplicated');
  assert.is(seen[0]!.key, 'k3y');
  assert.match(seen[0]!.url, /^\/api\/v2\/check\?ipAddress=203\.0\.113\.9&maxAgeInDays=90$/);
  assert.equal(c.peek('203.0.113.9'), { abuseConfidence: 87, countryCode: 'XA' });
  c.request('203.0.113.9');
  await c.idle();
  assert.is(seen.length, 1, 'cache hit: no second request');
  clock.advance(60_001);
  assert.is(c.peek('203.0.113.9'), undefined, 'expired');
  c.request('203.0.113.9');
  await c.idle();
  assert.is(seen.length, 2);
});

test('timeout: cached briefly as a failure, retried after failureTtlMs', async () => {
  handler = (_req, res) => setTimeout(() => json({ data: { abuseConfidenceScore: 1 } })(_req, res), 1_000).unref();
  const clock = new ManualClock(0);
  const errors: IntelError[] = [];
  const c = client(clock, { failureTtlMs: 5_000 }, errors);
  c.request('198.51.100.1');
  await c.idle();
  assert.is(errors[0]!.code, 'INTEL_TIMEOUT');
  assert.is(c.peek('198.51.100.1'), undefined);
  c.request('198.51.100.1');
  await c.idle();
  assert.is(seen.length, 1, 'failure cached');
  clock.advance(5_001);
  handler = json({ data: { abuseConfidenceScore: 12 } });
  c.request('198.51.100.1');
  await c.idle();
  assert.equal(c.peek('198.51.100.1'), { abuseConfidence: 12 });
});

test('HTTP error, bad body and unreachable service have stable codes', async () => {
  const clock = new ManualClock(0);
  const errors: IntelError[] = [];
  handler = json({ errors: [{ detail: 'Authentication failed' }] }, 401);
  const c = client(clock, {}, errors);
  c.request('192.0.2.1');
  await c.idle();
  handler = json({ data: { something: 'else' } });
  c.request('192.0.2.2');
  await c.idle();
  const dead = new AbuseIpdbClient(AbuseIpdbConfigSchema.parse({ baseUrl: 'http://127.0.0.1:1', key: 'k', timeoutMs: 500 }), clock, (_ip, e) => errors.push(e));
  dead.request('192.0.2.3');
  await dead.idle();
  assert.equal(errors.map((e) => e.code), ['INTEL_HTTP_STATUS', 'INTEL_BAD_RESPONSE', 'INTEL_NETWORK']);
});

test('concurrency limit: never more than maxConcurrent requests in flight', async () => {
  let inFlight = 0;
  let peak = 0;
  handler = (req, res) => {
    inFlight++;
    peak = Math.max(peak, inFlight);
    setTimeout(() => {
      inFlight--;
      json({ data: { abuseConfidenceScore: 50 } })(req, res);
    }, 20);
  };
  const c = client(new ManualClock(0), { maxConcurrent: 2 });
  for (let i = 1; i <= 6; i++) c.request(`192.0.2.${i}`);
  await c.idle();
  assert.is(seen.length, 6);
  assert.is(peak, 2);
});

test('ThreatIntel merges AbuseIPDB and geo into Detection.intel', async () => {
  handler = json({ data: { abuseConfidenceScore: 80, countryCode: 'ZZ' } });
  const clock = new ManualClock(0);
  const abuse = client(clock);
  const geo = GeoDatabase.fromBuffer(buildMmdb([['203.0.113.0/24', { country: { iso_code: 'XA' } }]]));
  const intel = new ThreatIntel(abuse, geo, ['xa']);
  assert.equal(intel.peek('203.0.113.5'), { country: 'XA', highRiskCountry: true }, 'geo answers at once');
  assert.is(intel.peek('198.51.100.5'), undefined);
  intel.request('203.0.113.5');
  intel.request('198.51.100.5');
  await abuse.idle();
  assert.equal(intel.peek('203.0.113.5'), { abuseConfidence: 80, country: 'XA', highRiskCountry: true });
  assert.equal(intel.peek('198.51.100.5'), { abuseConfidence: 80, country: 'ZZ', highRiskCountry: false }, 'AbuseIPDB country when geo has none');
});

test.run();
