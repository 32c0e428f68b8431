/**
 * The one address parser, table-driven: every input of issue 11 (and its neighbours) with
 * what it must read as, or the words its refusal must use; then the same table through
 * every surface that reads addresses (API, policy config, detection), which must agree.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cidrKey, cidrText, isWide, parseCidr, readCidr, sourceKey, subnetKey, wideMessage } from '../../controller/policy/address.js';
import { PolicyError } from '../../controller/policy/errors.js';
import { policyConfigSchema } from '../../controller/policy/config.js';
import { listAddress, sourceText } from '../../controller/api/schemas.js';
import { parseCidr as detectCidr, RulesError } from '../../controller/detect/rules.js';
import { DetectConfigSchema } from '../../controller/detect/config.js';

/** [input, normalised spelling, wide?] */
const ACCEPTED: Array<[string, string, boolean]> = [
  ['203.0.113.7', '203.0.113.7', false],
  ['203.0.113.7/32', '203.0.113.7', false],
  ['10.1.2.3/8', '10.0.0.0/8', false],
  ['10.1.2.3/24', '10.1.2.0/24', false],
  ['0.0.0.0/0', '0.0.0.0/0', true],
  ['1.2.3.4/0', '0.0.0.0/0', true],
  ['12.0.0.0/7', '12.0.0.0/7', true],
  ['2001:0DB8:0000::0001', '2001:db8::1', false],
  ['2001:db8::1/128', '2001:db8::1', false],
  ['2001:DB8::/32', '2001:db8::/32', false],
  ['2001::/16', '2001::/16', false],
  ['2000::/15', '2000::/15', true],
  ['::/0', '::/0', true],
  ['::', '::', false],
  // IPv4-mapped IPv6 is IPv4, its prefix included (96 + the IPv4 prefix).
  ['::ffff:10.0.0.1', '10.0.0.1', false],
  ['::ffff:1.2.3.0/120', '1.2.3.0/24', false],
  ['::ffff:1.2.3.4/128', '1.2.3.4', false],
  ['::ffff:a00:1', '10.0.0.1', false],
  ['::ffff:0.0.0.0/96', '0.0.0.0/0', true],
  ['::ffff:10.0.0.0/104', '10.0.0.0/8', false],
];

/** [input, words the refusal must use] */
const REFUSED: Array<[string, RegExp]> = [
  // A trailing slash used to read as /0: the whole Internet.
  ['198.51.100.3/', /ends in "\/"/],
  ['1.2.3.4/', /ends in "\/"/],
  ['10.1.2.3/', /ends in "\/"/],
  ['2001:db8::/', /ends in "\/"/],
  ['1.2.3.0/ 8', /whitespace|plain decimal/],
  ['1.2.3.0/08', /plain decimal/],
  ['1.2.3.0/8.0', /plain decimal/],
  ['1.2.3.0/0x8', /plain decimal/],
  ['1.2.3.0/+8', /plain decimal/],
  ['1.2.3.0/-8', /plain decimal/],
  ['1.2.3.0/1e1', /plain decimal/],
  ['1.2.3.0/00', /plain decimal/],
  ['1.2.3.0/8 ', /whitespace|plain decimal/],
  ['1.2.3.0/8/8', /plain decimal/],
  ['1.2.3.4/33', /0-32/],
  ['1.2.3.4/64', /0-32/],
  ['1.2.3.4/128', /0-32/],
  ['2001:db8::/129', /0-128/],
  ['2001:db8::/1000', /plain decimal/],
  ['::ffff:1.2.3.4/8', /IPv4-mapped network needs a prefix of 96-128/],
  ['::ffff:1.2.3.0/95', /IPv4-mapped network needs a prefix of 96-128/],
  ['fe80::1%eth0', /zone id/],
  ['fe80::1%eth0/64', /zone id/],
  ['::ffff:1.2.3.4%1', /zone id/],
  ['::1.2.3.4', /deprecated IPv4-compatible/],
  ['::ffff:01.2.3.4', /not dotted decimal/],
  ['01.2.3.4', /not an IPv4\/IPv6 address or CIDR/],
  ['1.2.3', /not an IPv4\/IPv6 address or CIDR/],
  ['300.1.1.1', /not an IPv4\/IPv6 address or CIDR/],
  ['0x7f.0.0.1', /not an IPv4\/IPv6 address or CIDR/],
  ['host', /not an IPv4\/IPv6 address or CIDR/],
  ['', /not an IPv4\/IPv6 address or CIDR/],
  ['/8', /not an IPv4\/IPv6 address or CIDR/],
  [' 1.2.3.4', /whitespace/],
  ['1.2.3.4 ', /whitespace/],
  ['2001:db8::1::2', /not an IPv4\/IPv6 address or CIDR/],
];

test('accepted inputs read as one normalised network; /0 and wide prefixes are marked wide', () => {
  for (const [input, spelling, wide] of ACCEPTED) {
    const c = readCidr(input);
    assert.ok(typeof c !== 'string', `${input}: ${String(c)}`);
    assert.is(cidrText(parseCidr(input)), spelling, input);
    assert.is(cidrKey(input), spelling, input);
    assert.is(isWide(parseCidr(input)), wide, input);
  }
});

test('refused inputs say why, as POLICY_BAD_ADDRESS', () => {
  for (const [input, words] of REFUSED) {
    const c = readCidr(input);
    assert.type(c, 'string', JSON.stringify(input));
    assert.match(c as string, words, `${JSON.stringify(input)}: ${String(c)}`);
    assert.throws(() => parseCidr(input), (e: unknown) => e instanceof PolicyError && e.code === 'POLICY_BAD_ADDRESS', input);
  }
});

test('every surface reads addresses with the same parser: API, policy config, detection', () => {
  for (const [input, spelling] of ACCEPTED) {
    const api = sourceText.safeParse(input);
    assert.ok(api.success, `API src ${input}`);
    assert.is(sourceKey(api.data!.src, api.data!.srcPrefix), spelling, `API src ${input}`);
    assert.is(listAddress.parse(input), spelling, `API list ${input}`);
    assert.ok(DetectConfigSchema.safeParse({ whitelist: [input] }).success, `detect.whitelist ${input}`);
    assert.is(cidrText({ address: detectCidr(input)[0], prefix: detectCidr(input)[1] }), spelling, `netset ${input}`);
    const wideOk = isWide(parseCidr(input)) ? { forced: [input] } : {};
    assert.ok(policyConfigSchema.safeParse({ whitelist: [input], ...wideOk }).success, `policy.whitelist ${input}`);
  }
  for (const [input] of REFUSED) {
    assert.is(sourceText.safeParse(input).success, false, `API src ${input}`);
    assert.is(listAddress.safeParse(input).success, false, `API list ${input}`);
    assert.is(DetectConfigSchema.safeParse({ whitelist: [input] }).success, false, `detect.whitelist ${input}`);
    assert.throws(() => detectCidr(input), (e: unknown) => e instanceof RulesError && e.code === 'DETECT_BAD_CIDR', `netset ${input}`);
    const r = policyConfigSchema.safeParse({ whitelist: [input], blocklist: [input] });
    assert.is(r.success, false, `policy ${input}`);
    assert.equal(r.error!.issues.map((i) => i.path.join('.')).sort(), ['blocklist.0', 'whitelist.0'], `policy ${input}`);
  }
});

test('a wide whitelist or blocklist entry is refused by the policy schema unless forced', () => {
  const refused = policyConfigSchema.safeParse({ whitelist: ['0.0.0.0/0'], blocklist: ['2000::/3'] });
  assert.is(refused.success, false);
  assert.equal(refused.error!.issues.map((i) => [i.path.join('.'), i.message]), [
    ['whitelist.0', wideMessage(parseCidr('0.0.0.0/0'), 'list it in policy.forced too; admin API: "force": true, CLI: --force')],
    ['blocklist.0', wideMessage(parseCidr('2000::/3'), 'list it in policy.forced too; admin API: "force": true, CLI: --force')],
  ]);
  assert.match(refused.error!.issues[0]!.message, /0\.0\.0\.0\/0 covers every IPv4 address: refused unless forced/);
  assert.match(refused.error!.issues[1]!.message, /2000::\/3 covers more than a \/16/);
  assert.ok(policyConfigSchema.safeParse({ whitelist: ['0.0.0.0/0'], blocklist: ['2000::/3'], forced: ['0.0.0.0/0', '2000::/3'] }).success);
  assert.ok(policyConfigSchema.safeParse({ whitelist: ['10.0.0.0/8'] }).success, '/8 needs no force');
  const stale = policyConfigSchema.safeParse({ forced: ['0.0.0.0/0'] });
  assert.equal(stale.error!.issues.map((i) => i.path.join('.')), ['forced.0'], 'a forced mark needs its entry');
});

test('source keys: one spelling per source, prefixes checked against the family', () => {
  assert.is(sourceKey('2001:0DB8:0000::0001'), '2001:db8::1');
  assert.is(sourceKey('::ffff:10.0.0.1'), '10.0.0.1');
  assert.is(sourceKey('10.0.0.1', 32), '10.0.0.1');
  assert.is(sourceKey('10.0.0.77', 24), '10.0.0.0/24');
  assert.is(sourceKey('::ffff:1.2.3.0', 120), '1.2.3.0/24', 'a mapped network keeps its IPv4 prefix');
  assert.is(sourceKey('0.0.0.0', 0), '0.0.0.0/0');
  assert.is(subnetKey('203.0.113.7'), '203.0.113.0/24');
  assert.is(subnetKey('2001:db8:1:2:3::4'), '2001:db8:1:2::/64');
  for (const [src, prefix] of [['10.0.0.1', 33], ['10.0.0.1', 128], ['10.0.0.1', -1], ['10.0.0.1', 8.5], ['::ffff:1.2.3.4', 8], ['fe80::1%eth0', undefined], ['', undefined], ['1.2.3', undefined], ['host', undefined]] as const) {
    assert.throws(() => sourceKey(src, prefix), (e: unknown) => e instanceof PolicyError && e.code === 'POLICY_BAD_ADDRESS', `${src}/${prefix}`);
  }
});

test.run();
