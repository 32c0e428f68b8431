import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EvidenceBook, blockedRates } from '../../controller/policy/evidence.js';
import { cookieFor, FlowPurpose } from '../../flows/layout.js';
import type { FlowDelta, TrafficSnapshot } from '../../controller/stats/snapshot.js';

function flow(over: Partial<FlowDelta> & { decision?: number; purpose?: number }): FlowDelta {
  const { decision = 0, purpose = FlowPurpose.drop, ...rest } = over;
  return { dpid: '0000000000000001', table: 0, cookie: cookieFor(purpose as FlowPurpose, decision), kind: 'drop', src: '', packets: 0, bytes: 0, packetRate: 0, byteRate: 0, totalPackets: 0, totalBytes: 0, durationSec: 1, ...rest };
}
const snap = (dpid: string, flows: FlowDelta[], now = 0): TrafficSnapshot => ({ dpid, now, intervalMs: 1000, pollMs: 1, flows, ports: [], meters: [] });

test('one snapshot: drop and meter flows per decision (the id in their cookie); other kinds and id 0 ignored', () => {
  const rates = blockedRates(snap('1', [
    flow({ decision: 7, src: '203.0.113.7', packetRate: 100 }),
    flow({ kind: 'accounting', purpose: FlowPurpose.accounting, src: '203.0.113.7', packetRate: 1e6 }),
    flow({ decision: 7, kind: 'meter', purpose: FlowPurpose.rateLimit, packetRate: 50 }),
    flow({ decision: 9, kind: 'meter', purpose: FlowPurpose.throttleVictim, dst: '10.0.0.2', packetRate: 900 }),
    flow({ decision: 0, packetRate: 5 }),
  ]));
  assert.equal([...rates], [[7, 150], [9, 900]]);
});

test('the book sums every switch\'s latest reading: a switch without the block does not zero it', () => {
  const book = new EvidenceBook(10_000);
  book.record(snap('1', [flow({ decision: 3, packetRate: 5000 })], 1000));
  book.record(snap('2', [flow({ decision: 4, packetRate: 10 })], 1000));
  assert.equal([...book.rates(1000)], [[3, 5000], [4, 10]]);
  // Switch 2 polled again, switch 1 not (yet): switch 1's reading still stands.
  book.record(snap('2', [flow({ decision: 3, packetRate: 40 })], 2000));
  assert.equal([...book.rates(2000)], [[3, 5040]]);
});

test('a switch not heard from within the max age, or gone, no longer counts', () => {
  const book = new EvidenceBook(10_000);
  book.record(snap('1', [flow({ decision: 3, packetRate: 5000 })], 0));
  book.record(snap('2', [flow({ decision: 3, packetRate: 30 })], 9_000));
  assert.is(book.rates(10_000).get(3), 5030);
  assert.is(book.rates(10_001).get(3), 30, 'switch 1 went quiet');
  book.forget('2');
  assert.is(book.rates(10_002).size, 0);
});

test.run();
