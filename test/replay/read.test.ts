import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { generateTrace } from '../../controller/detect/synthetic.js';
import type { ReplayError } from '../../controller/replay/codec.js';
import { readTrace } from '../../controller/replay/read.js';
import { TraceRecorder } from '../../controller/replay/recorder.js';

const dir = mkdtempSync(join(tmpdir(), 'ofguard-read-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

test('round trip: recorded snapshots read back identical (bigints included)', async () => {
  const path = join(dir, 'rt.trace.jsonl');
  const { snapshots } = generateTrace({ seed: 4, intervals: 5, perKind: 1 });
  const rec = TraceRecorder.create(path, { createdAt: 1 });
  snapshots.forEach((s) => rec.record(s));
  rec.close();
  const t = await readTrace(path);
  assert.is(t.header.version, 1);
  assert.equal(t.snapshots, snapshots);
  assert.is(typeof t.snapshots[1]!.flows[0]!.cookie, 'bigint');
});

test('gzip-compressed traces (.gz) read the same; a corrupt one is REPLAY_READ', async () => {
  const plain = join(dir, 'z.trace.jsonl');
  const { snapshots } = generateTrace({ seed: 5, intervals: 4, perKind: 1 });
  const rec = TraceRecorder.create(plain, { createdAt: 2 });
  snapshots.forEach((s) => rec.record(s));
  rec.close();
  writeFileSync(plain + '.gz', gzipSync(readFileSync(plain)));
  assert.equal((await readTrace(plain + '.gz')).snapshots, snapshots);
  writeFileSync(join(dir, 'broken.gz'), Buffer.from('not gzip at all'));
  assert.is(await readTrace(join(dir, 'broken.gz')).then(() => 'none', (e: ReplayError) => e.code), 'REPLAY_READ');
});

test('errors: missing file, empty file, bad line with its number', async () => {
  const code = async (p: string) => readTrace(p).then(() => 'none', (e: ReplayError) => e.code);
  assert.is(await code(join(dir, 'missing')), 'REPLAY_READ');
  writeFileSync(join(dir, 'empty'), '\n');
  assert.is(await code(join(dir, 'empty')), 'REPLAY_BAD_HEADER');
  writeFileSync(join(dir, 'bad'), '{"format":"ofguard-trace","version":1,"createdAt":0}\n\n{"dpid":\n');
  await readTrace(join(dir, 'bad')).then(
    () => assert.unreachable(),
    (e: ReplayError) => {
      assert.is(e.code, 'REPLAY_BAD_LINE');
      assert.match(e.message, /line 3/);
    },
  );
});

test.run();
