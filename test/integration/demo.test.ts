/**
 * The attack-replay demo as a scenario test: SYN, UDP and ICMP floods, a port scan and a
 * distributed SYN flood against the office network, with legitimate clients throughout.
 * Every attack must be mitigated, no legitimate host mitigated, legitimate requests served.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runDemo } from '../../controller/cli/demo.js';

const demo = suite('attack-replay demo (office)');

demo('every attack mitigated, no false block, legitimate requests served', async () => {
  const out = mkdtempSync(join(tmpdir(), 'ofguard-demo-'));
  let printed = '';
  // As into a file or a pipe (CI, tee): one line per event, no carriage-return redraws.
  const report = await runDemo({ out, scale: 1, logLevel: 'warn', output: { isTTY: false, write: (t) => { printed += t; } } });
  const lines = printed.split('\n');
  console.log(lines.filter((l) => !l.includes('decision #')).join('\n'));
  assert.not.ok(printed.includes('\r'), 'a carriage return in output that is not a terminal');
  assert.ok(lines.every((l) => l.length < 400), `a line of ${Math.max(...lines.map((l) => l.length))} characters`);
  assert.is(lines.filter((l) => /^\[\s*\d+s\] /.test(l)).length, report.phases.length, 'one line per phase start');
  // Decisions made between the report and the shutdown are printed but not in the report.
  assert.ok(lines.filter((l) => l.includes('decision #')).length >= report.decisions.length, 'one line per decision');
  assert.ok(lines.some((l) => l.startsWith('legitimate requests:')), 'the summary');
  // The controller's scratch store is gone; what the run produced stays.
  assert.equal(readdirSync(out).filter((f) => f.startsWith('state-')), []);
  assert.ok(['report.json', 'report.svg', 'summary.txt', 'controller.log'].every((f) => readdirSync(out).includes(f)));
  for (const p of report.phases.filter((x) => x.attackers.length > 0)) {
    assert.ok(p.detectionLatencyMs !== undefined, `${p.name}: not mitigated`);
    assert.ok(p.detectionLatencyMs! < 10_000, `${p.name}: mitigated after ${p.detectionLatencyMs} ms`);
  }
  assert.is(report.falseBlocks.length, 0, `false blocks: ${JSON.stringify(report.falseBlocks)}`);
  assert.ok(report.legitimate.requests > 100, `${report.legitimate.requests} legitimate requests made`);
  assert.ok(report.legitimate.successRate >= 0.99, `legitimate success ${report.legitimate.succeeded}/${report.legitimate.requests}`);
});

demo.run();
