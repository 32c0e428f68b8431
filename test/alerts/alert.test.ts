/** Alerts as data: which events become alerts, with which severity and key, and their two bodies. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { alertFromDecision, alertFromDetection, atLeast, decisionSeverity } from '../../controller/alerts/alert.js';
import { jsonBody, slackBody } from '../../controller/alerts/format.js';
import { at, dropDecision, scanDetection } from './fixtures.js';


test('severity order', () => {
  assert.ok(atLeast('critical', 'high'));
  assert.ok(atLeast('high', 'high'));
  assert.not.ok(atLeast('medium', 'high'));
});

test('a detection becomes an alert keyed by offender, attack and victim', () => {
  const a = alertFromDetection(scanDetection({ srcPrefix: 24, src: '10.0.0.0', dst: '10.0.0.1', dstPort: 22 }));
  assert.is(a.kind, 'detection');
  assert.is(a.source, '10.0.0.0/24');
  assert.is(a.target, '10.0.0.1:22');
  assert.is(a.dedupeKey, 'detection|10.0.0.0/24|scan|10.0.0.1');
  assert.is(a.summary, 'scan from 10.0.0.0/24 to 10.0.0.1:22 (single-to-many, 260 pkt/s)');
  assert.is(alertFromDetection(scanDetection({ dst: '2001:db8::1', dstPort: 443 })).target, '[2001:db8::1]:443');
});

test('a full drop is at least high; other actions keep their threat level', () => {
  assert.is(decisionSeverity(dropDecision()), 'high');
  assert.is(decisionSeverity(dropDecision({ threatLevel: 'critical' })), 'critical');
  assert.is(decisionSeverity(dropDecision({ action: 'rate-limit' })), 'medium');
  const a = alertFromDecision(dropDecision({ updatedAt: at + 5000 }));
  assert.is(a.pattern, 'many-to-single', 'pattern read from the decision signals');
  assert.is(a.at, at + 5000, 'a changed decision is dated by its change');
  assert.is(a.dedupeKey, 'decision|42|drop');
  assert.is.not(alertFromDecision(dropDecision({ action: 'rate-limit' })).dedupeKey, a.dedupeKey, 'an escalation is a new alert');
});

test('JSON body: every field present, null when it does not apply', () => {
  const body = jsonBody(alertFromDecision(dropDecision()));
  assert.equal(body, {
    version: 1, app: 'ofguard', kind: 'decision', severity: 'high',
    summary: 'drop 10.0.0.6 → 10.0.0.1:8080: SYN flood (score 87, auto)',
    source: '10.0.0.6', target: '10.0.0.1:8080', proto: 6, attackType: null, pattern: 'many-to-single', action: 'drop',
    score: 87.4, confidence: null,
    signals: [{ name: 'base.connections', points: 50, detail: '1200 conn/s ≥ 100' }, { name: 'pattern.many-to-single', points: 15, detail: null }],
    decisionId: 42, time: '2025-01-01T12:00:00.000Z', timestamp: at,
  });
});

test('Slack body: text plus blocks, mrkdwn escaped, fields capped at 10', () => {
  const body = slackBody(alertFromDetection(scanDetection({ signals: [{ name: 'x', points: 1, detail: '<a> & b' }] })));
  assert.match(body.text, /^:large_orange_circle: ofguard HIGH detection: scan from 10\.0\.0\.9/);
  const blocks = body.blocks as Array<{ type: string; text?: { text: string }; fields?: unknown[] }>;
  assert.equal(blocks.map((b) => b.type), ['section', 'section', 'section', 'context']);
  assert.ok(blocks[1]!.fields!.length <= 10);
  assert.match(blocks[2]!.text!.text, /&lt;a&gt; &amp; b/);
  const long = slackBody(alertFromDetection(scanDetection({ signals: Array.from({ length: 200 }, (_, i) => ({ name: `s${i}`, points: i, detail: 'x'.repeat(40) })) })));
  assert.ok((long.blocks[2] as { text: { text: string } }).text.text.length <= 3000);
});

test.run();
