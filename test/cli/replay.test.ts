/** `ofguard replay TRACE`: a recorded trace through the whole core, deterministic. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateTrace } from '../../controller/detect/synthetic.js';
import { TraceRecorder } from '../../controller/replay/recorder.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const ofguard = (...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'controller/cli/main.ts'), ...args], { encoding: 'utf8', cwd: ROOT });

function writeTrace(): { file: string; attackers: string[] } {
  const dir = mkdtempSync(join(tmpdir(), 'ofguard-replay-'));
  const file = join(dir, 'synthetic.trace.jsonl');
  const { snapshots, labels } = generateTrace({ seed: 7, intervals: 40, perKind: 1 });
  const rec = TraceRecorder.create(file, { createdAt: snapshots[0]!.now, meta: { labels: Object.fromEntries(labels) } });
  for (const s of snapshots) rec.record(s);
  rec.close();
  return { file, attackers: [...labels].filter(([, l]) => l !== 'benign').map(([ip]) => ip) };
}

test('prints a decision timeline, the same on every run, mitigating only attackers', () => {
  const { file, attackers } = writeTrace();
  const a = ofguard('replay', '--json', file);
  assert.is(a.status, 0, a.stderr);
  const b = ofguard('replay', '--json', file);
  assert.is(a.stdout, b.stdout, 'deterministic');
  const timeline = JSON.parse(a.stdout);
  const mitigated = new Set<string>(timeline.entries
    .filter((e: any) => e.event === 'decision' && e.decision.action !== 'monitor' && e.decision.action !== 'throttle-victim')
    .map((e: any) => e.decision.target.src));
  assert.ok(mitigated.size > 0, 'some attacker mitigated');
  for (const src of mitigated) assert.ok(attackers.includes(src), `${src} mitigated but not an attacker`);
  const text = ofguard('replay', file);
  assert.match(text.stdout, /snapshots, \d+ detections/);
  assert.match(text.stdout, /signals: /);
});

test('a bad policy file or a missing trace is named, exit 1', () => {
  const { file } = writeTrace();
  const dir = mkdtempSync(join(tmpdir(), 'ofguard-policy-'));
  const bad = join(dir, 'bad.json');
  writeFileSync(bad, '{ not json');
  const r = ofguard('replay', '--policy', bad, file);
  assert.is(r.status, 1);
  assert.match(r.stderr, /cannot read policy .*bad.json/);
  const missing = ofguard('replay', join(dir, 'missing.jsonl'));
  assert.is(missing.status, 1);
  assert.match(missing.stderr, /missing.jsonl/);
});

test.run();
