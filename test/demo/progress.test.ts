/** The demo's console output on a terminal (status redrawn in place) and into a file or pipe. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DemoPrinter } from '../../controller/demo/progress.js';

function run(isTTY: boolean | undefined): string {
  let text = '';
  const p = new DemoPrinter({ isTTY, write: (t: string) => { text += t; } });
  p.line('[  0s] SYN flood att1 → srv1:8080 (12 s)');
  for (let s = 1; s <= 3; s++) p.status(`        ${s}s/60s · active mitigations: ${s > 1 ? '10.0.0.6:rate_limit' : 'none'}`);
  p.line('        decision #1: rate_limit 10.0.0.6 (high, score 71) — syn flood');
  p.status('        4s/60s · active mitigations: 10.0.0.6:drop');
  p.endStatus();
  p.line('[ 12s] UDP flood att2 → srv2:9000 (12 s)');
  p.endStatus();
  p.line('legitimate requests: 520/520 succeeded (100.0 %)');
  return text;
}

test('not a terminal: one line per event, no carriage return, no status', () => {
  for (const isTTY of [false, undefined]) {
    const text = run(isTTY);
    assert.not.ok(text.includes('\r'));
    assert.equal(text.split('\n'), [
      '[  0s] SYN flood att1 → srv1:8080 (12 s)',
      '        decision #1: rate_limit 10.0.0.6 (high, score 71) — syn flood',
      '[ 12s] UDP flood att2 → srv2:9000 (12 s)',
      'legitimate requests: 520/520 succeeded (100.0 %)',
      '',
    ]);
  }
});

test('a terminal: the status is redrawn in place, padded, and kept when the phase ends', () => {
  const text = run(true);
  const status = (s: string) => `\r${s}`.padEnd(110);
  assert.is(text, [
    '[  0s] SYN flood att1 → srv1:8080 (12 s)\n',
    status('        1s/60s · active mitigations: none'),
    status('        2s/60s · active mitigations: 10.0.0.6:rate_limit'),
    status('        3s/60s · active mitigations: 10.0.0.6:rate_limit'),
    '        decision #1: rate_limit 10.0.0.6 (high, score 71) — syn flood\n',
    status('        4s/60s · active mitigations: 10.0.0.6:drop'),
    '\n',
    '[ 12s] UDP flood att2 → srv2:9000 (12 s)\n',
    '\n',
    'legitimate requests: 520/520 succeeded (100.0 %)\n',
  ].join(''));
  assert.is(status('x').length, 110, 'a shorter status wipes the end of a longer one');
});

test.run();
