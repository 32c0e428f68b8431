import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { GeoDatabase, GeoError } from '../../controller/detect/geo.js';
import { buildMmdb } from './mmdb-writer.js';

const db = buildMmdb([
  ['203.0.113.0/24', { country: { iso_code: 'XA', names: { en: 'Testland' } } }],
  ['198.51.100.128/25', { registered_country: { iso_code: 'XB' } }],
  ['192.0.2.7/32', { country: { iso_code: 'XC' } }],
]);

test('country lookups from a generated .mmdb (in memory)', () => {
  const g = GeoDatabase.fromBuffer(db);
  assert.is(g.country('203.0.113.200'), 'XA');
  assert.is(g.country('198.51.100.200'), 'XB', 'registered_country when no country');
  assert.is(g.country('198.51.100.1'), undefined);
  assert.is(g.country('192.0.2.7'), 'XC');
  assert.is(g.country('192.0.2.8'), undefined);
  assert.is(g.country('not an ip'), undefined);
});

test('open() reads the database from a file through the maxmind package', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ofguard-geo-'));
  try {
    const path = join(dir, 'test.mmdb');
    writeFileSync(path, db);
    const g = await GeoDatabase.open(path);
    assert.is(g.country('203.0.113.1'), 'XA');
    assert.is(GeoDatabase.openSync(path).country('203.0.113.1'), 'XA', 'openSync: the same database');
    const bad = join(dir, 'bad.mmdb');
    writeFileSync(bad, 'not a database');
    for (const p of [bad, join(dir, 'missing.mmdb')]) {
      try {
        GeoDatabase.openSync(p);
        assert.unreachable('opened ' + p);
      } catch (e) {
        assert.instance(e, GeoError);
        assert.is((e as GeoError).code, 'DETECT_GEO_READ');
        assert.match((e as Error).message, p);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
