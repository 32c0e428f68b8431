import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ChangeBatch } from '../../controller/policy/change-batch.js';
import { DecisionBook, noResult } from '../../controller/policy/decision-book.js';
import type { PolicyChanges } from '../../controller/policy/state.js';

function book() {
  const commits: PolicyChanges[] = [];
  const batch = new ChangeBatch({ commit: (c) => commits.push(c), loadPolicyState: () => ({ sources: [], activeDecisions: [], maxDecisionId: 0 }) });
  const issued: number[] = [];
  return { commits, batch, book: new DecisionBook(batch, (d) => issued.push(d.id)), issued };
}

const spec = { target: { src: '203.0.113.7' }, action: 'drop' as const, threatLevel: 'high' as const, score: 80, trust: 0.5, signals: [], reason: 'test', origin: 'auto' as const, offence: 1, durationMs: 60_000 };

test('newDecision: ids in sequence after the highest ever issued, times from now', () => {
  const { book: b } = book();
  b.load([], 41);
  const d = b.newDecision(spec, 1000);
  assert.equal([d.id, d.createdAt, d.expiresAt], [42, 1000, 61_000]);
  assert.is(b.newDecision(spec, 1000).id, 43);
});

test('activate, update and end: one decision per key, each step a decision row, a history row and an audit entry', () => {
  const { book: b, batch, commits, issued } = book();
  const out = noResult();
  const d = b.newDecision(spec, 0);
  b.activate('203.0.113.7', d, 'started', 0, out, 'policy');
  b.update(b.get('203.0.113.7')!, { ...d, expiresAt: 120_000 }, 'extended', 10, out, 'policy', 500);
  b.end(b.get('203.0.113.7')!, 20, 'lifted', 'lifted', out, 'policy');
  batch.flush();
  assert.equal(issued, [d.id]);
  assert.is(b.has('203.0.113.7'), false);
  assert.equal(out.decisions.map((x) => [x.id, x.expiresAt, x.updatedAt]), [[d.id, 60_000, undefined], [d.id, 120_000, 10]]);
  assert.equal(out.ended.map((x) => [x.id, x.endedAt, x.endReason]), [[d.id, 20, 'lifted']]);
  assert.is(commits.length, 1, 'one batch');
  assert.equal(commits[0]!.mitigations.map((m) => [m.event, m.evidencePps]), [['started', undefined], ['extended', 500], ['lifted', undefined]]);
  assert.is(commits[0]!.audit.length, 3);
});

test('evidence: rates by decision id, the peak kept, quiet since the first quiet round', () => {
  const { book: b } = book();
  const d = b.newDecision(spec, 0);
  b.activate('203.0.113.7', d, 'started', 0, noResult(), 'policy');
  b.recordEvidence(new Map([[d.id, 4000]]), 1000, 1);
  b.recordEvidence(new Map(), 2000, 1);
  b.recordEvidence(new Map(), 3000, 1);
  const e = b.get('203.0.113.7')!;
  assert.equal([e.blockedPps, e.peakPps, e.sawTraffic, e.quietSince], [0, 4000, true, 2000]);
});

test('byId names an unknown decision with POLICY_UNKNOWN_DECISION', () => {
  assert.throws(() => book().book.byId(7), /POLICY_UNKNOWN_DECISION/);
});

test.run();
