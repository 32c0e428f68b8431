import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { NetsetWatcher, loadNetset, type NetsetLoad } from '../../controller/detect/netset-watch.js';
import type { RulesError } from '../../controller/detect/rules.js';

test('load, and reload only when the file changes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ofguard-netset-'));
  const path = join(dir, 'level1.netset');
  try {
    writeFileSync(path, '203.0.113.0/24\n');
    const loads: NetsetLoad[] = [];
    const w = new NetsetWatcher('firehol', path, (l) => loads.push(l));
    assert.ok(w.check());
    assert.not.ok(w.check(), 'unchanged file is not reloaded');
    assert.ok(loads[0]!.matcher.has('203.0.113.9'));
    writeFileSync(path, '# replaced\n198.51.100.0/24\n198.51.101.0/24\n');
    assert.ok(w.check());
    assert.is(loads.length, 2);
    assert.not.ok(loads[1]!.matcher.has('203.0.113.9'));
    assert.ok(loads[1]!.matcher.has('198.51.101.200'));
    const errors: RulesError[] = [];
    const missing = new NetsetWatcher('x', join(dir, 'missing'), () => {}, (e) => errors.push(e));
    assert.not.ok(missing.check());
    assert.is(errors[0]!.code, 'DETECT_NETSET_READ');
    assert.throws(() => loadNetset('x', join(dir, 'missing')), /cannot read/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('start() loads at once and polls; stop() ends polling', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ofguard-netset-'));
  const path = join(dir, 'drop.netset');
  try {
    writeFileSync(path, '192.0.2.0/24 ; SBL1\n');
    const loads: NetsetLoad[] = [];
    const w = new NetsetWatcher('spamhaus', path, (l) => loads.push(l));
    w.start(20);
    assert.is(loads.length, 1);
    writeFileSync(path, '192.0.2.0/24 ; SBL1\n198.51.100.0/24 ; SBL2\n');
    await new Promise((r) => setTimeout(r, 120));
    w.stop();
    assert.is(loads.length, 2);
    assert.ok(loads[1]!.matcher.has('198.51.100.1'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
