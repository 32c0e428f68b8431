/**
 * /metrics against known traffic: ofguard (with its admin API) serves a Mininet `single,2`
 * network on real Open vSwitch; h1 sends exactly 100 pings to h2, and the Prometheus text
 * scraped over HTTP must count them — 100 requests received on h1's port and 100 replies on
 * h2's — alongside the switch, poll and per-source figures.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Mininet } from '../support/mininet.js';
import { sleep, startGuard, waitFor } from '../support/controller.js';
import { startApi, type RunningApi } from '../../controller/api/index.js';

const PINGS = 100;

/** The value of the first sample line starting with `prefix`, 0 when there is none. */
function sample(text: string, prefix: string): number {
  const line = text.split('\n').find((l) => l.startsWith(prefix));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
}

test('metrics count what the switch really carried', async () => {
  const { guard, port, dataDir } = await startGuard({ controller: { pollIntervalMs: 500 } });
  let api: RunningApi | undefined;
  const net = new Mininet();
  try {
    api = await startApi(guard, { dataDir, api: { enabled: true, listen: '127.0.0.1', port: 0, rateLimit: { perSecond: 100, burst: 100 }, allowedHosts: [] } });
    const scrape = async () => (await fetch(`${api!.url}/metrics`)).text();
    const started = await net.start({ topo: 'single,2', port });
    const dpid = started.switches[0]!.dpid.padStart(16, '0');
    await waitFor('switch up', () => guard.controller.poller.lastPoll.size === 1 || undefined, 30_000);
    // Addresses learned and the first polls done before the baseline is read.
    await net.cmd('h1', 'ping -c 2 -i 0.2 -W 1 10.0.0.2 >/dev/null', 10);
    await sleep(2000);
    const before = await scrape();
    const out = (await net.cmd('h1', `ping -c ${PINGS} -i 0.02 -W 1 10.0.0.2 | tail -2`, 30)).out;
    assert.match(out, new RegExp(`${PINGS} packets transmitted, ${PINGS} received`), out);
    await sleep(2000); // a few polls past the last reply
    const after = await scrape();

    const received = sample(after, `ofguard_switch_received_packets_total{dpid="${dpid}"}`) - sample(before, `ofguard_switch_received_packets_total{dpid="${dpid}"}`);
    console.log(`  ${PINGS} pings: the switch received ${received} packets between the scrapes`);
    // Every echo request and reply, plus at most a little neighbour discovery / ARP chatter.
    assert.ok(received >= 2 * PINGS && received <= 2 * PINGS + 20, `received ${received}, expected ${2 * PINGS}…${2 * PINGS + 20}`);
    const bytes = sample(after, `ofguard_switch_received_bytes_total{dpid="${dpid}"}`) - sample(before, `ofguard_switch_received_bytes_total{dpid="${dpid}"}`);
    assert.ok(bytes >= 2 * PINGS * 98, `bytes ${bytes}: each ping frame is 98 bytes`);
    assert.is(sample(after, 'ofguard_switches_connected'), 1);
    assert.ok(sample(after, 'ofguard_snapshots_total') - sample(before, 'ofguard_snapshots_total') >= 4, 'polls kept coming');
    assert.ok(sample(after, 'ofguard_poll_duration_seconds_count') >= 8);
    assert.ok(sample(after, 'ofguard_packet_ins_total') > 0);
    assert.ok(after.includes('ofguard_top_source_packet_rate{src="10.0.0.1"}'), 'the pinging host is among the top sources');
    assert.ok(after.includes('ofguard_top_source_mitigation_level{src="10.0.0.1"} 0'), 'and nothing is done about it');
    assert.is(sample(after, 'ofguard_decisions_total{'), 0, 'no decision for 100 pings');
  } finally {
    await net.stop();
    await api?.close();
    await guard.stop();
  }
});

test.run();
