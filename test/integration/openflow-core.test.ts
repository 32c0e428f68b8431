/**
 * The OpenFlow core against real Open vSwitch (userspace datapath) in Mininet: pingall on
 * three topologies, the installed pipeline as ovs-ofctl reads it, stats against generated
 * traffic, a switch reconnect, and a garbage-sending peer next to real switches.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Mininet } from '../support/mininet.js';
import { dumpFlows, dumpMeters, vsctl } from '../support/ovs.js';
import { sleep, startController, waitFor } from '../support/controller.js';
import type { Controller } from '../../controller/controller.js';
import type { TrafficSnapshot } from '../../controller/stats/snapshot.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const core = suite('openflow core on Open vSwitch');

async function withNetwork(topo: string, switches: number, fn: (net: Mininet, controller: Controller, port: number) => Promise<void>) {
  const { controller, port } = await startController();
  const net = new Mininet();
  try {
    await net.start({ topo, port });
    await waitFor(`${switches} switches up`, () => controller.poller.lastPoll.size === switches || undefined, 30_000);
    await fn(net, controller, port);
  } finally {
    await net.stop();
    await controller.stop();
  }
}

for (const [topo, switches] of [['single,4', 1], ['linear,4', 4], ['tree,depth=2,fanout=3', 4]] as const) {
  core(`pingall on ${topo}: zero loss`, async () => {
    await withNetwork(topo, switches, async (net) => {
      await sleep(500); // LLDP probes come back and mark the inter-switch ports
      const r = await net.pingall();
      assert.is(r.loss, 0, `pingall lost ${r.sent - r.received} of ${r.sent}`);
    });
  });
}

core('pipeline as ovs-ofctl reads it; accounting flows at the ingress edge only', async () => {
  await withNetwork('linear,2', 2, async (net) => {
    await sleep(500);
    await net.cmd('h1', 'ping -c 2 -i 0.2 10.0.0.2');
    const s1 = dumpFlows('s1');
    const has = (re: RegExp) => s1.some((l) => re.test(l));
    // ovs-ofctl leaves out "table=0" for the first table
    assert.ok(has(/^cookie=0xf6d010000000000, priority=65000,dl_type=0x88cc actions=CONTROLLER:65535$/), 'LLDP to controller');
    assert.ok(has(/^cookie=0xf6d010000000000, priority=0 actions=goto_table:1$/), 'guard default');
    assert.ok(has(/table=1,.*priority=10,ip actions=CONTROLLER:128,goto_table:2/), 'IPv4 miss reports and forwards');
    assert.ok(has(/table=1,.*priority=3000,in_port=.* actions=goto_table:2/), 'transit port skips accounting');
    assert.ok(has(/table=2,.*priority=0 actions=FLOOD,CONTROLLER:128/), 'forwarding miss floods');
    // the accounting flow names the entry port and the sender's MAC (forged addresses are told apart by them)
    assert.ok(has(/table=1,.*priority=2000,icmp,in_port=\S+,dl_src=[0-9a-f:]{17},nw_src=10.0.0.1,nw_dst=10.0.0.2/), `accounting flow for h1→h2 on s1:\n${s1.join('\n')}`);
    // h1's traffic enters at s1; s2 sees it on a transit port and must not account it.
    const s2 = dumpFlows('s2');
    assert.not.ok(s2.some((l) => /nw_src=10.0.0.1,nw_dst=10.0.0.2/.test(l)), 'no accounting of h1→h2 on s2');
    assert.ok(s2.some((l) => /nw_src=10.0.0.2,nw_dst=10.0.0.1/.test(l)), 'h2→h1 accounted on s2, its ingress');
    assert.match(dumpMeters('s1'), /meter=controller pktps burst stats bands=\s*type=drop rate=1000 burst_size=100/);
  });
});

core('flow stats deltas add up to the packets really sent', async () => {
  await withNetwork('single,2', 1, async (net, controller) => {
    const snaps: TrafficSnapshot[] = [];
    controller.on('snapshot', (s) => snaps.push(s));
    await net.cmd('h1', 'ping -c 1 -W 1 10.0.0.2'); // ARP and the first packet-in
    await sleep(1500);
    snaps.length = 0;
    const r = await net.cmd('h1', 'ping -c 40 -i 0.02 -q 10.0.0.2', 20);
    assert.match(r.out, /40 received/);
    await sleep(2500);
    const sum = snaps.flatMap((s) => s.flows)
      .filter((f) => f.kind === 'accounting' && f.src === '10.0.0.1' && f.dst === '10.0.0.2' && f.proto === 1)
      .reduce((n, f) => n + f.packets, 0);
    assert.is(sum, 40, `accounting deltas summed to ${sum}`);
    const rates = snaps.flatMap((s) => s.flows).filter((f) => f.src === '10.0.0.1' && f.proto === 1 && f.packets > 0);
    assert.ok(rates.every((f) => f.packetRate > 0 && Number.isFinite(f.packetRate)));
    assert.ok(snaps.every((s) => s.pollMs >= 0 && s.ports.length >= 2));
  });
});

core('TCP SYNs are counted apart from the rest of the connection', async () => {
  await withNetwork('single,2', 1, async (net, controller) => {
    const snaps: TrafficSnapshot[] = [];
    controller.on('snapshot', (s) => snaps.push(s));
    await net.cmd('h2', 'ping -c 1 -W 1 10.0.0.1');
    const server = await net.spawn('h2', `${process.execPath} ${ROOT}scripts/traffic/http-server.mjs 10.0.0.2 8080 30`, 35);
    await sleep(1000);
    for (let i = 0; i < 5; i++) {
      const r = await net.cmd('h1', 'curl -s -o /dev/null -w "%{http_code}" --max-time 3 http://10.0.0.2:8080/', 5);
      assert.is(r.out.trim(), '200', `request ${i}: ${r.out}`);
    }
    await sleep(2500);
    await net.kill(server.handle);
    const flows = snaps.flatMap((s) => s.flows).filter((f) => f.src === '10.0.0.1' && f.dst === '10.0.0.2' && f.dstPort === 8080);
    const syns = flows.filter((f) => f.kind === 'syn').reduce((n, f) => n + f.packets, 0);
    const all = flows.filter((f) => f.kind === 'accounting').reduce((n, f) => n + f.packets, 0);
    // One SYN per request; the first request's SYN went to the controller before the flow
    // existed (counted on the accounting flow), and a busy machine may retransmit a SYN.
    assert.ok(syns >= 4 && syns <= 7, `${syns} SYNs counted for 5 connections`);
    assert.ok(all > syns * 3, `accounting saw the whole connections (${all} packets)`);
    const replies = snaps.flatMap((s) => s.flows).filter((f) => f.kind === 'accounting' && f.src === '10.0.0.2' && f.srcPort === 8080);
    assert.ok(replies.reduce((n, f) => n + f.packets, 0) > 0, 'server replies accounted by service port');
  });
});

core('a switch reconnect gives one session and no duplicated pipeline', async () => {
  await withNetwork('single,2', 1, async (net, controller, port) => {
    const downs: string[] = [];
    controller.on('switch_down', (dpid) => downs.push(dpid));
    vsctl('del-controller', 's1');
    await waitFor('switch down', () => downs.length === 1 || undefined);
    vsctl('set-controller', 's1', `tcp:127.0.0.1:${port}`);
    await waitFor('switch back', () => controller.poller.lastPoll.size === 1 || undefined, 20_000);
    await sleep(300);
    assert.is(controller.server.switches.size, 1);
    const after = dumpFlows('s1');
    assert.is(after.filter((l) => /dl_type=0x88cc/.test(l)).length, 1, 'one LLDP flow');
    assert.is(after.filter((l) => /^cookie=0xf6d01/.test(l)).length, 6, 'the six pipeline flows, once each');
    assert.is(controller.poller.lastPoll.size, 1, 'one switch polled');
    const r = await net.pingall();
    assert.is(r.loss, 0);
  });
});

core('a peer sending garbage is dropped while real switches go on', async () => {
  await withNetwork('single,2', 1, async (net, controller, port) => {
    const sock = connect(port, '127.0.0.1');
    sock.resume(); // a paused socket never reports 'close'
    await new Promise((r) => sock.once('connect', r));
    const closed = new Promise<boolean>((resolve) => { sock.once('close', () => resolve(true)); setTimeout(() => resolve(false), 5000); });
    sock.write(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
    assert.ok(await closed, 'garbage peer disconnected');
    assert.is(controller.server.switches.size, 1);
    const r = await net.pingall();
    assert.is(r.loss, 0);
  });
});

core.run();
