/** Every error code the codec can raise is documented in ERRORS.md, and nothing documented is stale. */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { OpenFlowDecodeError } from '../../controller/openflow/index.js';

const srcDir = fileURLToPath(new URL('../../controller/openflow/', import.meta.url));
const CODE = /'((?:OFP|PCAP)_[A-Z0-9_]+)'/g;

function codesInSource(): Set<string> {
  const codes = new Set<string>();
  for (const f of readdirSync(srcDir).filter((n) => n.endsWith('.ts'))) {
    for (const m of readFileSync(srcDir + f, 'utf8').matchAll(CODE)) codes.add(m[1]!);
  }
  return codes;
}

test('every code in the source is documented in ERRORS.md', () => {
  const doc = readFileSync(srcDir + 'ERRORS.md', 'utf8');
  const documented = new Set([...doc.matchAll(/^\| `([A-Z0-9_]+)` \|/gm)].map((m) => m[1]!));
  const used = codesInSource();
  assert.ok(used.size >= 10, `found only ${used.size} codes`);
  assert.equal([...used].filter((c) => !documented.has(c)).sort(), [], 'undocumented codes');
  assert.equal([...documented].filter((c) => !used.has(c)).sort(), [], 'documented codes not in the source');
});

test('OpenFlowDecodeError carries code, detail and offset', () => {
  const e = new OpenFlowDecodeError('OFP_BAD_TYPE', 'unknown message type 99', 1);
  assert.is(e.code, 'OFP_BAD_TYPE');
  assert.is(e.detail, 'unknown message type 99');
  assert.is(e.offset, 1);
  assert.is(e.message, 'OFP_BAD_TYPE: unknown message type 99 (at byte 1)');
  assert.instance(e, Error);
});

test.run();
