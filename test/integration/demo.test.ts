/**
 * The attack-replay demo as a scenario test: SYN, UDP and ICMP floods, a port scan and a
 * distributed SYN flood against the office network, with legitimate clients throughout.
 * Every attack must be mitigated, no legitimate host mitigated, legitimate requests served.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runDemo } from '../../controller/cli/demo.js';

const demo = suite('attack-replay demo (office)');

demo('every attack mitigated, no false block, legitimate requests served', async () => {
  const out = mkdtempSync(join(tmpdir(), 'ofguard-demo-'));
  const lines: string[] = [];
  const report = await runDemo({ out, scale: 1, logLevel: 'warn', say: (l) => lines.push(l) });
  console.log(lines.filter((l) => !l.includes('decision #')).join('\n'));
  for (const p of report.phases.filter((x) => x.attackers.length > 0)) {
    assert.ok(p.detectionLatencyMs !== undefined, `${p.name}: not mitigated`);
    assert.ok(p.detectionLatencyMs! < 10_000, `${p.name}: mitigated after ${p.detectionLatencyMs} ms`);
  }
  assert.is(report.falseBlocks.length, 0, `false blocks: ${JSON.stringify(report.falseBlocks)}`);
  assert.ok(report.legitimate.requests > 100, `${report.legitimate.requests} legitimate requests made`);
  assert.ok(report.legitimate.successRate >= 0.99, `legitimate success ${report.legitimate.succeeded}/${report.legitimate.requests}`);
});

demo.run();
