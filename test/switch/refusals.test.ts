/** Refusals at the caps: every one accounted for in the log, a flood summed up per window. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { pino } from 'pino';
import { RefusalLog } from '../../controller/switch/refusals.js';
import { ManualTimers } from '../support/manual-timers.js';

function setup() {
  const lines: Array<Record<string, unknown>> = [];
  const timers = new ManualTimers();
  const log = new RefusalLog({ logger: pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s)) }), clock: timers.clock, timers, windowMs: 10_000 });
  return { lines, timers, log };
}

test('the first refusal of a kind has its own line; the rest of its window one line with the count', () => {
  const { lines, timers, log } = setup();
  for (let i = 0; i < 50; i++) log.record('PEER_LIMIT', '10.0.0.9', `10.0.0.9:${4000 + i}`, '64 connections from 10.0.0.9 already open (maxConnectionsPerPeer 64)');
  log.record('PEER_LIMIT', '10.0.0.8', '10.0.0.8:5000', '64 connections from 10.0.0.8 already open (maxConnectionsPerPeer 64)');
  assert.equal(lines.map((l) => [l.msg, l.code, l.remote]), [
    ['refused an OpenFlow connection', 'PEER_LIMIT', '10.0.0.9:4000'],
    ['refused an OpenFlow connection', 'PEER_LIMIT', '10.0.0.8:5000'],
  ]);
  timers.advance(9_999);
  assert.is(lines.length, 2);
  timers.advance(1);
  assert.is(lines.length, 3);
  assert.equal(lines[2], { ...lines[2], msg: 'refused more OpenFlow connections', code: 'PEER_LIMIT', peer: '10.0.0.9', refused: 49, overMs: 10_000 });
  assert.equal(log.counts, { PEER_LIMIT: 51, TOTAL_LIMIT: 0 });
  // A new window starts with a line of its own again.
  log.record('PEER_LIMIT', '10.0.0.9', '10.0.0.9:6000', 'again');
  assert.is(lines.at(-1)!.remote, '10.0.0.9:6000');
  assert.is(timers.pending, 1, "both first windows ended; the new one is open");
});

test('the total cap is one kind whatever the peer, its summary says how many peers', () => {
  const { lines, timers, log } = setup();
  for (let i = 0; i < 300; i++) log.record('TOTAL_LIMIT', `10.1.${i >> 8}.${i & 255}`, `10.1.${i >> 8}.${i & 255}:1`, '1024 connections already open (maxConnections 1024)');
  assert.is(lines.length, 1);
  timers.advance(10_000);
  assert.equal([lines[1]!.msg, lines[1]!.refused, lines[1]!.peers], ['refused more OpenFlow connections', 299, 300]);
});

test('flush sums up open windows at once (the server is closing); a window without more refusals adds nothing', () => {
  const { lines, timers, log } = setup();
  log.record('TOTAL_LIMIT', 'a', 'a:1', 'r');
  log.record('PEER_LIMIT', 'b', 'b:1', 'r');
  log.record('PEER_LIMIT', 'b', 'b:2', 'r');
  log.flush();
  assert.equal(lines.map((l) => l.msg), ['refused an OpenFlow connection', 'refused an OpenFlow connection', 'refused more OpenFlow connections']);
  assert.is(timers.pending, 0);
});

test.run();
