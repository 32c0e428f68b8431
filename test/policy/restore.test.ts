/**
 * A data folder written by an older version (lax address parsing, no wide-prefix rule)
 * still starts: what this version refuses is left out, reported, and ended in the store;
 * everything else comes back. The store is a real one, seeded as the older version wrote it.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ManualClock } from '../../controller/clock.js';
import { PolicyEngine, type EnforceCheck } from '../../controller/policy/engine.js';
import { parsePolicyConfig } from '../../controller/policy/config.js';
import type { Decision } from '../../controller/policy/decision.js';
import { emptyChanges } from '../../controller/policy/state.js';
import { openStore, type Store } from '../../controller/store/store.js';

const T0 = Date.UTC(2025, 0, 1);
const HOUR = 3_600_000;

function decision(id: number, target: Decision['target'], fields: Partial<Decision> = {}): Decision {
  return {
    id, target, action: 'drop', threatLevel: 'high', score: 0, trust: 0.5, signals: [], reason: 'old', origin: 'admin',
    offence: 1, createdAt: T0, expiresAt: T0 + HOUR, ...fields,
  };
}

/** A store as an older version left it: a policy revision and active decisions, written without any check. */
function oldStore(policy: Record<string, unknown>, decisions: Decision[]): Store {
  const store = openStore(':memory:');
  const full = JSON.parse(JSON.stringify(parsePolicyConfig())) as Record<string, unknown>;
  delete full.forced;
  store.savePolicyRevision(
    { version: 1, at: T0, actor: 'api', reason: 'old', changes: Object.keys(policy), policy: { ...full, ...policy } },
    { at: T0, actor: 'api', action: 'policy-patched', target: 'policy', before: null, after: null },
  );
  store.commit({ ...emptyChanges(), decisions });
  return store;
}

test('a stored whitelist 0.0.0.0/0 (the old typo "10.1.2.3/") and a zone-id decision are skipped; the rest starts', () => {
  const clock = new ManualClock(T0 + 1000);
  const good = decision(3, { src: '203.0.113.9' });
  const store = oldStore(
    { whitelist: ['0.0.0.0/0', '192.0.2.0/24'], blocklist: ['198.51.100.0/24', '::ffff:1.2.3.4/8'], notes: { '0.0.0.0/0': 'oops', '192.0.2.0/24': 'lab' } },
    [
      decision(1, { src: 'fe80::1%eth0' }),
      decision(2, { src: '0.0.0.0', srcPrefix: 0 }),
      good,
      // A victim throttle matches every source by design: not "wide" in the sense of the rule.
      decision(4, { src: '0.0.0.0', srcPrefix: 0, dst: '10.0.0.5' }, { action: 'throttle-victim', origin: 'auto', rate: { unit: 'pktps', rate: 500 } }),
      // So does a flood answered where it enters: its entry point and victim are its target.
      decision(5, { src: '0.0.0.0', srcPrefix: 0, dst: '10.0.0.5', proto: 6, dpid: '0000000000000001', inPort: 5, flood: 'spoofed', synOnly: true }, { origin: 'auto' }),
    ],
  );
  const engine = PolicyEngine.fromStore({}, clock, store);
  assert.equal(engine.config.whitelist, ['192.0.2.0/24']);
  assert.equal(engine.config.blocklist, ['198.51.100.0/24']);
  assert.equal(engine.config.notes, { '192.0.2.0/24': 'lab' }, 'the note of a skipped entry goes with it');
  assert.equal(engine.restoredRevision, { version: 1, at: T0, actor: 'api' });
  assert.equal(
    engine.skippedOnRestore.map((s) => [s.where, s.entry]),
    [['policy.blocklist', '::ffff:1.2.3.4/8'], ['policy.whitelist', '0.0.0.0/0'], ['decision', '#1 fe80::1%eth0'], ['decision', '#2 0.0.0.0/0']],
  );
  const problems = Object.fromEntries(engine.skippedOnRestore.map((s) => [s.entry, s.problem]));
  assert.match(problems['0.0.0.0/0']!, /covers every IPv4 address: refused unless forced/);
  assert.match(problems['::ffff:1.2.3.4/8']!, /IPv4-mapped network needs a prefix of 96-128/);
  assert.match(problems['#1 fe80::1%eth0']!, /zone id/);
  assert.match(problems['#2 0.0.0.0/0']!, /wider than \/8 .* not forced/);
  assert.equal(engine.activeDecisions().map((d) => d.id).sort(), [3, 4, 5], 'the good decisions are back');

  // Ended in the store: the next start does not meet them again.
  const ended = store.recentDecisions({ limit: 10, ended: true });
  assert.equal(ended.map((d) => [d.id, d.endReason?.startsWith('skipped at start-up: ')]).sort(), [[1, true], [2, true]]);
  assert.ok(store.audit().some((a) => a.action === 'refused' && a.actor === 'startup' && a.target === 'fe80::1%eth0'));
  const again = PolicyEngine.fromStore({}, clock, store);
  assert.equal(again.skippedOnRestore.map((s) => s.where), ['policy.blocklist', 'policy.whitelist'], 'the decisions are gone; the stored revision is still old');
  assert.equal(again.activeDecisions().map((d) => d.id).sort(), [3, 4, 5]);
});

test('what was forced survives a restart: the forced mark and the forced decision', () => {
  const clock = new ManualClock(T0 + 1000);
  const store = oldStore({ whitelist: ['::/0'], forced: ['::/0'] }, [decision(1, { src: '0.0.0.0', srcPrefix: 0 }, { forced: true })]);
  const engine = PolicyEngine.fromStore({}, clock, store);
  assert.equal(engine.skippedOnRestore, []);
  assert.equal(engine.config.whitelist, ['::/0']);
  assert.equal(engine.activeDecisions().map((d) => d.id), [1]);
});

test('entries and decisions the enforcer cannot express are skipped at restore too', () => {
  const clock = new ManualClock(T0 + 1000);
  const check: EnforceCheck = {
    decision: (d) => (d.target.src === '203.0.113.66' ? 'no flow for it' : undefined),
    whitelist: (cidrs) => (cidrs.includes('192.0.2.66') ? 'no allow flow for it' : undefined),
  };
  const store = oldStore({ whitelist: ['192.0.2.66', '192.0.2.1'], blocklist: ['203.0.113.66'] }, [decision(7, { src: '203.0.113.66' }), decision(8, { src: '203.0.113.8' })]);
  const engine = PolicyEngine.fromStore({}, clock, store, { enforceable: check });
  assert.equal([engine.config.whitelist, engine.config.blocklist], [['192.0.2.1'], []]);
  assert.equal(engine.skippedOnRestore.map((s) => [s.where, s.entry, s.problem]), [
    ['policy.whitelist', '192.0.2.66', 'no allow flow for it'],
    ['policy.blocklist', '203.0.113.66', 'no flow for it'],
    ['decision', '#7 203.0.113.66', 'no flow for it'],
  ]);
  assert.equal(engine.activeDecisions().map((d) => d.id), [8]);
});

test('a stored policy wrong in a field that is not a list entry still stops the start, as before', () => {
  const store = oldStore({ durations: { lowMs: -5 } }, []);
  assert.throws(() => PolicyEngine.fromStore({}, new ManualClock(T0), store), /lowMs/);
});

test.run();
