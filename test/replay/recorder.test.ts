import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { generateTrace } from '../../controller/detect/synthetic.js';
import { TraceRecorder } from '../../controller/replay/recorder.js';

test('writes a header line then one line per snapshot', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ofguard-rec-'));
  try {
    const path = join(dir, 'a.trace.jsonl');
    const { snapshots } = generateTrace({ seed: 3, intervals: 4, perKind: 1 });
    const rec = TraceRecorder.create(path, { createdAt: 42, config: { maxSources: 1000 }, meta: { scenario: 'synthetic 3' } });
    for (const s of snapshots) rec.record(s);
    assert.is(rec.recorded, 4);
    rec.close();
    assert.throws(() => rec.record(snapshots[0]!), /closed/);
    const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
    assert.is(lines.length, 5);
    assert.equal(JSON.parse(lines[0]!), { format: 'ofguard-trace', version: 1, createdAt: 42, config: { maxSources: 1000 }, meta: { scenario: 'synthetic 3' } });
    assert.is(JSON.parse(lines[2]!).now, snapshots[1]!.now);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
