/**
 * Alerts from a real Guard's events to real HTTP receivers on 127.0.0.1: severity
 * filtering per webhook, dedupe within the window, decisions from the policy, the
 * /metrics counters, and a hanging receiver that must not hold the guard.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Alerter } from '../../controller/alerts/alerter.js';
import { createMetrics } from '../../controller/api/metrics.js';
import { ManualClock } from '../../controller/clock.js';
import { configSchema } from '../../controller/config/schema.js';
import { Guard } from '../../controller/guard.js';
import { silentLogger } from '../../controller/log.js';
import { scanDetection } from './fixtures.js';
import { startReceiver } from './receiver.js';

const clock = new ManualClock(Date.UTC(2025, 0, 1));

function newGuard(): Guard {
  return new Guard({ controller: { port: 0, host: '127.0.0.1' }, dataDir: mkdtempSync(join(tmpdir(), 'ofguard-alerts-')), clock, logger: silentLogger });
}

function alertsConfig(alerts: unknown) {
  return configSchema.parse({ alerts }).alerts;
}

test('per-webhook minimum severity; the same alert once per dedupe window', async () => {
  const soc = await startReceiver();
  const pager = await startReceiver();
  const guard = newGuard();
  const alerter = new Alerter({
    clock, logger: silentLogger,
    config: alertsConfig({ dedupeWindowS: 60, webhooks: [{ url: soc.url, name: 'soc' }, { url: pager.url, format: 'slack', minSeverity: 'critical', name: 'pager' }] }),
  });
  alerter.attach(guard);
  try {
    guard.emit('detections', [scanDetection(), scanDetection({ src: '10.0.0.20', severity: 'medium' }), scanDetection({ src: '10.0.0.30', severity: 'critical', attackType: 'syn-flood' })]);
    clock.advance(30_000);
    guard.emit('detections', [scanDetection()]); // within the window: the same alert
    await alerter.idle();
    assert.equal(soc.received.map((r) => (r.body as { source: string }).source), ['10.0.0.9', '10.0.0.30']);
    assert.is(pager.received.length, 1);
    assert.match((pager.received[0]!.body as { text: string }).text, /CRITICAL detection: syn-flood from 10\.0\.0\.30/);

    clock.advance(31_000);
    guard.emit('detections', [scanDetection()]); // the window has passed
    await alerter.idle();
    assert.is(soc.received.length, 3);
  } finally {
    alerter.close();
    guard.store.close();
    await soc.close();
    await pager.close();
  }
});

test('a block decided by the policy is alerted and counted in /metrics', async () => {
  const soc = await startReceiver([500]);
  const guard = newGuard();
  const metrics = createMetrics(guard, () => clock.now());
  const alerter = new Alerter({ clock, logger: silentLogger, random: () => 0, config: alertsConfig({ retryBaseMs: 2, webhooks: [{ url: soc.url, name: 'soc' }] }) });
  alerter.attach(guard);
  try {
    await guard.enforce(guard.policy.block({ src: '203.0.113.5', actor: 'test', reason: 'manual block', action: 'drop' }));
    await alerter.idle();
    assert.is(soc.received.length, 2, 'one 500, then delivered');
    const body = soc.received[1]!.body as { kind: string; action: string; source: string; severity: string; decisionId: number };
    assert.equal([body.kind, body.action, body.source, body.severity], ['decision', 'drop', '203.0.113.5', 'high']);
    assert.type(body.decisionId, 'number');
    const text = await metrics.scrape();
    assert.match(text, /^ofguard_alerts_sent_total\{webhook="soc"\} 1$/m);
    assert.match(text, /^# TYPE ofguard_alerts_failed_total counter$/m);
    assert.not.match(text, /^ofguard_alerts_failed_total\{/m, 'a retried then delivered alert is no failure');
  } finally {
    metrics.close();
    alerter.close();
    guard.store.close();
    await soc.close();
  }
});

test('a receiver that hangs never holds the guard', async () => {
  const hung = await startReceiver(Array.from({ length: 200 }, () => 'hang' as const));
  const guard = newGuard();
  const alerter = new Alerter({ clock, logger: silentLogger, config: alertsConfig({ timeoutMs: 10_000, queueSize: 50, webhooks: [{ url: hung.url }] }) });
  alerter.attach(guard);
  try {
    const detections = Array.from({ length: 500 }, (_, i) => scanDetection({ src: `10.1.${i >> 8}.${i & 255}` }));
    const started = performance.now();
    guard.emit('detections', detections);
    await guard.enforce(guard.policy.block({ src: '203.0.113.9', actor: 'test', reason: 'manual block' }));
    const heldMs = performance.now() - started;
    // The event loop turns while the receiver sits on the first request.
    await new Promise((resolve) => setImmediate(resolve));
    assert.ok(heldMs < 200, `the guard was held ${heldMs.toFixed(1)} ms`);
    const [counts] = alerter.counts();
    assert.is(counts!.sent, 0);
    assert.is(counts!.failed['queue-full'], 501 - 50, 'what does not fit is counted, not waited for');
  } finally {
    alerter.close();
    guard.store.close();
    await hung.close();
  }
});

test('no webhooks: nothing is built or sent', () => {
  const guard = newGuard();
  const alerter = new Alerter({ clock, logger: silentLogger, config: alertsConfig({}) });
  alerter.attach(guard);
  guard.emit('detections', [scanDetection()]);
  assert.equal(alerter.counts(), []);
  alerter.close();
  guard.store.close();
});

test.run();
