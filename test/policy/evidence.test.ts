import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EvidenceBook, blockedRates } from '../../controller/policy/evidence.js';
import type { FlowDelta, TrafficSnapshot } from '../../controller/stats/snapshot.js';

function flow(over: Partial<FlowDelta>): FlowDelta {
  return { dpid: '0000000000000001', table: 0, cookie: 1n, kind: 'drop', src: '', packets: 0, bytes: 0, packetRate: 0, byteRate: 0, totalPackets: 0, totalBytes: 0, durationSec: 1, ...over };
}
const snap = (dpid: string, flows: FlowDelta[], now = 0): TrafficSnapshot => ({ dpid, now, intervalMs: 1000, pollMs: 1, flows, ports: [], meters: [] });

test('one snapshot: drop and meter flows per source key, victim meters per victim; other kinds ignored', () => {
  const rates = blockedRates(snap('1', [
    flow({ src: '203.0.113.7', packetRate: 100 }), flow({ kind: 'accounting', src: '203.0.113.7', packetRate: 1e6 }),
    flow({ src: '203.0.113.7', kind: 'meter', packetRate: 50 }), flow({ src: '198.51.100.0', srcPrefix: 24, packetRate: 7 }),
    flow({ kind: 'meter', dst: '10.0.0.2', packetRate: 900 }), flow({ kind: 'meter', src: '0.0.0.0', srcPrefix: 0, dst: '10.0.0.2', packetRate: 100 }),
  ]));
  assert.equal(Object.fromEntries(rates), { '203.0.113.7': 150, '198.51.100.0/24': 7, 'victim:10.0.0.2': 1000 });
});

test('the book sums every switch\'s latest reading: a switch without the block does not zero it', () => {
  const book = new EvidenceBook(10_000);
  book.record(snap('1', [flow({ src: '203.0.113.7', packetRate: 5000 })], 1000));
  book.record(snap('2', [flow({ src: '198.51.100.9', packetRate: 10 })], 1000));
  assert.equal(Object.fromEntries(book.rates(1000)), { '203.0.113.7': 5000, '198.51.100.9': 10 });
  // Switch 2 polled again, switch 1 not (yet): switch 1's reading still stands.
  book.record(snap('2', [flow({ src: '203.0.113.7', packetRate: 40 })], 2000));
  assert.equal(Object.fromEntries(book.rates(2000)), { '203.0.113.7': 5040 });
});

test('a switch not heard from within the max age, or gone, no longer counts', () => {
  const book = new EvidenceBook(10_000);
  book.record(snap('1', [flow({ src: '203.0.113.7', packetRate: 5000 })], 0));
  book.record(snap('2', [flow({ src: '203.0.113.7', packetRate: 30 })], 9_000));
  assert.is(book.rates(10_000).get('203.0.113.7'), 5030);
  assert.is(book.rates(10_001).get('203.0.113.7'), 30, 'switch 1 went quiet');
  book.forget('2');
  assert.is(book.rates(10_002).size, 0);
});

test.run();
