import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MITIGATE_ERROR_CODES } from '../../controller/mitigate/errors.js';

test('every mitigate error code is documented in errors.ts, and every code there is used', () => {
  const text = readFileSync(new URL('../../controller/mitigate/errors.ts', import.meta.url), 'utf8');
  for (const code of MITIGATE_ERROR_CODES) assert.ok(text.includes(` * - ${code} `), `${code} undocumented`);
  const documented = [...text.matchAll(/^ \* - (MITIGATE_[A-Z_]+)/gm)].map((m) => m[1]!);
  assert.equal(documented, [...MITIGATE_ERROR_CODES]);
  const sources = ['enforcer.ts', 'templates.ts'].map((f) => readFileSync(new URL(`../../controller/mitigate/${f}`, import.meta.url), 'utf8')).join('\n');
  for (const code of MITIGATE_ERROR_CODES) assert.ok(sources.includes(`'${code}'`), `${code} never raised`);
});

test.run();
