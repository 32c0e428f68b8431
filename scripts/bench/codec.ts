/**
 * npm run bench:codec — OpenFlow codec throughput on one core, next to os-ken (Debian's
 * python3-os-ken, the parser a Python controller would use) on the same bytes.
 *  - decode: flow-stats multipart replies of 100 entries, each with a realistic match
 *    (in_port, eth_type, ipv4_src, ipv4_dst, ip_proto, tcp_dst) and instructions
 *    (meter, apply-actions output, goto-table); reported in entries/s.
 *  - encode: guard-table flow-mods (in_port, eth_type, ipv4_src, ip_proto, tcp_dst;
 *    meter + goto-table); reported in messages/s.
 * Usage: npm run bench:codec [-- SECONDS]   (default 3 s per measurement; builds, then runs the
 * compiled dist/ output: under tsx every cross-module import is a getter, ~40 % of decode time)
 */
import { execFileSync } from 'node:child_process';
import { cpus } from 'node:os';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  applyActions, applyMeter, decodeMessage, encodeMessage, visitFlowStatsReply, flowMod, gotoTable, output, type FlowStats, type MultipartReplyOf,
} from '../../controller/openflow/index.js';

const seconds = Number(process.argv[2] ?? 3);

/** The repository root, whether this runs from scripts/bench (tsx) or dist/scripts/bench. */
function repoRoot(): string {
  const here = fileURLToPath(new URL('.', import.meta.url));
  return here.includes('/dist/') ? join(here, '../../..') : join(here, '../..');
}
const ENTRIES_PER_REPLY = 100;

/** `sources` offsets the source addresses, so different replies can name different flows. */
function flowStatsReply(sources = 0): Buffer {
  const body: FlowStats[] = [];
  for (let j = 0; j < ENTRIES_PER_REPLY; j++) {
    const i = sources + j;
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
      match: { inPort: 1 + (i % 8), ethType: 0x0800, ipv4Src: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, ipv4Dst: '10.0.0.254', ipProto: 6, tcpDst: 22 + (i % 3) },
      instructions: [applyMeter(1 + i), applyActions([output(2)]), gotoTable(2)],
    });
  }
  const reply: MultipartReplyOf<'flow'> = { version: 4, type: 'multipart_reply', xid: 1, mpType: 'flow', flags: 0, body };
  return encodeMessage(reply);
}

/** CPU seconds this process has used: the figure per core, whatever else shares the machine. */
function cpuSeconds(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

/** Units per CPU second (the rate on one core; wall time would also count other processes). */
function measure(fn: () => number): number {
  // Warm up so the JIT has optimised the path before timing.
  const warmEnd = performance.now() + 300;
  while (performance.now() < warmEnd) fn();
  let units = 0;
  const start = cpuSeconds();
  const end = performance.now() + seconds * 1000;
  while (performance.now() < end) units += fn();
  return units / (cpuSeconds() - start);
}

const reply = flowStatsReply();
let sink = 0;
function decodeRate(replies: readonly Buffer[]): number {
  let next = 0;
  return measure(() => {
    let n = 0;
    for (let k = 0; k < 20; k++) {
      const m = decodeMessage(replies[next]!);
      next = (next + 1) % replies.length;
      if (m.type === 'multipart_reply' && m.mpType === 'flow') {
        n += m.body.length;
        sink += m.body[n % ENTRIES_PER_REPLY]!.priority;
      }
    }
    return n;
  });
}
// Warm: the same flows every time, as a stats poll sees them interval after interval.
const decodeWarmRate = decodeRate([reply]);
// Cold: 12,800 distinct sources in rotation, more than the address cache holds.
const COLD_REPLIES = 128;
const decodeColdRate = decodeRate(Array.from({ length: COLD_REPLIES }, (_, r) => flowStatsReply(r * ENTRIES_PER_REPLY)));

// The stats poller's path: counters and match, instructions skipped, one reused entry.
function visitRate(replies: readonly Buffer[]): number {
  let next = 0;
  let n = 0;
  const count = (e: { priority: number }): void => {
    n++;
    sink += e.priority;
  };
  return measure(() => {
    const before = n;
    for (let k = 0; k < 20; k++) {
      visitFlowStatsReply(replies[next]!, count);
      next = (next + 1) % replies.length;
    }
    return n - before;
  });
}
const visitWarmRate = visitRate([reply]);
const visitColdRate = visitRate(Array.from({ length: COLD_REPLIES }, (_, r) => flowStatsReply(r * ENTRIES_PER_REPLY)));

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
  const script = join(repoRoot(), 'scripts/bench/osken_codec.py');
  const out = execFileSync('/usr/bin/python3', [script, file, String(seconds)], { encoding: 'utf8', timeout: (seconds * 4 + 30) * 1000 });
  osken = JSON.parse(out.trim().split('\n').pop()!) as OskenFigures;
} catch (err) {
  oskenError = (err as Error).message.split('\n')[0]!;
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
const ratio = (a: number, b: number | undefined): string => (b ? `${(a / b).toFixed(0)}x` : 'n/a');
console.log(`OpenFlow codec benchmark (${seconds} s per figure, rates per CPU second; node ${process.version}; ${cpus()[0]?.model ?? '?'}; ${cpus().length} cores)`);
console.log(`flow-stats reply: ${ENTRIES_PER_REPLY} entries, ${reply.length} bytes`);
console.log('');
const rows: [string, number, number | undefined][] = [
  ['decodeMessage flow-stats, warm, entries/s', decodeWarmRate, osken?.decodeEntriesPerSec],
  ['decodeMessage flow-stats, cold, entries/s', decodeColdRate, osken?.decodeEntriesPerSec],
  ['visitFlowStatsReply, warm, entries/s', visitWarmRate, osken?.decodeEntriesPerSec],
  ['visitFlowStatsReply, cold, entries/s', visitColdRate, osken?.decodeEntriesPerSec],
  ['encode flow-mod, messages/s', encodeRate, osken?.encodeFlowModsPerSec],
];
console.log(`| ${'measurement'.padEnd(42)} | ofguard (TS)  | os-ken (Python) | ratio |`);
console.log(`|${'-'.repeat(44)}|---------------|-----------------|-------|`);
for (const [name, ours, theirs] of rows) {
  console.log(`| ${name.padEnd(42)} | ${fmt(ours).padStart(13)} | ${(theirs ? fmt(theirs) : 'n/a').padStart(15)} | ${ratio(ours, theirs).padStart(5)} |`);
}
console.log('');
console.log('warm: the same 100 flows every time, as each stats poll sees them; cold: 12,800 distinct');
console.log('sources in rotation (address-cache misses). os-ken decodes the warm reply (it has no caches).');
if (oskenError) console.log(`\nos-ken not measured: ${oskenError}`);
if (sink === -1) console.log(sink);
