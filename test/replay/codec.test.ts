import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ReplayError, decodeHeader, decodeSnapshot, encodeLine } from '../../controller/replay/codec.js';
import type { TrafficSnapshot } from '../../controller/stats/snapshot.js';

const snapshot: TrafficSnapshot = {
  dpid: '0000000000000001',
  now: 1_735_689_601_000,
  intervalMs: 1000,
  pollMs: 3,
  flows: [
    { dpid: '0000000000000001', table: 1, cookie: 0xaaaaaaaaaaaaaaaan, kind: 'syn', src: '10.0.0.9', dst: '10.0.0.1', proto: 6, dstPort: 80, packets: 5, bytes: 300, packetRate: 5, byteRate: 300, totalPackets: 9, totalBytes: 540, durationSec: 2 },
  ],
  ports: [],
  meters: [],
};

test('bigints are written as decimal strings and read back as bigints', () => {
  const line = encodeLine(snapshot);
  assert.ok(line.includes('"cookie":"12297829382473034410"'));
  assert.equal(decodeSnapshot(line, 2), snapshot);
});

test('header: format and version are checked with stable codes', () => {
  const code = (f: () => unknown) => {
    try {
      f();
    } catch (e) {
      return (e as ReplayError).code;
    }
    return 'none';
  };
  assert.is(decodeHeader('{"format":"ofguard-trace","version":1,"createdAt":5}').createdAt, 5);
  assert.is(code(() => decodeHeader('{"format":"pcap","version":1}')), 'REPLAY_BAD_HEADER');
  assert.is(code(() => decodeHeader('nope')), 'REPLAY_BAD_HEADER');
  assert.is(code(() => decodeHeader('{"format":"ofguard-trace","version":2}')), 'REPLAY_VERSION');
  assert.is(code(() => decodeSnapshot('{"dpid":"1"}', 7)), 'REPLAY_BAD_LINE');
  assert.is(code(() => decodeSnapshot('{"dpid":"1","now":1,"flows":[{"cookie":"x"}]}', 7)), 'REPLAY_BAD_LINE');
  assert.throws(() => decodeSnapshot('{', 9), /line 9/);
});

test('missing ports / meters default to empty lists', () => {
  const s = decodeSnapshot('{"dpid":"1","now":1,"intervalMs":0,"pollMs":0,"flows":[]}', 2);
  assert.equal(s.ports, []);
  assert.equal(s.meters, []);
});

test.run();
