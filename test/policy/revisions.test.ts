/** PolicyRevisions in process: a real PolicyEngine over an in-memory store, no HTTP. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ManualClock } from '../../controller/clock.js';
import { PolicyEngine, type EnforceCheck } from '../../controller/policy/engine.js';
import { SIGNAL } from '../../controller/detect/signals.js';
import { parsePolicyConfig } from '../../controller/policy/config.js';
import { openStore } from '../../controller/store/store.js';
import { PolicyError } from '../../controller/policy/errors.js';
import { PolicyRevisions, checkPolicy } from '../../controller/policy/revisions.js';

const T0 = Date.UTC(2025, 0, 1);

function setup(file: Parameters<typeof parsePolicyConfig>[0] = {}, enforceable?: EnforceCheck) {
  const clock = new ManualClock(T0);
  const store = openStore(':memory:');
  const engine = PolicyEngine.fromStore(parsePolicyConfig(file), clock, store, enforceable ? { enforceable } : {});
  return { clock, store, engine, admin: new PolicyRevisions(engine, store) };
}

function policyError(fn: () => unknown): PolicyError {
  try {
    fn();
  } catch (err) {
    assert.instance(err, PolicyError);
    return err as PolicyError;
  }
  throw new Error('expected a PolicyError');
}

test('version 0 is the file policy; a patch is version 1, stored, audited and in force', () => {
  const { admin, engine, store } = setup({ durations: { lowMs: 30_000 } });
  const v0 = admin.current();
  assert.is(v0.version, 0);
  assert.is(v0.changedAt, null);
  assert.is(v0.actor, 'config-file');
  assert.is(v0.policy.durations.lowMs, 30_000);

  const change = admin.patch({ durations: { lowMs: 120_000 }, response: { rateLimitPps: 50 } }, { actor: 'alice', reason: 'slower', ifVersion: 0 }, T0 + 1000);
  assert.equal(change.changes, ['durations.lowMs', 'response.rateLimitPps']);
  assert.is(change.state.version, 1);
  assert.is(engine.config.durations.lowMs, 120_000, 'the engine uses it');
  assert.is(engine.config.durations.mediumMs, 5 * 60_000, 'untouched fields kept');
  assert.ok(Object.isFrozen(engine.config.durations));
  assert.equal(admin.current(), { version: 1, policy: engine.config, changedAt: T0 + 1000, actor: 'alice', reason: 'slower' });
  assert.equal(store.policyRevisions(10), [{ version: 1, at: T0 + 1000, actor: 'alice', reason: 'slower', changes: ['durations.lowMs', 'response.rateLimitPps'] }]);
  const audit = store.audit().filter((e) => e.action === 'policy-patched');
  assert.equal(audit, [
    {
      at: T0 + 1000,
      actor: 'alice',
      action: 'policy-patched',
      target: 'policy',
      before: { version: 0, values: { 'durations.lowMs': 30_000, 'response.rateLimitPps': 100 } },
      after: { version: 1, values: { 'durations.lowMs': 120_000, 'response.rateLimitPps': 50 } },
    },
  ]);
});

test('a stale ifVersion is a conflict and changes nothing; an empty change makes no version', () => {
  const { admin, engine, store } = setup();
  admin.patch({ durations: { lowMs: 90_000 } }, { actor: 'a' }, T0);
  const err = policyError(() => admin.patch({ durations: { lowMs: 1 } }, { actor: 'b', ifVersion: 0 }, T0));
  assert.is(err.code, 'POLICY_VERSION_CONFLICT');
  assert.is(err.field, 'ifVersion');
  assert.is(engine.config.durations.lowMs, 90_000);
  const same = admin.patch({ durations: { lowMs: 90_000 } }, { actor: 'a' }, T0);
  assert.equal(same.changes, []);
  assert.is(same.state.version, 1);
  assert.is(store.policyRevisions(10).length, 1);
});

test('bad policies name the field path, unknown fields included, and change nothing', () => {
  const { admin, engine } = setup();
  const cases: Array<[Record<string, unknown>, string]> = [
    [{ durations: { lowMs: -1 } }, 'policy.durations.lowMs'],
    [{ durations: { baseBlockS: 600 } }, 'policy.durations.baseBlockS'],
    [{ whitelist: ['10.0.0.0/8', 'nope'] }, 'policy.whitelist.1'],
    [{ notes: { '192.0.2.1': 'no such entry' } }, 'policy.notes.192.0.2.1'],
    [{ colour: 'red' }, 'policy.colour'],
    [{ multiSignal: { connectionBuckets: [{ min: 1, points: 2, extra: 3 }] } }, 'policy.multiSignal.connectionBuckets.0.extra'],
  ];
  for (const [patch, field] of cases) {
    const err = policyError(() => admin.patch(patch, { actor: 'x' }, T0));
    assert.is(err.code, 'POLICY_INVALID', field);
    assert.is(err.field, field);
    assert.ok(err.detail.startsWith(`${field}: `), err.detail);
  }
  assert.is(admin.current().version, 0);
  assert.equal(engine.config, parsePolicyConfig());
  assert.is(checkPolicy({}).durations.lowMs, 60_000);
});

test('replace (PUT) resets what it leaves out to the defaults', () => {
  const { admin, engine } = setup({ durations: { lowMs: 30_000 }, whitelist: ['10.0.0.0/8'] });
  const change = admin.replace({ response: { rateLimitPps: 10 } }, { actor: 'ops' }, T0);
  assert.equal(change.changes, ['durations.lowMs', 'response.rateLimitPps', 'whitelist']);
  assert.is(engine.config.durations.lowMs, 60_000);
  assert.equal(engine.config.whitelist, []);
});

test('whitelisting a blocked source ends its decision; removing it keeps the others', () => {
  const { admin, engine } = setup();
  const blocked = engine.block({ src: '203.0.113.9', actor: 'api', reason: 'test' }, T0);
  const id = blocked.decisions[0]!.id;
  const change = admin.addEntry('whitelist', '203.0.113.9', 'our partner', { actor: 'api' }, T0 + 10);
  assert.equal(change.result.ended.map((d) => [d.id, d.endReason]), [[id, 'whitelisted by api']]);
  assert.equal(engine.activeDecisions(), []);
  assert.equal(admin.entries('whitelist'), [{ address: '203.0.113.9', comment: 'our partner' }]);
  assert.throws(() => engine.block({ src: '203.0.113.9', actor: 'api', reason: 'again' }, T0 + 20), /whitelisted/);

  assert.is(policyError(() => admin.addEntry('whitelist', '203.0.113.9', undefined, { actor: 'api' }, T0)).code, 'POLICY_ALREADY_LISTED');
  admin.addEntry('whitelist', '203.0.113.9', 'renamed', { actor: 'api' }, T0 + 30);
  assert.equal(admin.entries('whitelist'), [{ address: '203.0.113.9', comment: 'renamed' }], 'a new comment is a change');

  admin.removeEntry('whitelist', '203.0.113.9/32', { actor: 'api' }, T0 + 40);
  assert.equal(engine.config.whitelist, []);
  assert.equal(engine.config.notes, {}, 'the note goes with the entry');
  assert.is(policyError(() => admin.removeEntry('whitelist', '203.0.113.9', { actor: 'api' }, T0)).code, 'POLICY_NOT_LISTED');
});

test('blocklist entries become admin drops, renewed while listed, released when removed', () => {
  const { admin, engine, clock } = setup();
  const added = admin.addEntry('blocklist', '198.51.100.77/24', 'scanner farm', { actor: 'api' }, T0);
  const d = added.result.decisions[0]!;
  assert.equal([d.action, d.origin, d.target, d.reason], ['drop', 'admin', { src: '198.51.100.0', srcPrefix: 24 }, 'blocklist: scanner farm']);
  assert.is(d.signals[0]!.name, SIGNAL.adminBlocklist);
  assert.is(d.expiresAt, T0 + engine.config.durations.maxMs);
  assert.equal(admin.entries('blocklist'), [{ address: '198.51.100.0/24', comment: 'scanner farm' }]);

  // At expiry the drop is renewed in place, not reviewed and stepped down.
  clock.set(d.expiresAt + 1);
  const renewed = engine.tick(clock.now());
  assert.equal(renewed.decisions.map((x) => [x.id, x.action, x.expiresAt]), [[d.id, 'drop', clock.now() + engine.config.durations.maxMs]]);
  assert.equal(renewed.ended, []);

  // An unblock by hand is refused while the entry is listed: the policy says so, whoever asks.
  assert.throws(() => engine.unblock({ id: d.id }, 'api', 'by hand', clock.now()), /POLICY_BLOCKLISTED/);
  assert.throws(() => engine.markFalsePositive({ src: '198.51.100.0', srcPrefix: 24 }, 'api', clock.now()), /POLICY_BLOCKLISTED/);
  assert.equal(engine.tick(clock.now()).decisions, [], 'still in force: nothing to renew');
  const relisted = d;

  const removed = admin.removeEntry('blocklist', '198.51.100.0/24', { actor: 'api' }, clock.now());
  assert.equal(removed.result.ended.map((x) => x.id), [relisted.id]);
  assert.equal(engine.activeDecisions(), []);
  assert.equal(engine.tick(clock.now()), { decisions: [], ended: [] });
});

test('a patch that empties a list drops the notes of its entries', () => {
  const { admin, engine } = setup({ whitelist: ['10.0.0.0/8', '192.0.2.1'], notes: { '10.0.0.0/8': 'lan', '192.0.2.1': 'dns' } });
  const change = admin.patch({ whitelist: ['192.0.2.1'] }, { actor: 'api' }, T0);
  assert.equal(change.changes, ['notes.10.0.0.0/8', 'whitelist']);
  assert.equal(engine.config.notes, { '192.0.2.1': 'dns' });
});

test('the whitelist wins over the blocklist', () => {
  const { admin, engine } = setup({ whitelist: ['10.0.0.0/8'] });
  const change = admin.addEntry('blocklist', '10.1.2.3', undefined, { actor: 'api' }, T0);
  assert.equal(change.result.decisions, []);
  assert.equal(engine.activeDecisions(), []);
});

test('the latest stored version wins over the file policy on restart', () => {
  const { admin, store, clock } = setup({ durations: { lowMs: 30_000 } });
  admin.patch({ durations: { lowMs: 45_000 }, blocklist: ['192.0.2.0/24'] }, { actor: 'api' }, T0);
  const restarted = PolicyEngine.fromStore(parsePolicyConfig({ durations: { lowMs: 30_000 } }), clock, store);
  assert.is(restarted.config.durations.lowMs, 45_000);
  assert.equal(restarted.restoredRevision, { version: 1, at: T0, actor: 'api' });
  assert.equal(restarted.activeDecisions().map((d) => d.target), [{ src: '192.0.2.0', srcPrefix: 24 }], 'the blocklist drop survives');
  assert.is(new PolicyRevisions(restarted, store).current().version, 1);
  const fresh = setup({ durations: { lowMs: 30_000 } });
  assert.is(fresh.engine.restoredRevision, undefined);
});

test('listeners hear each reconfiguration', () => {
  const { admin, engine } = setup();
  const heard: string[][] = [];
  engine.onReconfigure((c) => heard.push([...c.whitelist]));
  admin.addEntry('whitelist', '10.9.8.7/16', undefined, { actor: 'api' }, T0);
  assert.equal(heard, [['10.9.0.0/16']]);
  admin.addEntry('blocklist', '2001:db8::1/32', undefined, { actor: 'api' }, T0);
  assert.equal(engine.config.blocklist, ['2001:db8::/32'], 'stored normalised');
});

test('a wide entry needs force: refused without it (nothing stored), kept with its forced mark, the mark goes with the entry', () => {
  const { admin, engine, store } = setup();
  for (const wide of ['0.0.0.0/0', '::/0', '10.0.0.0/7', '2001::/15']) {
    const err = policyError(() => admin.addEntry('whitelist', wide, undefined, { actor: 'api' }, T0));
    assert.equal([err.code, err.field], ['POLICY_WIDE_PREFIX', 'address'], wide);
    assert.match(err.detail, /refused unless forced \(admin API: "force": true, CLI: --force\)/);
  }
  const typo = policyError(() => admin.addEntry('whitelist', '10.1.2.3/', undefined, { actor: 'api' }, T0));
  assert.equal([typo.code, typo.field], ['POLICY_BAD_ADDRESS', 'address']);
  assert.is(admin.current().version, 0);
  assert.equal(store.audit(), [], 'nothing audited');

  const forced = admin.addEntry('blocklist', '0.0.0.0/0', 'everything, on purpose', { actor: 'api', force: true }, T0);
  assert.is(forced.state.version, 1);
  assert.equal([engine.config.blocklist, engine.config.forced], [['0.0.0.0/0'], ['0.0.0.0/0']]);
  assert.equal(forced.result.decisions.map((d) => [d.target, d.action, d.forced]), [[{ src: '0.0.0.0', srcPrefix: 0 }, 'drop', true]]);
  // A later change needs no force for the entry already forced.
  admin.patch({ durations: { lowMs: 90_000 } }, { actor: 'api' }, T0 + 1);
  assert.equal(engine.config.forced, ['0.0.0.0/0']);
  admin.removeEntry('blocklist', '0.0.0.0/0', { actor: 'api' }, T0 + 2);
  assert.equal([engine.config.blocklist, engine.config.forced, engine.activeDecisions()], [[], [], []]);
});

test('PUT and PATCH: a wide entry names its field unless forced; force marks every wide entry', () => {
  const { admin, engine } = setup();
  const err = policyError(() => admin.patch({ whitelist: ['192.0.2.0/24', '::/0'] }, { actor: 'api' }, T0));
  assert.equal([err.code, err.field], ['POLICY_INVALID', 'policy.whitelist.1']);
  assert.match(err.detail, /::\/0 covers every IPv6 address: refused unless forced/);
  const put = policyError(() => admin.replace({ blocklist: ['0.0.0.0/0'] }, { actor: 'api' }, T0));
  assert.equal([put.code, put.field], ['POLICY_INVALID', 'policy.blocklist.0']);
  const notAList = policyError(() => admin.replace({ blocklist: ['0.0.0.0/0'], forced: '0.0.0.0/0' }, { actor: 'api', force: true }, T0));
  assert.equal([notAList.code, notAList.field], ['POLICY_INVALID', 'policy.forced'], 'force does not paper over a wrong forced field');
  assert.is(admin.current().version, 0);
  admin.patch({ whitelist: ['192.0.2.0/24', '::/0'] }, { actor: 'api', force: true }, T0);
  assert.equal(engine.config.forced, ['::/0']);
  // Taken off the list by a patch: its forced mark goes too (as notes do).
  admin.patch({ whitelist: ['192.0.2.0/24'] }, { actor: 'api' }, T0 + 1);
  assert.equal(engine.config.forced, []);
  admin.replace({ blocklist: ['0.0.0.0/0'], forced: ['0.0.0.0/0'] }, { actor: 'api' }, T0 + 2);
  assert.equal(engine.config.blocklist, ['0.0.0.0/0'], 'forced in the policy itself');
});

test('nothing is committed unless the enforcer can express it', () => {
  // An enforcer that cannot express anything in 198.51.100.0/24 (standing in for any limit of the templates).
  const refuses = (src: string) => (src.startsWith('198.51.100.') ? `no flow for ${src}` : undefined);
  const check: EnforceCheck = {
    decision: (d) => refuses(d.target.src),
    whitelist: (cidrs) => cidrs.map(refuses).find((p) => p !== undefined),
  };
  const { admin, engine, store } = setup({}, check);
  const blocked = engine.block({ src: '203.0.113.9', actor: 'api', reason: 'fine' }, T0).decisions[0]!;
  const auditBefore = store.audit().length;
  for (const list of ['whitelist', 'blocklist'] as const) {
    const err = policyError(() => admin.addEntry(list, '198.51.100.7', undefined, { actor: 'api' }, T0));
    assert.equal([err.code, err.field], ['POLICY_NOT_ENFORCEABLE', 'address'], list);
    assert.match(err.detail, /198\.51\.100\.7: no flow for 198\.51\.100\.7/);
  }
  const patch = policyError(() => admin.patch({ whitelist: ['203.0.113.9', '198.51.100.0/24'] }, { actor: 'api' }, T0));
  assert.equal([patch.code, patch.field], ['POLICY_NOT_ENFORCEABLE', 'policy.whitelist.1']);
  const put = policyError(() => admin.replace({ blocklist: ['198.51.100.0/24'] }, { actor: 'api' }, T0));
  assert.equal([put.code, put.field], ['POLICY_NOT_ENFORCEABLE', 'policy.blocklist.0']);
  const block = policyError(() => engine.block({ src: '198.51.100.9', actor: 'api', reason: 'no' }, T0));
  assert.equal([block.code, block.field], ['POLICY_NOT_ENFORCEABLE', 'src']);
  assert.is(admin.current().version, 0, 'no version');
  assert.equal(store.policyRevisions(10), []);
  assert.is(store.audit().length, auditBefore, 'nothing audited');
  assert.equal(engine.activeDecisions().map((d) => d.id), [blocked.id], 'the decision in force is untouched');
  assert.is(engine.source('198.51.100.9'), undefined, 'a refused block leaves no record');
});

test.run();
