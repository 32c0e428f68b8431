/**
 * npm run bench:codec — OpenFlow codec throughput on one core, next to os-ken (Debian's
 * python3-os-ken, the parser a Python controller would use) on the same bytes.
 *  - decode: flow-stats multipart replies of 100 entries, each with a realistic match
 *    (in_port, eth_type, ipv4_src, ipv4_dst, ip_proto, tcp_dst) and instructions
 *    (meter, apply-actions output, goto-table); reported in entries/s.
 *  - encode: guard-table flow-mods (in_port, eth_type, ipv4_src, ip_proto, tcp_dst;
 *    meter + goto-table); reported in messages/s.
 * Usage: npm run bench:codec [-- SECONDS]   (default 3 s per measurement)
 */
import { execFileSync } from 'node:child_process';
import { cpus } from 'node:os';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  applyActions, applyMeter, decodeMessage, encodeMessage, flowMod, gotoTable, output, type FlowStats, type MultipartReplyOf,
} from '../../controller/openflow/index.js';

const seconds = Number(process.argv[2] ?? 3);
const ENTRIES_PER_REPLY = 100;

function flowStatsReply(): Buffer {
  const body: FlowStats[] = [];
  for (let i = 0; i < ENTRIES_PER_REPLY; i++) {
    body.push({
      tableId: 1,
      durationSec: 1000 + i,
      durationNsec: 123456789,
      priority: 20000,
      idleTimeout: 60,
      hardTimeout: 0,
      flags: 0,
      cookie: 0x0f01000000000000n + BigInt(i),
      packetCount: BigInt(1000 * i + 7),
      byteCount: BigInt(64000 * i + 512),
      match: { inPort: 1 + (i % 8), ethType: 0x0800, ipv4Src: `10.0.${i >> 8}.${i & 255}`, ipv4Dst: '10.0.0.254', ipProto: 6, tcpDst: 22 + (i % 3) },
      instructions: [applyMeter(1 + i), applyActions([output(2)]), gotoTable(2)],
    });
  }
  const reply: MultipartReplyOf<'flow'> = { version: 4, type: 'multipart_reply', xid: 1, mpType: 'flow', flags: 0, body };
  return encodeMessage(reply);
}

function measure(fn: () => number): number {
  // Warm up so the JIT has optimised the path before timing.
  const warmEnd = performance.now() + 300;
  while (performance.now() < warmEnd) fn();
  let units = 0;
  const start = performance.now();
  const end = start + seconds * 1000;
  while (performance.now() < end) units += fn();
  return units / ((performance.now() - start) / 1000);
}

const reply = flowStatsReply();
let sink = 0;
const decodeRate = measure(() => {
  let n = 0;
  for (let k = 0; k < 20; k++) {
    const m = decodeMessage(reply);
    if (m.type === 'multipart_reply' && m.mpType === 'flow') {
      n += m.body.length;
      sink += m.body[n % ENTRIES_PER_REPLY]!.priority;
    }
  }
  return n;
});

let counter = 0;
const encodeRate = measure(() => {
  for (let k = 0; k < 100; k++) {
    counter++;
    const msg = flowMod({
      cookie: 0x0f00000000000000n | BigInt(counter),
      tableId: 0,
      priority: 30000,
      hardTimeout: 300,
      flags: 1,
      match: { inPort: 1, ethType: 0x0800, ipv4Src: `10.0.${(counter >> 8) & 255}.${counter & 255}`, ipProto: 6, tcpDst: 22 },
      instructions: [applyMeter(counter & 0xffff), gotoTable(1)],
    });
    sink += encodeMessage(msg).length;
  }
  return 100;
});

interface OskenFigures {
  decodeEntriesPerSec: number;
  encodeFlowModsPerSec: number;
}
// Assigned inside try; the cast stops TypeScript narrowing it to null for the code after.
let osken = null as OskenFigures | null;
let oskenError = '';
const dir = mkdtempSync(join(tmpdir(), 'ofguard-bench-'));
try {
  const file = join(dir, 'flow-stats-reply.bin');
  writeFileSync(file, reply);
  const script = new URL('./osken_codec.py', import.meta.url).pathname;
  const out = execFileSync('/usr/bin/python3', [script, file, String(seconds)], { encoding: 'utf8', timeout: (seconds * 4 + 30) * 1000 });
  osken = JSON.parse(out.trim().split('\n').pop()!) as OskenFigures;
} catch (err) {
  oskenError = (err as Error).message.split('\n')[0]!;
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
const ratio = (a: number, b: number | undefined): string => (b ? `${(a / b).toFixed(0)}x` : 'n/a');
console.log(`OpenFlow codec benchmark (${seconds} s per figure; node ${process.version}; ${cpus()[0]?.model ?? '?'}; ${cpus().length} cores)`);
console.log(`flow-stats reply: ${ENTRIES_PER_REPLY} entries, ${reply.length} bytes`);
console.log('');
console.log('| measurement                     | ofguard (TS)  | os-ken (Python) | ratio |');
console.log('|---------------------------------|---------------|-----------------|-------|');
console.log(`| decode flow-stats, entries/s    | ${fmt(decodeRate).padStart(13)} | ${(osken ? fmt(osken.decodeEntriesPerSec) : 'n/a').padStart(15)} | ${ratio(decodeRate, osken?.decodeEntriesPerSec).padStart(5)} |`);
console.log(`| encode flow-mod, messages/s     | ${fmt(encodeRate).padStart(13)} | ${(osken ? fmt(osken.encodeFlowModsPerSec) : 'n/a').padStart(15)} | ${ratio(encodeRate, osken?.encodeFlowModsPerSec).padStart(5)} |`);
if (oskenError) console.log(`\nos-ken not measured: ${oskenError}`);
if (sink === -1) console.log(sink);
