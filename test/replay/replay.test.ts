import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { generateTrace } from '../../controller/detect/synthetic.js';
import { readTrace } from '../../controller/replay/read.js';
import { TraceRecorder } from '../../controller/replay/recorder.js';
import { replayTrace } from '../../controller/replay/replay.js';

const { snapshots, labels } = generateTrace({ seed: 77, intervals: 20, perKind: 2 });
const config = { maxSources: 4096 };

test('same trace → identical detections (twice in memory, and through a file)', async () => {
  const a = replayTrace(snapshots, { config });
  const b = replayTrace(snapshots, { config });
  assert.ok(a.detections.length > 50);
  assert.equal(a.detections, b.detections);
  const dir = mkdtempSync(join(tmpdir(), 'ofguard-replay-'));
  try {
    const path = join(dir, 't.trace.jsonl');
    const rec = TraceRecorder.create(path, { createdAt: 0, config });
    snapshots.forEach((s) => rec.record(s));
    rec.close();
    const t = await readTrace(path);
    const c = replayTrace(t.snapshots, { config: t.header.config! });
    assert.equal(JSON.stringify(c.detections), JSON.stringify(a.detections));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('onDetections sees every snapshot on simulated time; attackers are found', () => {
  const times: number[] = [];
  const clockTimes: number[] = [];
  const r = replayTrace(snapshots, {
    config,
    onDetections: (_ds, snap, clock) => {
      times.push(snap.now);
      clockTimes.push(clock.now());
    },
  });
  assert.is(r.snapshots, snapshots.length);
  assert.equal(clockTimes, times);
  assert.equal(times, snapshots.map((s) => s.now));
  const attackers = [...labels].filter(([, l]) => l !== 'benign').map(([ip]) => ip);
  const found = new Set(r.detections.filter((d) => d.attackType !== 'benign').map((d) => d.src));
  const recall = attackers.filter((ip) => found.has(ip)).length / attackers.length;
  assert.ok(recall > 0.9, `attacker recall ${recall}`);
});

test.run();
