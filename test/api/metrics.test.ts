/** Metrics from the Guard's events and state, scraped from the registry (no socket). */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Guard } from '../../controller/guard.js';
import { ManualClock } from '../../controller/clock.js';
import { silentLogger } from '../../controller/log.js';
import { createMetrics } from '../../controller/api/metrics.js';
import type { Detection } from '../../controller/detect/detection.js';
import type { TrafficSnapshot } from '../../controller/stats/snapshot.js';

const clock = new ManualClock(Date.UTC(2025, 0, 1));
/** Only the fields the metrics read. */
const scan = { pattern: 'single-to-many', attackType: 'scan' } as unknown as Detection;
const guard = new Guard({ controller: { port: 0, host: '127.0.0.1' }, dataDir: mkdtempSync(join(tmpdir(), 'ofguard-metrics-')), clock, logger: silentLogger });

function line(text: string, prefix: string): string | undefined {
  return text.split('\n').find((l) => l.startsWith(prefix));
}

test('events are counted; counters follow the product; listeners go on close', async () => {
  const metrics = createMetrics(guard, () => clock.now());
  guard.emit('detections', [scan, scan]);
  guard.controller.poller.lastPoll.set('0000000000000001', { dpid: '0000000000000001', at: clock.now(), pollMs: 30, flows: 1200, ports: 4, meters: 0 });
  guard.emit('snapshot', { dpid: '0000000000000001', ports: [{ rxPackets: 100, rxBytes: 9000 }, { rxPackets: 20, rxBytes: 1000 }] } as TrafficSnapshot);
  guard.controller.forwarding.counters.packetIns = 7;
  await guard.enforce(guard.policy.block({ src: '203.0.113.5', actor: 'test', reason: 'metrics', action: 'rate-limit' }));

  let text = await metrics.scrape();
  assert.is(line(text, 'ofguard_detections_total{'), 'ofguard_detections_total{pattern="single-to-many",attack_type="scan"} 2');
  assert.is(line(text, 'ofguard_poll_duration_seconds_bucket{le="0.05"}'), 'ofguard_poll_duration_seconds_bucket{le="0.05"} 1');
  assert.is(line(text, 'ofguard_poll_flow_entries_bucket{le="5000"}'), 'ofguard_poll_flow_entries_bucket{le="5000"} 1');
  assert.is(line(text, 'ofguard_packet_ins_total '), 'ofguard_packet_ins_total 7');
  assert.is(line(text, 'ofguard_active_mitigations{'), 'ofguard_active_mitigations{action="rate-limit"} 1');
  assert.is(line(text, 'ofguard_decisions_total{'), 'ofguard_decisions_total{action="rate-limit",origin="admin"} 1');
  assert.is(line(text, 'ofguard_switch_received_packets_total{'), 'ofguard_switch_received_packets_total{dpid="0000000000000001"} 120');
  assert.is(line(text, 'ofguard_switch_received_bytes_total{'), 'ofguard_switch_received_bytes_total{dpid="0000000000000001"} 10000');
  assert.ok(Number(line(text, 'ofguard_sqlite_write_seconds_count')!.split(' ')[1]) >= 1, 'the block was committed and timed');
  const bands = text.split('\n').filter((l) => l.startsWith('ofguard_reputation_sources{'));
  assert.is(bands.length, 5, 'one series per band');
  assert.is(bands.reduce((n, l) => n + Number(l.split(' ')[1]), 0), [...guard.policy.sourceRecords()].length, 'every source in one band');

  guard.controller.forwarding.counters.packetIns = 10;
  text = await metrics.scrape();
  assert.is(line(text, 'ofguard_packet_ins_total '), 'ofguard_packet_ins_total 10', 'mirrored, not double-counted');

  metrics.close();
  guard.emit('detections', [scan]);
  text = await metrics.scrape();
  assert.ok(line(text, 'ofguard_detections_total{')!.endsWith(' 2'));
});

test('a decision that cannot be enforced moves the apply failures, the decision failures by code and the failed gauge', async () => {
  const metrics = createMetrics(guard, () => clock.now());
  const zoned = { ...guard.policy.activeDecisions()[0]!, id: 9001, target: { src: 'fe80::1%eth0' } };
  let text = await metrics.scrape();
  assert.is(line(text, 'ofguard_enforcer_apply_failures_total '), 'ofguard_enforcer_apply_failures_total 0');
  assert.is(line(text, 'ofguard_enforcer_failed_decisions{code="MITIGATE_NOT_ENCODABLE"}'), 'ofguard_enforcer_failed_decisions{code="MITIGATE_NOT_ENCODABLE"} 0');
  await guard.enforce({ decisions: [zoned], ended: [] });
  text = await metrics.scrape();
  assert.is(line(text, 'ofguard_enforcer_apply_failures_total '), 'ofguard_enforcer_apply_failures_total 1');
  assert.is(line(text, 'ofguard_enforcer_decision_failures_total{'), 'ofguard_enforcer_decision_failures_total{code="MITIGATE_NOT_ENCODABLE"} 1');
  assert.is(line(text, 'ofguard_enforcer_failed_decisions{code="MITIGATE_NOT_ENCODABLE"}'), 'ofguard_enforcer_failed_decisions{code="MITIGATE_NOT_ENCODABLE"} 1');
  await guard.enforce({ decisions: [], ended: [zoned] });
  text = await metrics.scrape();
  assert.is(line(text, 'ofguard_enforcer_failed_decisions{code="MITIGATE_NOT_ENCODABLE"}'), 'ofguard_enforcer_failed_decisions{code="MITIGATE_NOT_ENCODABLE"} 0');
  assert.is(line(text, 'ofguard_enforcer_decision_failures_total{'), 'ofguard_enforcer_decision_failures_total{code="MITIGATE_NOT_ENCODABLE"} 1', 'a counter');
  metrics.close();
});

test('the event stream reports its clients, sent and dropped events', async () => {
  const stream = { clients: 2, sent: 40, dropped: 3 };
  const metrics = createMetrics(guard, () => clock.now(), () => stream);
  let text = await metrics.scrape();
  assert.is(line(text, 'ofguard_event_stream_clients '), 'ofguard_event_stream_clients 2');
  assert.is(line(text, 'ofguard_event_stream_dropped_total '), 'ofguard_event_stream_dropped_total 3');
  stream.sent = 55;
  text = await metrics.scrape();
  assert.is(line(text, 'ofguard_event_stream_sent_total '), 'ofguard_event_stream_sent_total 55');
  metrics.close();
  guard.store.close();
});

test.run();
