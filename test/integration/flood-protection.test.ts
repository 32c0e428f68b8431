/**
 * A random-source flood against a real switch: the accounting table stays under its caps,
 * packet-ins stay bounded by the controller meter, the controller keeps answering (echo
 * round trip), and a legitimate host keeps its connectivity.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Mininet } from '../support/mininet.js';
import { dumpFlows } from '../support/ovs.js';
import { sleep, startController, waitFor } from '../support/controller.js';
import { defaultForwardingOptions } from '../../controller/forwarding/app.js';
import { OFP_VERSION } from '../../controller/openflow/constants.js';

const flood = suite('random-source flood');

flood('tables stay capped, the controller stays responsive, legitimate pings pass', async () => {
  const caps = { maxAccountingFlows: 300, maxAggregateFlows: 40 };
  const { controller, port } = await startController({ forwarding: { ...defaultForwardingOptions, ...caps }, packetInRate: 500 });
  const net = new Mininet();
  try {
    await net.start({ topo: 'single,3', port });
    await waitFor('switch up', () => controller.poller.lastPoll.size === 1 || undefined, 30_000);
    await net.cmd('h3', 'ping -c 1 -W 1 10.0.0.2');
    const attack = await net.spawn('h1', 'timeout -s INT 6 hping3 --rand-source -S -p 80 --flood 10.0.0.2 2>&1 | tail -2', 10);
    const legit = await net.spawn('h3', 'ping -c 30 -i 0.2 -W 1 10.0.0.2', 12);
    const conn = controller.server.switches.values().next().value!;
    const rtts: number[] = [];
    for (let i = 0; i < 20; i++) {
      const t = Date.now();
      await conn.request({ version: OFP_VERSION, type: 'echo_request', xid: 0, data: Buffer.alloc(0) });
      rtts.push(Date.now() - t);
      await sleep(250);
    }
    const attackOut = await net.wait(attack.handle, 15);
    const legitOut = await net.wait(legit.handle, 15);
    await sleep(1500);
    const table1 = dumpFlows('s1', 'table=1');
    const perSource = table1.filter((l) => l.startsWith('cookie=0xf6d02')).length;
    const aggregates = table1.filter((l) => l.startsWith('cookie=0xf6d04')).length;
    const received = Number(legitOut.out.match(/(\d+) received/)?.[1] ?? 0);
    const maxRtt = Math.max(...rtts);
    console.log(`  flood: ${attackOut.out.trim().split('\n').pop()}; per-source flows ${perSource}/${caps.maxAccountingFlows}, aggregates ${aggregates}/${caps.maxAggregateFlows}; packet-ins handled ${controller.forwarding.counters.packetIns}; echo RTT max ${maxRtt} ms; legit ${received}/30`);
    assert.ok(perSource <= caps.maxAccountingFlows, `${perSource} per-source accounting flows`);
    assert.ok(aggregates <= caps.maxAggregateFlows, `${aggregates} aggregate flows`);
    assert.ok(controller.forwarding.counters.capped > 0 || aggregates > 0, 'the flood reached the caps');
    assert.ok(maxRtt < 100, `echo round trip ${maxRtt} ms`);
    assert.ok(received >= 29, `legitimate pings: ${received}/30`);
  } finally {
    await net.stop();
    await controller.stop();
  }
});

flood.run();
