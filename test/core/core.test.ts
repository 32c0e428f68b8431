/**
 * The core on a fake network of several switches (test/support/fake-network.ts): the real
 * forwarding app, poller, core and enforcer over fake tables that count traffic. What one
 * switch at a time could not show: evidence and scope across switches.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FakeNetwork, defend, type Defence } from '../support/fake-network.js';
import type { Decision } from '../../controller/policy/decision.js';

const S = 1000;
/** Every duration short, so expiries and their reviews happen within a simulated minute. */
const shortBlocks = {
  durations: { lowMs: 3 * S, mediumMs: 5 * S, highMs: 6 * S, criticalMinMs: 6 * S, criticalMaxMs: 8 * S, criticalFirstOffenceMaxMs: 8 * S, maxMs: 120 * S, jitterShare: 0 },
  unblock: { stepDownMs: 5 * S },
};

const EDGE = '0000000000000001';
const CORE = '0000000000000002';
const SERVER = '10.0.0.100';
const ATTACKER = '10.0.0.66';

/** Attacker on the edge switch; the server behind the core switch (edge port 3 ↔ core port 3). */
function twoSwitches(): FakeNetwork {
  const net = new FakeNetwork();
  net.addSwitch(EDGE, 3);
  net.addSwitch(CORE, 3);
  net.link(EDGE, 3, CORE, 3);
  net.addHost('att', ATTACKER, EDGE, 1);
  net.addHost('cli', '10.0.0.10', EDGE, 2);
  net.addHost('srv', SERVER, CORE, 1);
  net.addHost('cli2', '10.0.0.11', CORE, 2);
  net.start();
  return net;
}

const synFlood = (src = ATTACKER) => ({ src, dst: SERVER, proto: 6, srcPort: 40000, dstPort: 80, tcpFlags: 0x002 });
const isBlock = (d: Decision) => d.action === 'drop' || d.action === 'selective-drop';
const endReasons = (def: Defence) => def.events.filter((e) => e.kind === 'ended').map((e) => `${e.decision.action}: ${e.decision.endReason}`);
const dropFlowsFor = (net: FakeNetwork, dpid: string, src: string) =>
  net.guardFlows(dpid).filter((f) => f.match.ipv4Src === src && !f.instructions.some((i) => i.type === 'goto_table'));

test('two switches: a block whose drop sits on the switch polled first is judged on its counters, not zeroed by the next switch\'s snapshot', async () => {
  const net = twoSwitches();
  const def = await defend(net, { policy: shortBlocks });
  assert.equal([...net.switches.keys()], [EDGE, CORE], 'the edge switch is polled first');
  net.stream('att', synFlood(), 5000, 60);
  await def.run(6);
  const block = def.events.find((e) => e.kind === 'decision' && isBlock(e.decision));
  assert.ok(block, `blocked within 6 s: ${JSON.stringify(def.events.map((e) => e.decision.action))}`);
  assert.is(dropFlowsFor(net, EDGE, ATTACKER).length, 1, 'the drop sits at the ingress edge');
  assert.is(dropFlowsFor(net, CORE, ATTACKER).length, 0, 'and only there');
  // Several expiries while the flood goes on: each is "still attacking", never a step-down.
  let dropped = true;
  for (let s = 0; s < 45; s++) {
    await def.run(1);
    if (dropFlowsFor(net, EDGE, ATTACKER).length === 0) dropped = false;
  }
  const reasons = endReasons(def);
  assert.ok(reasons.some((r) => /still attacking at expiry/.test(r)), `expired and reviewed: ${reasons.join(' | ')}`);
  assert.not.ok(reasons.some((r) => /quiet|improved|stepping down/.test(r)), reasons.join(' | '));
  assert.ok(dropped, 'the drop never lapsed while the flood went on');
});

test('evidence is the rate the flood really had, on every review', async () => {
  const net = twoSwitches();
  const def = await defend(net, { policy: shortBlocks });
  net.stream('att', synFlood(), 5000, 30);
  await def.run(30);
  const rates = endReasons(def).flatMap((r) => {
    const m = /still attacking at expiry \((\d+) pkt\/s\)/.exec(r);
    return m ? [Number(m[1])] : [];
  });
  assert.ok(rates.length >= 1, endReasons(def).join(' | '));
  for (const rate of rates) assert.ok(rate >= 4500 && rate <= 5500, `${rate} pkt/s measured for a 5000 pkt/s flood`);
  // Once the flood stops, the next review finds the block quiet and steps it down.
  await def.run(30);
  assert.ok(endReasons(def).some((r) => /quiet at expiry/.test(r)), endReasons(def).join(' | '));
});

test('a decision whose drop sits on another switch than the one polled first is judged on that switch', async () => {
  // The server's switch is polled first: its snapshot of each round holds no flow of the block.
  const net = new FakeNetwork();
  net.addSwitch(CORE, 3);
  net.addSwitch(EDGE, 3);
  net.link(EDGE, 3, CORE, 3);
  net.addHost('att', ATTACKER, EDGE, 1);
  net.addHost('srv', SERVER, CORE, 1);
  net.start();
  const def = await defend(net, { policy: shortBlocks });
  assert.equal([...net.switches.keys()], [CORE, EDGE], 'the core switch is polled first');
  net.stream('att', synFlood(), 5000, 40);
  await def.run(35);
  assert.is(dropFlowsFor(net, EDGE, ATTACKER).length, 1, 'the drop sits at the edge');
  const reasons = endReasons(def);
  assert.ok(reasons.some((r) => /still attacking/.test(r)), reasons.join(' | '));
  assert.not.ok(reasons.some((r) => /quiet|improved/.test(r)), reasons.join(' | '));
});

test('legitimate clients on either switch are never touched', async () => {
  const net = twoSwitches();
  const def = await defend(net, { policy: shortBlocks });
  net.stream('att', synFlood(), 5000, 20);
  net.stream('cli', { src: '10.0.0.10', dst: SERVER, proto: 6, srcPort: 41000, dstPort: 80, tcpFlags: 0x010 }, 20, 20);
  net.stream('cli2', { src: '10.0.0.11', dst: SERVER, proto: 6, srcPort: 41001, dstPort: 80, tcpFlags: 0x010 }, 20, 20);
  await def.run(20);
  const touched = def.events.filter((e) => e.kind === 'decision' && e.decision.action !== 'monitor' && e.decision.target.src !== ATTACKER);
  assert.equal(touched.map((e) => `${e.decision.target.src} ${e.decision.action}`), []);
  const path = net.send('cli', { src: '10.0.0.10', dst: SERVER, proto: 6, srcPort: 41000, dstPort: 80, tcpFlags: 0x010 }, 1);
  assert.is(path[path.length - 1]!.passed, 1, 'a client packet still reaches the server');
});

test('a flood forging a client\'s address is stopped where it enters; the client keeps working and its record stays clean', async () => {
  const net = twoSwitches();
  const def = await defend(net, { policy: shortBlocks });
  const CLIENT = '10.0.0.10';
  const http = { src: CLIENT, dst: SERVER, proto: 6, srcPort: 41000, dstPort: 80, tcpFlags: 0x010 };
  net.stream('cli', http, 20, 30);
  await def.run(3);
  net.stream('att', synFlood(CLIENT), 5000, 20);
  await def.run(10);
  const blocks = def.events.filter((e) => e.kind === 'decision' && e.decision.action !== 'monitor');
  assert.ok(blocks.length > 0, 'the forged flood is mitigated');
  for (const b of blocks) assert.equal([b.decision.target.dpid, b.decision.target.inPort], [EDGE, 1], `scoped to the attacker's port: ${JSON.stringify(b.decision.target)}`);
  const mitigating = net.guardFlows(EDGE).filter((f) => f.match.ipv4Src === CLIENT);
  assert.ok(mitigating.length > 0 && mitigating.every((f) => f.match.inPort === 1), JSON.stringify(mitigating.map((f) => f.match)));
  const path = net.send('cli', http, 1);
  assert.is(path[path.length - 1]!.passed, 1, 'the real client still reaches the server');
  const record = def.core.policy.source(CLIENT);
  assert.is(record?.offences ?? 0, 0, 'no offence against the address');
  assert.is(record?.reputation, undefined, 'no reputation learned from a forgery');
});

test('a random-source SYN flood: answered at the edge port it enters, no forged address scored, blocked or remembered', async () => {
  const net = twoSwitches();
  const def = await defend(net, { policy: shortBlocks });
  const http = (src: string) => ({ src, dst: SERVER, proto: 6, srcPort: 41000, dstPort: 80, tcpFlags: 0x010 });
  net.stream('cli', http('10.0.0.10'), 20, 30);
  net.stream('cli2', http('10.0.0.11'), 20, 30);
  net.stream('srv', { src: SERVER, dst: '10.0.0.10', proto: 6, srcPort: 80, dstPort: 41000, tcpFlags: 0x010 }, 20, 30);
  net.stream('srv', { src: SERVER, dst: '10.0.0.11', proto: 6, srcPort: 80, dstPort: 41000, tcpFlags: 0x010 }, 20, 30);
  await def.run(5);
  const start = net.clock.now();
  net.streamForged('att', synFlood('0.0.0.0'), 400, 15);
  await def.run(10);
  const mitigations = def.events.filter((e) => e.kind === 'decision' && e.decision.action !== 'monitor');
  assert.ok(mitigations.length > 0, 'the flood is answered');
  const first = mitigations[0]!;
  assert.ok(first.at - start <= 2000, `within 2 s: ${first.at - start} ms`);
  for (const m of mitigations) {
    assert.is(m.decision.target.flood, 'spoofed', JSON.stringify(m.decision.target));
    assert.equal([m.decision.target.dpid, m.decision.target.inPort, m.decision.target.dst], [EDGE, 1, SERVER]);
  }
  assert.equal(net.guardFlows(CORE), [], 'nothing at the core switch');
  const forged = net.send('att', synFlood('198.19.250.1'), 100);
  assert.is(forged[0]!.passed, 0, `a forged SYN is dropped at the edge: ${def.events.map((e) => `${e.kind} ${e.decision.id} ${e.decision.action} ${e.decision.endReason ?? e.decision.reason}`).join(' | ')}`);
  assert.is(net.send('cli', http('10.0.0.10'), 1).at(-1)!.passed, 1, 'a client on the same switch still gets through');
  assert.is(net.send('cli2', http('10.0.0.11'), 1).at(-1)!.passed, 1, 'a client on the core switch too');
  const addressed = def.events.filter((e) => e.decision.target.src !== '0.0.0.0');
  assert.equal(addressed.map((e) => e.decision.target.src), [], 'no decision names a forged address');
  assert.is(def.core.policy.source('198.18.0.9'), undefined, 'no record of a forged address');
});

test.run();
