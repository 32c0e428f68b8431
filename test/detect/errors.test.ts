import { readFileSync, readdirSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const dir = new URL('../../controller/detect/', import.meta.url);
const readme = readFileSync(new URL('README.md', dir), 'utf8');

test('every error code thrown in controller/detect is documented in its README', () => {
  const codes = new Set<string>();
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.ts'))) {
    for (const m of readFileSync(new URL(f, dir), 'utf8').matchAll(/'((?:DETECT|INTEL)_[A-Z_]+)'/g)) codes.add(m[1]!);
  }
  assert.ok(codes.size >= 9, `found ${[...codes]}`);
  for (const c of codes) assert.ok(readme.includes(`\`${c}\``), `${c} undocumented`);
});

test('every replay error code is documented in FORMAT.md', () => {
  const src = readFileSync(new URL('../../controller/replay/codec.ts', import.meta.url), 'utf8');
  const doc = readFileSync(new URL('../../controller/replay/FORMAT.md', import.meta.url), 'utf8');
  const codes = [...src.matchAll(/'(REPLAY_[A-Z_]+)'/g)].map((m) => m[1]!);
  assert.ok(codes.length >= 4);
  for (const c of codes) assert.ok(doc.includes(`\`${c}\``), `${c} undocumented`);
});

test.run();
