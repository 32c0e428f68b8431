/** The admin API's error codes, each documented where clients read them (errors.ts). */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, readdirSync } from 'node:fs';

const folder = new URL('../../controller/api/', import.meta.url);

test('every API error code the API answers with is documented in errors.ts', () => {
  const doc = readFileSync(new URL('errors.ts', folder), 'utf8');
  const used = new Set<string>();
  for (const name of readdirSync(folder).filter((n) => n.endsWith('.ts'))) {
    for (const m of readFileSync(new URL(name, folder), 'utf8').matchAll(/'(API_[A-Z_]+)'/g)) used.add(m[1]!);
  }
  assert.ok(used.has('API_HOST_NOT_ALLOWED') && used.has('API_RATE_LIMITED'), 'the scan finds codes');
  for (const code of used) assert.ok(doc.includes(` * - ${code} `), `${code} undocumented`);
});

test.run();
