import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PrefixMatcher, RulesError, parseCidr, parseNetset, protocolAnomalies } from '../../controller/detect/rules.js';

const FIREHOL = `#
# firehol_level1 (excerpt)
# Source: example
#
0.0.0.0/8
5.188.10.0/23   # inline comment
45.9.20.0/24
192.0.2.1

not-an-address
2001:db8:bad::/48
`;
const SPAMHAUS = `; Spamhaus DROP List 2025/01/01 - (c) 2025 The Spamhaus Project
; Last-Modified: Wed, 01 Jan 2025 00:00:00 GMT
1.10.16.0/20 ; SBL256894
2.56.192.0/22 ; SBL459831
`;

test('netset parsing: # and ; comments, blank lines, inline comments, invalid lines reported', () => {
  const f = parseNetset(FIREHOL);
  assert.equal(f.entries, ['0.0.0.0/8', '5.188.10.0/23', '45.9.20.0/24', '192.0.2.1', '2001:db8:bad::/48']);
  assert.equal(f.invalid, [{ line: 10, text: 'not-an-address' }]);
  assert.equal(parseNetset(SPAMHAUS).entries, ['1.10.16.0/20', '2.56.192.0/22']);
});

test('prefix matcher: IPv4 ranges, single hosts, IPv6 and IPv4-mapped', () => {
  const m = new PrefixMatcher(parseNetset(FIREHOL).entries);
  assert.ok(m.has('5.188.11.255'));
  assert.not.ok(m.has('5.188.12.0'));
  assert.ok(m.has('192.0.2.1'));
  assert.not.ok(m.has('192.0.2.2'));
  assert.ok(m.has('0.1.2.3'));
  assert.ok(m.has('2001:db8:bad:1::5'));
  assert.not.ok(m.has('2001:db8:bae::1'));
  assert.ok(m.has('::ffff:45.9.20.7'));
  assert.not.ok(m.has('garbage'));
});

test('prefix matcher agrees with a linear scan on random addresses (overlaps merged)', () => {
  const cidrs = ['10.0.0.0/8', '10.1.0.0/16', '11.0.0.0/24', '11.0.0.128/25', '11.0.1.0/24', '200.0.0.0/7'];
  const m = new PrefixMatcher(cidrs);
  const nets = cidrs.map((c) => parseCidr(c));
  for (let i = 0; i < 3000; i++) {
    const ip = `${[10, 11, 12, 200, 201, 202][i % 6]}.${i % 3}.${(i * 7) % 256}.${(i * 13) % 256}`;
    const expected = nets.some(([n, len]) => (parseCidr(ip)[0] as typeof n).match([n, len] as never));
    assert.is(m.has(ip), expected, ip);
  }
});

test('bad CIDR throws a coded error', () => {
  try {
    parseCidr('10.0.0.0/33');
    assert.unreachable();
  } catch (e) {
    assert.instance(e, RulesError);
    assert.is((e as RulesError).code, 'DETECT_BAD_CIDR');
  }
});

test('protocol anomalies: port 0, LAND, ICMP error flood', () => {
  assert.equal(protocolAnomalies({ portZero: false, land: false, icmpErrorRate: 10 }, 50), []);
  const names = protocolAnomalies({ portZero: true, land: true, icmpErrorRate: 80 }, 50).map((s) => s.name);
  assert.equal(names, ['protocol.port-zero', 'protocol.land', 'protocol.icmp-error-flood']);
});

test.run();
