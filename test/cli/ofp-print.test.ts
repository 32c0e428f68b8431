/** `ofguard ofp-print` run as a user runs it: the real binary on real files. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeMessage } from '../../controller/openflow/index.js';
import { basePipeline } from '../../controller/forwarding/pipeline.js';
import { pcapOfMessages } from '../support/pcap.js';
import { CONFORMANCE_OF13_DIR as CONFORMANCE } from '../support/conformance.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function ofguard(...args: string[]) {
  // Straight from the TypeScript sources, so the test needs no build step.
  return spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'controller/cli/main.ts'), ...args], { encoding: 'utf8', cwd: ROOT });
}

test('prints a binary message file as JSON', () => {
  const r = ofguard('ofp-print', '--json', join(CONFORMANCE, '4-2-ofp_flow_mod.packet'));
  assert.is(r.status, 0, r.stderr);
  const [entry] = JSON.parse(r.stdout);
  assert.is(entry.message.type, 'flow_mod');
  assert.is(entry.message.priority, 123);
  assert.is(entry.message.match.ethDst, 'f2:0b:a4:7d:f8:ea');
});

test('reads a pcap of port 6653 with direction', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ofguard-print-'));
  const file = join(dir, 'ctl.pcap');
  const msgs = basePipeline({ packetInRate: 1000, missSendLen: 128 }).map((m, i) => encodeMessage({ ...m, xid: i + 1 }));
  writeFileSync(file, pcapOfMessages(msgs));
  const r = ofguard('ofp-print', '--json', file);
  assert.is(r.status, 0, r.stderr);
  const entries = JSON.parse(r.stdout);
  assert.is(entries.length, msgs.length);
  assert.ok(entries.every((e: { direction: string }) => e.direction === 'controller->switch'));
  const text = ofguard('ofp-print', file);
  assert.match(text.stdout, /meter_mod xid=6/);
});

test('bad input: a clear message and a non-zero exit', () => {
  const missing = ofguard('ofp-print', '/nonexistent/file.bin');
  assert.is(missing.status, 1);
  assert.match(missing.stderr, /cannot read \/nonexistent\/file.bin/);
  const dir = mkdtempSync(join(tmpdir(), 'ofguard-print-'));
  const junk = join(dir, 'junk.bin');
  writeFileSync(junk, Buffer.from('GET / HTTP/1.1\r\n\r\n'));
  const r = ofguard('ofp-print', junk);
  assert.match(r.stdout + r.stderr, /OFP_BAD_VERSION/);
  assert.is(r.status, 1, 'undecodable input gives a non-zero exit');
});

test.run();
