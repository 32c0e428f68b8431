/** Instruction and action lists of every length decode in order (the exact-size array paths). */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  applyActions, applyMeter, decodeMessage, encodeMessage, flowMod, gotoTable, output, type Action, type Instruction,
} from '../../controller/openflow/index.js';

function roundTrip(instructions: Instruction[]): Instruction[] {
  const m = decodeMessage(encodeMessage(flowMod({ match: { inPort: 1 }, instructions })));
  assert.ok(m.type === 'flow_mod');
  return m.instructions;
}

test('0 to 5 instructions keep their order', () => {
  const all: Instruction[] = [
    applyMeter(7), applyActions([output(1)]), { type: 'write_metadata', metadata: 5n, metadataMask: 0xffn }, { type: 'clear_actions' }, gotoTable(3),
  ];
  for (let n = 0; n <= all.length; n++) assert.equal(roundTrip(all.slice(0, n)), all.slice(0, n));
});

test('0 to 4 actions keep their order', () => {
  const all: Action[] = [output(1), { type: 'set_queue', queueId: 4 }, { type: 'group', groupId: 9 }, output(2)];
  for (let n = 0; n <= all.length; n++) assert.equal(roundTrip([applyActions(all.slice(0, n))]), [applyActions(all.slice(0, n))]);
});

test.run();
