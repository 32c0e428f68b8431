import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { changedFields, formatPath, setPath, unknownFields } from '../../controller/config/paths.js';

test('formatPath', () => {
  assert.is(formatPath(['policy', 'whitelist', 2]), 'policy.whitelist[2]');
  assert.is(formatPath([]), '(root)');
});

test('unknownFields: keys of the input the parsed value does not have, arrays walked by index', () => {
  const input = { a: { b: 1, typo: 2 }, list: [{ min: 1, extra: true }], top: 3 };
  const parsed = { a: { b: 1, c: 9 }, list: [{ min: 1 }] };
  assert.equal(unknownFields(input, parsed), [['a', 'typo'], ['list', 0, 'extra'], ['top']]);
  assert.equal(unknownFields({ a: 1 }, { a: 1, b: 2 }), []);
});

test('changedFields: leaves that differ, arrays as one, sorted by path', () => {
  const before = { durations: { lowMs: 1, highMs: 2 }, whitelist: ['a'], notes: {} };
  const after = { durations: { lowMs: 5, highMs: 2 }, whitelist: ['a', 'b'], notes: { '10.0.0.1': 'x' } };
  assert.equal(changedFields(before, after), [
    { path: 'durations.lowMs', before: 1, after: 5 },
    { path: 'notes.10.0.0.1', before: null, after: 'x' },
    { path: 'whitelist', before: ['a'], after: ['a', 'b'] },
  ]);
  assert.equal(changedFields(before, JSON.parse(JSON.stringify(before))), []);
});

test('setPath builds nested partials and merges into what is there', () => {
  const patch = setPath({}, 'durations.lowMs', 600);
  setPath(patch, 'durations.highMs', 900);
  setPath(patch, 'whitelist', ['10.0.0.0/8']);
  assert.equal(patch, { durations: { lowMs: 600, highMs: 900 }, whitelist: ['10.0.0.0/8'] });
  assert.equal(setPath({ a: 5 }, 'a.b', 1), { a: { b: 1 } }, 'a scalar in the way is replaced');
});

test.run();
