import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { blockedRates } from '../../controller/policy/evidence.js';
import type { FlowDelta, TrafficSnapshot } from '../../controller/stats/snapshot.js';

function flow(over: Partial<FlowDelta>): FlowDelta {
  return { dpid: '0000000000000001', table: 0, cookie: 1n, kind: 'drop', src: '', packets: 0, bytes: 0, packetRate: 0, byteRate: 0, totalPackets: 0, totalBytes: 0, durationSec: 1, ...over };
}
const snap = (dpid: string, flows: FlowDelta[]): TrafficSnapshot => ({ dpid, now: 0, intervalMs: 1000, pollMs: 1, flows, ports: [], meters: [] });

test('drop and meter flows summed per source key across switches; other kinds ignored', () => {
  const rates = blockedRates([
    snap('1', [flow({ src: '203.0.113.7', packetRate: 100 }), flow({ kind: 'accounting', src: '203.0.113.7', packetRate: 1e6 })]),
    snap('2', [flow({ src: '203.0.113.7', kind: 'meter', packetRate: 50 }), flow({ src: '198.51.100.0', srcPrefix: 24, packetRate: 7 })]),
    snap('3', [flow({ kind: 'meter', dst: '10.0.0.2', packetRate: 900 }), flow({ kind: 'meter', src: '0.0.0.0', srcPrefix: 0, dst: '10.0.0.2', packetRate: 100 })]),
  ]);
  assert.equal(Object.fromEntries(rates), { '203.0.113.7': 150, '198.51.100.0/24': 7, 'victim:10.0.0.2': 1000 });
});

test.run();
