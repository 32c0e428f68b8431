/**
 * Blocks end, and come back longer: with short policy durations, a SYN-flood attacker is
 * blocked, the block expires after the attack stopped (and its flow leaves the switch), and
 * when the same attacker floods again its new block is longer than the first.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Mininet } from '../support/mininet.js';
import { dumpFlows } from '../support/ovs.js';
import { startGuard, waitFor } from '../support/controller.js';
import { startFlood, startHttpServer } from '../support/traffic.js';
import type { Decision } from '../../controller/policy/decision.js';

const reoffence = suite('re-offence');

const ATT = '10.0.0.3'; // office,servers=1,clients=1: srv1 .1, cli1 .2, att1 .3
const S = 1000;

const isBlock = (d: Decision) => d.target.src === ATT && (d.action === 'drop' || d.action === 'selective-drop');
const lasts = (d: Decision) => d.expiresAt - (d.updatedAt ?? d.createdAt);
const guardFlowsFor = (src: string) => dumpFlows('s1', 'table=0').filter((l) => l.includes(`nw_src=${src}`) && /actions=(drop|meter:)/.test(l));

reoffence('a block expires after the attack stops, and a second offence gets a longer block', async () => {
  const { guard, port } = await startGuard({
    controller: { pollIntervalMs: 1000 },
    // Every duration short, step-downs included (a quiet source goes drop → rate-limit →
    // monitor, one stepDownMs each).
    policy: {
      durations: { lowMs: 3 * S, mediumMs: 5 * S, highMs: 6 * S, criticalMinMs: 6 * S, criticalMaxMs: 8 * S, maxMs: 120 * S, jitterShare: 0 },
      unblock: { stepDownMs: 5 * S },
    },
  });
  const decisions: Decision[] = [];
  const ended: Decision[] = [];
  guard.on('decisions', (r) => { decisions.push(...r.decisions); ended.push(...r.ended); });
  const net = new Mininet();
  try {
    await net.start({ topo: 'office,servers=1,clients=1,attackers=4', port });
    await waitFor('switch up', () => guard.controller.poller.lastPoll.size === 1 || undefined, 30_000);
    await startHttpServer(net, 'srv1', 8080, 150);

    let flood = await startFlood(net, 'att1', '10.0.0.1', '-S -p 8080', 8);
    const first = await waitFor('first block', () => decisions.find(isBlock), 30_000);
    await net.wait(flood.handle, 30);
    // The attack stopped: the block must end by itself and its flow leave the switch.
    await waitFor('no mitigation left for the attacker', () =>
      (guard.activeDecisions().every((d) => d.target.src !== ATT || d.action === 'monitor') && guardFlowsFor(ATT).length === 0) || undefined, 90_000, 500)
      .catch((err: Error) => {
        // Say what was still there, and how it got there.
        const story = decisions.filter((d) => d.target.src === ATT).map((d) => `#${d.id} ${d.action} ${lasts(d) / 1000} s (${d.reason})`).join(' → ');
        throw new Error(`${err.message}; active: ${guard.activeDecisions().map((d) => `#${d.id} ${d.target.src} ${d.action}`).join(', ')}; flows: ${guardFlowsFor(ATT).join(' | ')}; decisions: ${story}; ended: ${ended.map((d) => `#${d.id} ${d.endReason}`).join(', ')}`);
      });
    assert.ok(ended.some((d) => d.id === first.id), 'the first block ended');

    const before = decisions.length;
    flood = await startFlood(net, 'att1', '10.0.0.1', '-S -p 8080', 8);
    const second = await waitFor('second block', () => decisions.slice(before).find(isBlock), 30_000);
    await net.wait(flood.handle, 30);
    console.log(`  first block #${first.id}: offence ${first.offence}, ${lasts(first) / 1000} s; second #${second.id}: offence ${second.offence}, ${lasts(second) / 1000} s`);
    assert.ok(second.offence > first.offence, `offence ${second.offence} after ${first.offence}`);
    assert.ok(lasts(second) > lasts(first), `second block ${lasts(second)} ms, first ${lasts(first)} ms`);
  } finally {
    await net.stop();
    await guard.stop();
  }
});

reoffence.run();
