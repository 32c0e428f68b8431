/** The port limits' arithmetic: message deadlines, peer keys, connection counts against the caps. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ConnectionCounter, defaultPortLimits, messageDeadline, peerKey } from '../../controller/switch/limits.js';

const limits = { messageGraceMs: 5000, minReadBytesPerSec: 16_384 };

test('a message is due after its grace plus its length at the minimum rate, counted from its first byte', () => {
  assert.is(messageDeadline(1000, 65_535, limits), 1000 + 5000 + 4000);
  assert.is(messageDeadline(1000, 16_384, limits), 1000 + 5000 + 1000);
  assert.is(messageDeadline(1000, 8, limits), 1000 + 5000 + 1);
  // Header not in yet: its own 8 bytes.
  assert.is(messageDeadline(1000, undefined, limits), messageDeadline(1000, 8, limits));
  assert.is(messageDeadline(0, 1000, { messageGraceMs: 0, minReadBytesPerSec: 1 }), 1_000_000);
});

test('the defaults close a 64 KiB header trickled at 1 byte/s well before the 45 s the probe held one open', () => {
  const due = messageDeadline(0, 65_535, defaultPortLimits);
  assert.ok(due <= 10_000, `due after ${due} ms`);
  // Yet a full-size message over a 1 Mbit/s link (0.5 s) is far inside it.
  assert.ok((65_535 * 8) / 1_000_000 * 1000 < due);
});

test('peer keys: one per host, IPv4-mapped IPv6 read as IPv4', () => {
  assert.is(peerKey('10.0.0.1'), '10.0.0.1');
  assert.is(peerKey('::ffff:10.0.0.1'), '10.0.0.1');
  assert.is(peerKey('::FFFF:10.0.0.1'), '10.0.0.1');
  assert.is(peerKey('2001:DB8::1'), '2001:db8::1');
  assert.is(peerKey(undefined), '?');
});

test('the counter admits up to each cap, refuses with a code and a reason, and frees on release', () => {
  const c = new ConnectionCounter({ maxConnections: 3, maxConnectionsPerPeer: 2 });
  assert.equal(c.admit('a'), { admitted: true });
  assert.equal(c.admit('a'), { admitted: true });
  assert.equal(c.admit('a'), { admitted: false, code: 'PEER_LIMIT', reason: '2 connections from a already open (maxConnectionsPerPeer 2)' });
  assert.equal(c.admit('b'), { admitted: true });
  assert.equal(c.admit('c'), { admitted: false, code: 'TOTAL_LIMIT', reason: '3 connections already open (maxConnections 3)' });
  assert.is(c.total, 3);
  assert.is(c.of('a'), 2);
  c.release('a');
  assert.is(c.of('a'), 1);
  assert.equal(c.admit('c'), { admitted: true });
  c.release('c');
  c.release('c'); // a second release of the same peer is not a free slot
  assert.is(c.total, 3 - 1);
  assert.is(c.of('c'), 0);
});

test.run();
