import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ManualClock } from '../../controller/clock.js';
import { PolicyEngine } from '../../controller/policy/engine.js';
import { NetworkLoad, busiestPortLoad } from '../../controller/policy/load.js';
import type { PortDelta } from '../../controller/stats/snapshot.js';

function port(portNo: number, rxMbps: number, txMbps = 0, speedKbps = 0): PortDelta {
  const rx = (rxMbps * 1e6) / 8;
  const tx = (txMbps * 1e6) / 8;
  return {
    dpid: '0000000000000001', portNo, rxPackets: 0, txPackets: 0, rxBytes: rx, txBytes: tx, rxDropped: 0, txDropped: 0,
    rxPacketRate: 0, txPacketRate: 0, rxByteRate: rx, txByteRate: tx, speedKbps,
  };
}

test('busiest port: the busier direction over the port speed (kbit/s); reserved and speedless ports left out', () => {
  assert.is(busiestPortLoad([port(1, 40, 85, 100_000), port(2, 300, 0, 1_000_000)]), 0.85);
  assert.is(busiestPortLoad([port(0xfffffffe, 50, 0, 10)]), 0, 'LOCAL is not a link');
  assert.is(busiestPortLoad([port(3, 50)]), 0, 'no speed, no default: unknown');
  assert.is(busiestPortLoad([port(3, 50)], 100_000), 0.5, 'default speed');
  assert.is(busiestPortLoad([port(1, 500, 0, 100_000)]), 1, 'capped at 1');
});

test('network load: the busiest switch, until its snapshots stop', () => {
  const l = new NetworkLoad(10_000);
  l.update('a', 0.3, 0);
  l.update('b', 0.9, 0);
  assert.is(l.current(5_000), 0.9);
  l.update('a', 0.4, 8_000);
  assert.is(l.current(12_000), 0.4, 'b went quiet: its old peak no longer counts');
  assert.is(l.current(30_000), 0);
});

test('a congested link lowers the policy thresholds by 15 %, and the factor recovers with the link', () => {
  const clock = new ManualClock(1_000_000);
  const policy = new PolicyEngine({}, clock);
  policy.evaluate([], undefined, clock.now(), { load: 0.9 });
  const congested = policy.networkAdjustment();
  assert.equal(congested.applied, [{ condition: 'congestion', factor: 0.85 }]);
  assert.is(congested.factor, 0.85);
  policy.evaluate([], undefined, clock.now(), { load: 0.2 });
  assert.equal(policy.networkAdjustment().applied, []);
});

test.run();
