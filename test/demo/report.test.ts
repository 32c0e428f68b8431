import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildReport, renderSvg, SeriesRecorder, summaryTable } from '../../controller/demo/report.js';
import type { Phase } from '../../controller/demo/scenario.js';
import type { Decision } from '../../controller/policy/decision.js';
import type { FlowDelta, TrafficSnapshot } from '../../controller/stats/snapshot.js';
import { cookieFor, FlowPurpose } from '../../flows/layout.js';

const T0 = 1_800_000_000_000;
const flow = (src: string, kind: FlowDelta['kind'], packetRate: number): FlowDelta => ({
  dpid: '01', table: kind === 'accounting' ? 1 : 0, cookie: cookieFor(kind === 'drop' ? FlowPurpose.drop : FlowPurpose.accounting), kind, src,
  packets: packetRate, bytes: packetRate * 60, packetRate, byteRate: packetRate * 60, totalPackets: 0, totalBytes: 0, durationSec: 1,
});
const snap = (sec: number, flows: FlowDelta[]): TrafficSnapshot => ({ dpid: '01', now: T0 + sec * 1000, intervalMs: 1000, pollMs: 1, flows, ports: [], meters: [] });

function scenario() {
  const rec = new SeriesRecorder(T0);
  // attacker 10.0.0.6: 50k pps, dropped from second 4; a client at 5 pps throughout
  for (let s = 0; s < 10; s++) {
    rec.add(snap(s, [
      flow('10.0.0.3', 'accounting', 5),
      ...(s >= 2 && s < 4 ? [flow('10.0.0.6', 'accounting', 50_000)] : []),
      ...(s >= 4 && s < 8 ? [flow('10.0.0.6', 'drop', 50_000)] : []),
    ]));
  }
  const decision: Decision = {
    id: 1, target: { src: '10.0.0.6' }, action: 'drop', threatLevel: 'critical', score: 100, trust: 0.5,
    signals: [{ name: 'base.connections', points: 40 }], reason: 'INSTANT_BLOCK', origin: 'auto', offence: 1,
    createdAt: T0 + 3500, expiresAt: T0 + 3_600_000,
  };
  const phase: Phase = { name: 'SYN flood', kind: 'syn-flood', seconds: 6, attackers: ['att1'], steps: [] };
  const roles = new Map([['10.0.0.3', { role: 'client' as const, host: 'cli1' }], ['10.0.0.6', { role: 'attacker' as const, host: 'att1' }]]);
  return buildReport({
    startMs: T0, endMs: T0 + 10_000, phases: [{ phase, startMs: T0 + 2000, endMs: T0 + 8000 }],
    decisions: [decision], series: rec, ips: { att1: '10.0.0.6', cli1: '10.0.0.3' }, roles, legit: { ok: 99, total: 100 },
  });
}

test('latency from attack start to the first mitigating decision; drop rate from the switch counters', () => {
  const r = scenario();
  assert.is(r.phases[0]!.detectionLatencyMs, 1500);
  assert.is(r.phases[0]!.dropRate, 1);
  assert.is(r.legitimate.successRate, 0.99);
  assert.is(r.falseBlocks.length, 0);
  const att = r.series.find((s) => s.src === '10.0.0.6')!;
  // A poll at second 6 reports the second before it: the chart's second 5.
  assert.is(att.arriving[5], 50_000);
  assert.is(att.passed[5], 0);
});

test('a metered source: what got through is what entered the meter less its band drops', () => {
  const rec = new SeriesRecorder(T0);
  const meterFlow: FlowDelta = { ...flow('10.0.0.7', 'meter', 10_000), cookie: cookieFor(FlowPurpose.rateLimit, 3), meterId: 4 };
  // Open vSwitch also credits the table-1 flow with every packet that entered the meter.
  rec.add({ ...snap(1, [meterFlow, flow('10.0.0.7', 'accounting', 10_000)]), meters: [{ dpid: '01', meterId: 4, flowCount: 1, packets: 10_000, bytes: 0, droppedPackets: 9_900, packetRate: 10_000 }] });
  const [s] = rec.series(new Map(), 3);
  // The poll at second 1 covers second 0.
  assert.is(s!.arriving[0], 10_000);
  assert.is(s!.passed[0], 100);
});

test('a poll interval that straddles two seconds is shared between them, not piled into one', () => {
  const rec = new SeriesRecorder(T0);
  rec.add({ ...snap(1, [flow('10.0.0.8', 'accounting', 1000)]), now: T0 + 1500 });
  rec.add({ ...snap(2, [flow('10.0.0.8', 'accounting', 1000)]), now: T0 + 2400, intervalMs: 900 });
  rec.add({ ...snap(3, [flow('10.0.0.8', 'accounting', 1000)]), now: T0 + 3500, intervalMs: 1100 });
  const [s] = rec.series(new Map(), 4);
  assert.equal(s!.passed.map((v) => Math.round(v)), [500, 1000, 1000, 500], 'a steady 1000 pps stays 1000 pps');
});

test('summary table and SVG chart', () => {
  const r = scenario();
  const table = summaryTable(r);
  assert.match(table, /SYN flood\s+10\.0\.0\.6\s+1\.5 s\s+100\.00 %/);
  assert.match(table, /legitimate requests: 99\/100/);
  const svg = renderSvg(r);
  assert.match(svg, /^<svg [^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  assert.match(svg, /<\/svg>$/);
  assert.match(svg, /att1 10\.0\.0\.6/);
  assert.match(svg, /#1 10\.0\.0\.6 drop/);
  assert.is((svg.match(/<polyline/g) ?? []).length, 2);
});

test('a legitimate host mitigated is a false block', () => {
  const r = scenario();
  const rec = new SeriesRecorder(T0);
  const bad = buildReport({
    startMs: T0, endMs: T0 + 5000, phases: [], series: rec, ips: {}, legit: { ok: 1, total: 1 },
    roles: new Map([['10.0.0.3', { role: 'client' as const, host: 'cli1' }]]),
    decisions: [{ id: 2, target: { src: '10.0.0.3' }, action: 'rate-limit', threatLevel: 'medium', score: 40, trust: 0.5, signals: [], reason: 'x', origin: 'auto', offence: 1, createdAt: T0 + 1000, expiresAt: T0 + 60_000 }],
  });
  assert.is(bad.falseBlocks.length, 1);
  assert.is(r.falseBlocks.length, 0);
});

test.run();
