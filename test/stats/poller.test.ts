/**
 * The stats poller against fake switches, on a ManualClock with manual timers: rates over
 * the switch's own reading times, rounds with a deadline, busy switches skipped.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ManualClock } from '../../controller/clock.js';
import { silentLogger } from '../../controller/log.js';
import type { FlowStatsEntry, MeterStats, PortStats } from '../../controller/openflow/index.js';
import { cookieFor, FlowPurpose } from '../../flows/layout.js';
import { StatsPoller, type PollerConnection } from '../../controller/stats/poller.js';
import type { PollRound } from '../../controller/stats/snapshot.js';
import { ManualTimers, advanceSettled, settle } from '../support/manual-timers.js';

/** A switch whose replies the test releases: each reply answers with the counters as they are then. */
class ScriptedSwitch implements PollerConnection {
  isReady = true;
  readonly ports = new Map([[1, { currSpeed: 100_000 }]]);
  packets = 0n;
  portRx = 0n;
  /** Replies waiting for the test to release them. */
  private readonly waiting = { flows: [] as Array<() => void>, ports: [] as Array<() => void>, meters: [] as Array<() => void> };
  /** Answer at once instead of waiting. */
  immediate = true;

  constructor(readonly dpid: string) {}

  visitFlowStats(_body: unknown, visit: (entry: FlowStatsEntry) => void): Promise<number> {
    return this.reply('flows', () => {
      visit({
        tableId: 1, durationSec: 100, durationNsec: 0, priority: 2000, idleTimeout: 0, hardTimeout: 0, flags: 0,
        cookie: cookieFor(FlowPurpose.accounting), packetCount: this.packets, byteCount: this.packets * 60n,
        match: { ethType: 0x0800, ipProto: 6, ipv4Src: '10.0.0.66', ipv4Dst: '10.0.0.100', tcpDst: 80 }, meterId: 0,
      });
      return 1;
    });
  }

  multipart(mpType: 'port_stats' | 'meter'): Promise<never> {
    if (mpType === 'meter') return this.reply('meters', () => [] as MeterStats[]) as Promise<never>;
    return this.reply('ports', () => [{
      portNo: 1, rxPackets: this.portRx, txPackets: 0n, rxBytes: this.portRx * 60n, txBytes: 0n, rxDropped: 0n, txDropped: 0n,
      rxErrors: 0n, txErrors: 0n, rxFrameErr: 0n, rxOverErr: 0n, rxCrcErr: 0n, collisions: 0n, durationSec: 0, durationNsec: 0,
    }] as PortStats[]) as Promise<never>;
  }

  release(kind: 'flows' | 'ports' | 'meters'): void {
    this.waiting[kind].shift()?.();
  }

  private reply<T>(kind: 'flows' | 'ports' | 'meters', answer: () => T): Promise<T> {
    if (this.immediate) return Promise.resolve(answer());
    return new Promise((resolve) => this.waiting[kind].push(() => resolve(answer())));
  }
}

function setup(intervalMs = 1000) {
  const clock = new ManualClock(1_000_000);
  const timers = new ManualTimers(clock);
  const poller = new StatsPoller({ intervalMs, clock, timers, logger: silentLogger });
  const rounds: PollRound[] = [];
  poller.on('round', (r) => rounds.push(r));
  return { clock, timers, poller, rounds };
}

test('rates are taken between the switch\'s readings, not between poll completions', async () => {
  const { clock, poller } = setup();
  const sw = new ScriptedSwitch('01');
  sw.immediate = false;
  poller.add(sw);
  // Poll 1: the flow stats come back at once, the port stats 900 ms later (a busy switch).
  const first = poller.pollRound();
  sw.release('flows');
  sw.release('meters');
  await settle();
  clock.advance(900);
  sw.release('ports');
  await first;
  // Poll 2, at +1000 ms: everything answers within 10 ms. 5000 packets went by meanwhile.
  clock.set(1_000_000 + 1000);
  sw.packets += 5000n;
  sw.portRx += 5000n;
  const second = poller.pollRound();
  sw.release('flows');
  sw.release('meters');
  clock.advance(10);
  sw.release('ports');
  const round = await second;
  const snap = round.snapshots[0]!;
  assert.is(snap.intervalMs, 1000, 'the flow counters were read 1000 ms apart');
  assert.is(snap.flows[0]!.packetRate, 5000, 'not 5000 packets over the 110 ms between completions');
  assert.is(snap.ports[0]!.rxPacketRate, 5000 / 0.11, 'port counters: over their own readings (900 ms → 1010 ms)');
  assert.is(snap.ports[0]!.speedKbps, 100_000, 'the port speed travels with the port');
});

test('a round holds every switch polled together; one answering after the deadline joins the next round', async () => {
  const { timers, poller, rounds } = setup();
  const a = new ScriptedSwitch('0a');
  const b = new ScriptedSwitch('0b');
  b.immediate = false;
  poller.add(a);
  poller.add(b);
  const first = poller.pollRound();
  await settle(); // a answers at once
  await advanceSettled(timers, 1000); // b has not answered by the deadline
  await first;
  assert.equal(rounds.map((r) => r.snapshots.map((s) => s.dpid)), [['0a']]);
  // b answers late: its snapshot waits for the next round, which also polls both again.
  b.release('flows');
  b.release('ports');
  b.release('meters');
  await settle();
  b.immediate = true;
  await poller.pollRound();
  assert.equal(rounds[1]!.snapshots.map((s) => s.dpid), ['0b', '0a', '0b'], 'the late snapshot first, then this round\'s');
});

test('a switch still answering its previous poll is skipped, not queued', async () => {
  const { poller } = setup();
  const sw = new ScriptedSwitch('01');
  sw.immediate = false;
  poller.add(sw);
  const p1 = poller.poll('01');
  assert.is(await poller.poll('01'), undefined, 'busy: skipped');
  sw.release('flows');
  sw.release('ports');
  sw.release('meters');
  assert.ok(await p1);
});

test('start() polls a round every interval on the interval\'s cadence; stop() ends it', async () => {
  const { timers, poller, rounds } = setup(500);
  poller.add(new ScriptedSwitch('01'));
  poller.start();
  await advanceSettled(timers, 2000);
  assert.is(rounds.length, 4);
  poller.stop();
  await advanceSettled(timers, 2000);
  assert.is(rounds.length, 4);
});

test('a switch not ready, or removed, is not polled', async () => {
  const { poller } = setup();
  const sw = new ScriptedSwitch('01');
  sw.isReady = false;
  poller.add(sw);
  assert.equal((await poller.pollRound()).snapshots, []);
  sw.isReady = true;
  poller.remove('01');
  assert.equal((await poller.pollRound()).snapshots, []);
});

test('pollSoon: a round at once between the regular ones, never while one is open nor within a quarter interval of the last', async () => {
  const { timers, poller, rounds } = setup(1000);
  poller.add(new ScriptedSwitch('0a'));
  assert.is(poller.pollSoon(), false, 'not before start()');
  poller.start();
  await advanceSettled(timers, 1000);
  assert.is(rounds.length, 1);
  await advanceSettled(timers, 100);
  assert.is(poller.pollSoon(), false, '100 ms after a round began');
  await advanceSettled(timers, 200);
  assert.is(poller.pollSoon(), true, '300 ms after');
  await settle();
  assert.is(rounds.length, 2, 'the extra round came out at once');
  assert.is(poller.pollSoon(), false, 'right after the extra one');
  await advanceSettled(timers, 700);
  assert.is(rounds.length, 3, 'the regular round keeps its cadence');
  poller.stop();
});

test.run();
