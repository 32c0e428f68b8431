/** The decisions table and the enforcement note of the operator commands (pure). */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { decisionTable, enforcementText } from '../../controller/cli/format.js';
import type { DecisionView } from '../../controller/api/views.js';
import { decision } from '../mitigate/helpers.js';

const view = (id: number, over: Partial<DecisionView> = {}): DecisionView => ({ ...decision(id, { target: { src: `198.51.100.${id}` } }), source: `198.51.100.${id}`, scope: 'all', remainingS: 600, ...over });
const zoneFailure = {
  state: 'failed' as const, code: 'MITIGATE_NOT_ENCODABLE', reason: 'decision 2 (drop): OFP_ENCODE_BAD_VALUE: not a valid IPv6 address: "fe80::1%eth0"', dpids: ['0000000000000001'], since: 0,
};

test('enforcementText: nothing while enforced; the reason and where it failed otherwise', () => {
  assert.is(enforcementText(view(1)), undefined);
  assert.is(enforcementText(view(2, { enforcement: zoneFailure })), `failed: ${zoneFailure.reason} (at 0000000000000001)`);
  assert.is(enforcementText(view(3, { enforcement: { ...zoneFailure, dpids: [] } })), `failed: ${zoneFailure.reason}`);
  assert.is(enforcementText(view(4, { enforcement: { ...zoneFailure, dpids: ['1', '2', '3', '4'] } })), `failed: ${zoneFailure.reason} (at 4 switches)`);
});

test('decisionTable: an ENFORCEMENT column only when a decision is not enforced, its reason never clipped', () => {
  const plain = decisionTable([view(1)]).split('\n');
  assert.match(plain[0]!, /^ID\s+SOURCE\s+SCOPE\s+ACTION\s+REASON\s+SCORE\s+REMAINING\s+ORIGIN$/);
  assert.match(plain[2]!, /^1\s+198\.51\.100\.1\s+all\s+drop\s+test\s+80\s+10m0s\s+auto$/);
  const [header, , bad, good] = decisionTable([view(2, { enforcement: zoneFailure }), view(1)]).split('\n');
  assert.match(header!, /\s+ORIGIN\s+ENFORCEMENT$/);
  assert.ok(bad!.endsWith(`auto    failed: ${zoneFailure.reason} (at 0000000000000001)`), bad);
  assert.match(good!, /\s+auto\s+-$/);
});

test.run();
