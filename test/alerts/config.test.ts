/** The `alerts` block of the config schema: defaults, and what it refuses. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { configSchema } from '../../controller/config/schema.js';

test('defaults: no webhooks, 5 tries, 5-minute dedupe; a webhook defaults to json and high', () => {
  const { alerts } = configSchema.parse({ alerts: { webhooks: [{ url: 'http://127.0.0.1:9000/hook' }] } });
  assert.equal(alerts, { webhooks: [{ url: 'http://127.0.0.1:9000/hook', format: 'json', minSeverity: 'high' }], dedupeWindowS: 300, maxAttempts: 5, retryBaseMs: 1000, queueSize: 100, timeoutMs: 5000 });
  assert.equal(configSchema.parse({}).alerts.webhooks, []);
});

test('refuses non-HTTP URLs, unknown formats and severities, odd names, unknown fields', () => {
  for (const webhook of [{ url: 'ftp://example.net/x' }, { url: 'not a url' }, { url: 'https://x.example', format: 'teams' }, { url: 'https://x.example', minSeverity: 'urgent' }, { url: 'https://x.example', name: 'has space' }, { url: 'https://x.example', retries: 3 }]) {
    assert.not.ok(configSchema.safeParse({ alerts: { webhooks: [webhook] } }).success, JSON.stringify(webhook));
  }
  assert.not.ok(configSchema.safeParse({ alerts: { maxAttempts: 0 } }).success);
});

test.run();
