/**
 * Delivery to one webhook against a real HTTP receiver on 127.0.0.1: bodies and headers,
 * retries with backoff after 5xx, give-up, refusal, a receiver that hangs, a full queue.
 * Retry delays are a few ms (the policy is injected), so the whole file takes well under a second.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { alertFromDecision, alertFromDetection } from '../../controller/alerts/alert.js';
import { jsonBody, slackBody, type AlertFormat } from '../../controller/alerts/format.js';
import { httpPost } from '../../controller/alerts/http.js';
import { systemTimers, type Timers } from '../../controller/clock.js';
import { backoffDelay, WebhookSender, type RetryPolicy } from '../../controller/alerts/webhook.js';
import { silentLogger, type Logger } from '../../controller/log.js';
import { captureLogger } from './capture-logger.js';
import { dropDecision, scanDetection } from './fixtures.js';
import { startReceiver, type Answer } from './receiver.js';

const fast: RetryPolicy = { maxAttempts: 3, baseDelayMs: 4, maxDelayMs: 50 };

function sender(url: string, over: { format?: AlertFormat; retry?: RetryPolicy; timeoutMs?: number; queueSize?: number; logger?: Logger; timers?: Timers; headers?: Record<string, string> } = {}) {
  return new WebhookSender({
    target: { name: 'soc', url, format: over.format ?? 'json', headers: over.headers ?? {} },
    queueSize: over.queueSize ?? 10, timeoutMs: over.timeoutMs ?? 2000, retry: over.retry ?? fast,
    post: httpPost, timers: over.timers ?? systemTimers, random: () => 1, logger: over.logger ?? silentLogger,
  });
}

async function withReceiver(plan: Answer[], fn: (r: Awaited<ReturnType<typeof startReceiver>>) => Promise<void>) {
  const r = await startReceiver(plan);
  try { await fn(r); } finally { await r.close(); }
}

test('backoff doubles to its cap, with jitter in the upper half', () => {
  const p: RetryPolicy = { maxAttempts: 9, baseDelayMs: 1000, maxDelayMs: 8000 };
  assert.equal([1, 2, 3, 4, 5].map((n) => backoffDelay(n, p, () => 1)), [1000, 2000, 4000, 8000, 8000]);
  assert.equal([1, 2, 3].map((n) => backoffDelay(n, p, () => 0)), [500, 1000, 2000]);
});

test('JSON body and custom headers reach the receiver', () => withReceiver([], async (r) => {
  const s = sender(r.url, { headers: { authorization: 'Bearer abc' } });
  const alert = alertFromDecision(dropDecision());
  assert.ok(s.enqueue(alert));
  await s.idle();
  assert.is(r.received.length, 1);
  assert.equal(r.received[0]!.body, jsonBody(alert));
  assert.is(r.received[0]!.headers['content-type'], 'application/json');
  assert.is(r.received[0]!.headers.authorization, 'Bearer abc');
  assert.is(s.counts.sent, 1);
}));

test('Slack body reaches the receiver', () => withReceiver([], async (r) => {
  const s = sender(r.url, { format: 'slack' });
  const alert = alertFromDetection(scanDetection());
  s.enqueue(alert);
  await s.idle();
  const body = r.received[0]!.body as { text: string; blocks: unknown[] };
  assert.equal(body, JSON.parse(JSON.stringify(slackBody(alert))));
  assert.match(body.text, /scan from 10\.0\.0\.9/);
}));

test('retried after 500 and 503, delivered on the third try, order kept', () => withReceiver([500, 503], async (r) => {
  const delays: number[] = [];
  const timers: Timers = { setTimeout: (fn, ms) => { delays.push(ms); return systemTimers.setTimeout(fn, ms); }, clearTimeout: systemTimers.clearTimeout };
  const s = sender(r.url, { timers });
  s.enqueue(alertFromDecision(dropDecision({ id: 1 })));
  s.enqueue(alertFromDecision(dropDecision({ id: 2 })));
  await s.idle();
  assert.equal(r.received.map((x) => (x.body as { decisionId: number }).decisionId), [1, 1, 1, 2]);
  assert.equal(delays, [4, 8], 'exponential backoff between tries');
  assert.equal(s.counts, { name: 'soc', sent: 2, failed: { 'gave-up': 0, rejected: 0, 'queue-full': 0 } });
}));

test('gives up after maxAttempts with a logged error, then goes on with the next alert', () => withReceiver([500, 500, 500], async (r) => {
  const { logger, lines } = captureLogger();
  const s = sender(r.url, { logger });
  s.enqueue(alertFromDecision(dropDecision({ id: 1 })));
  s.enqueue(alertFromDecision(dropDecision({ id: 2 })));
  await s.idle();
  assert.is(r.received.length, 4);
  assert.equal(s.counts.failed['gave-up'], 1);
  assert.is(s.counts.sent, 1);
  const err = lines.find((l) => l.msg === 'alert webhook failed; giving up on this alert');
  assert.ok(err, 'an error line');
  assert.is(err!.level, 50);
  assert.is(err!.attempts, 3);
  assert.is(err!.reason, 'HTTP 500');
  assert.is(err!.webhook, 'soc');
  assert.not.ok(JSON.stringify(lines).includes(r.url), 'the URL (a secret for Slack) is never logged');
}));

test('a 4xx refusal is not retried', () => withReceiver([400], async (r) => {
  const s = sender(r.url);
  s.enqueue(alertFromDecision(dropDecision()));
  await s.idle();
  assert.is(r.received.length, 1);
  assert.is(s.counts.failed.rejected, 1);
}));

test('a receiver that hangs times out, is retried, and is given up on', () => withReceiver(['hang', 'hang'], async (r) => {
  const s = sender(r.url, { timeoutMs: 100, retry: { maxAttempts: 2, baseDelayMs: 4, maxDelayMs: 4 } });
  const started = Date.now();
  s.enqueue(alertFromDecision(dropDecision()));
  await s.idle();
  const took = Date.now() - started;
  assert.is(r.received.length, 2);
  assert.is(s.counts.failed['gave-up'], 1);
  assert.ok(took >= 200 && took < 1500, `gave up after ${took} ms`);
}));

test('a full queue refuses new alerts and counts them; nothing waits', () => withReceiver(['hang'], async (r) => {
  const { logger, lines } = captureLogger();
  const s = sender(r.url, { queueSize: 2, timeoutMs: 150, retry: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1 }, logger });
  const results = [1, 2, 3, 4].map((id) => s.enqueue(alertFromDecision(dropDecision({ id }))));
  assert.equal(results, [true, true, false, false]);
  assert.is(s.counts.failed['queue-full'], 2);
  assert.is(lines.filter((l) => l.msg.startsWith('alert webhook queue full')).length, 1, 'overflow logged once');
  await s.idle();
  assert.is(s.counts.sent, 1, 'the queued one went out once the hung request timed out');
}));

test('close drops what is queued and resolves idle()', () => withReceiver(['hang'], async (r) => {
  const s = sender(r.url, { timeoutMs: 5000 });
  s.enqueue(alertFromDecision(dropDecision({ id: 1 })));
  s.enqueue(alertFromDecision(dropDecision({ id: 2 })));
  const idle = s.idle();
  s.close();
  await r.close(); // ends the hung request
  await idle;
  assert.is(s.pending, 0);
  assert.not.ok(s.enqueue(alertFromDecision(dropDecision({ id: 3 }))));
}));

test.run();
