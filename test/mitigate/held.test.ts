import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { bandsKey, flowKey, heldFromSwitch, matchKey } from '../../controller/mitigate/held.js';
import type { FlowStats } from '../../controller/openflow/index.js';
import { MeterFlags, Meter } from '../../controller/openflow/constants.js';
import { cookieFor, FlowPurpose, TABLE } from '../../flows/layout.js';

function stats(fields: Partial<FlowStats>): FlowStats {
  return {
    tableId: TABLE.guard, durationSec: 12, durationNsec: 500_000_000, priority: 50000, idleTimeout: 0, hardTimeout: 630, flags: 1,
    cookie: cookieFor(FlowPurpose.drop, 3), packetCount: 0n, byteCount: 0n, match: { ethType: 0x0800, ipv4Src: '192.0.2.1' }, instructions: [],
    ...fields,
  };
}

test('keeps our mitigation flows of the guard table only; install time from the flow age', () => {
  const held = heldFromSwitch([
    stats({}),
    stats({ cookie: cookieFor(FlowPurpose.pipeline), priority: 0, match: {} }),
    stats({ cookie: 0n }),
    stats({ tableId: TABLE.accounting, cookie: cookieFor(FlowPurpose.accounting, 3) }),
  ], [
    { meterId: 4, flags: MeterFlags.PKTPS, bands: [] },
    { meterId: Meter.CONTROLLER, flags: MeterFlags.PKTPS, bands: [] },
  ], 100_000);
  assert.is(held.flows.length, 1);
  assert.is(held.flows[0]!.installedAt, 100_000 - 12_500);
  assert.equal(held.meters.map((m) => m.meterId), [4]);
});

test('match keys ignore field order, IPv6 spelling and all-ones masks', () => {
  assert.is(matchKey({ ipv4Src: '10.0.0.1', ethType: 0x0800 }), matchKey({ ethType: 0x0800, ipv4Src: '10.0.0.1', ipv4SrcMask: '255.255.255.255' }));
  assert.is(matchKey({ ethType: 0x86dd, ipv6Src: '2001:DB8:0:0::1' }), matchKey({ ethType: 0x86dd, ipv6Src: '2001:db8::1' }));
  assert.is.not(matchKey({ ethType: 0x0800, ipv4Src: '10.0.0.0', ipv4SrcMask: '255.255.255.0' }), matchKey({ ethType: 0x0800, ipv4Src: '10.0.0.0' }));
  assert.is.not(flowKey(1, { ethType: 0x0800 }), flowKey(2, { ethType: 0x0800 }));
});

test('meter keys: unit, rate and burst when the BURST flag says it counts', () => {
  const band = (burstSize: number) => [{ type: 'drop' as const, rate: 100, burstSize }];
  assert.is(bandsKey({ flags: MeterFlags.PKTPS | MeterFlags.STATS, bands: band(0) }), bandsKey({ flags: MeterFlags.PKTPS, bands: band(7) }));
  assert.is.not(bandsKey({ flags: MeterFlags.PKTPS | MeterFlags.BURST, bands: band(0) }), bandsKey({ flags: MeterFlags.PKTPS | MeterFlags.BURST, bands: band(7) }));
  assert.is.not(bandsKey({ flags: MeterFlags.PKTPS, bands: band(0) }), bandsKey({ flags: MeterFlags.KBPS, bands: band(0) }));
});

test.run();
