/**
 * The demo's report, computed purely from what was recorded: per-source traffic per second
 * (from the stats snapshots), the decisions, the phases and the legitimate clients'
 * results → a JSON report, a summary table and an SVG chart with the mitigations marked.
 */
import { sourceText } from '../detect/detection.js';
import type { TrafficSnapshot } from '../stats/snapshot.js';
import type { Decision } from '../policy/decision.js';
import type { Phase } from './scenario.js';

export interface SourceSeries {
  src: string;
  role: 'server' | 'client' | 'attacker' | 'other';
  host?: string;
  /** per second since the demo started: packets/s reaching the switch from this source */
  arriving: number[];
  /** packets/s let through to the forwarding table */
  passed: number[];
}

export interface DecisionMark {
  t: number;
  id: number;
  src: string;
  action: string;
  level: string;
  score: number;
  reason: string;
  signals: { name: string; points: number }[];
}

export interface PhaseResult {
  name: string;
  kind: Phase['kind'];
  startS: number;
  endS: number;
  attackers: string[];
  /** from attack start to the first mitigating (not monitor) decision for an attacker */
  detectionLatencyMs?: number;
  /** share of the attackers' packets dropped at the switch after mitigation */
  dropRate?: number;
}

export interface DemoReport {
  startedAt: string;
  durationS: number;
  phases: PhaseResult[];
  legitimate: { requests: number; succeeded: number; successRate: number };
  falseBlocks: DecisionMark[];
  decisions: DecisionMark[];
  series: SourceSeries[];
}

export class SeriesRecorder {
  private readonly arriving = new Map<string, number[]>();
  private readonly passed = new Map<string, number[]>();
  private readonly viaTable0 = new Map<string, number[]>();

  constructor(private readonly startMs: number) {}

  add(s: TrafficSnapshot): void {
    // A snapshot's rate holds over the interval it covers, which rarely lines up with the
    // chart's seconds: each second gets the rate times the share of it the interval covers
    // (summing rates per poll instead drew a saw when two polls fell into one second).
    const end = (s.now - this.startMs) / 1000;
    const start = Math.max(0, end - (s.intervalMs > 0 ? s.intervalMs / 1000 : 1));
    if (end <= 0) return;
    const bump = (m: Map<string, number[]>, src: string, v: number) => {
      let a = m.get(src);
      if (!a) m.set(src, (a = []));
      for (let sec = Math.floor(start); sec < end; sec++) {
        const overlap = Math.min(end, sec + 1) - Math.max(start, sec);
        if (overlap <= 0) continue;
        while (a.length <= sec) a.push(0);
        a[sec] += v * overlap;
      }
    };
    // Open vSwitch credits every rule a packet was looked up in, so table-1 counters after a
    // meter also count what the meter's band dropped: for a metered source, what got
    // through is what entered the meter less the band's drops.
    const seconds = s.intervalMs > 0 ? s.intervalMs / 1000 : 1;
    const bandDrops = new Map<number, number>();
    for (const m of s.meters) bandDrops.set(m.meterId, m.droppedPackets / seconds);
    const metered = new Map<string, number>();
    for (const f of s.flows) {
      if (f.kind === 'meter' && f.meterId !== undefined && f.src && f.srcPrefix === undefined) {
        metered.set(f.src, (metered.get(f.src) ?? 0) + Math.max(0, f.packetRate - (bandDrops.get(f.meterId) ?? 0)));
      }
    }
    for (const f of s.flows) {
      if (!f.src || f.srcPrefix !== undefined) continue;
      if (f.kind === 'accounting' || f.kind === 'syn') {
        if (!metered.has(f.src)) bump(this.passed, f.src, f.packetRate);
      } else if (f.kind === 'drop' || f.kind === 'meter') bump(this.viaTable0, f.src, f.packetRate);
    }
    for (const [src, rate] of metered) bump(this.passed, src, rate);
  }

  series(roles: Map<string, { role: SourceSeries['role']; host: string }>, seconds: number): SourceSeries[] {
    const out: SourceSeries[] = [];
    for (const src of new Set([...this.passed.keys(), ...this.viaTable0.keys()])) {
      const passed = pad(this.passed.get(src) ?? [], seconds);
      const t0 = pad(this.viaTable0.get(src) ?? [], seconds);
      // With a drop or meter flow in the guard table every packet of the source meets it
      // first; without one, what accounting saw is all that arrived.
      const arriving = passed.map((p, i) => (t0[i] > 0 ? t0[i] : p));
      const r = roles.get(src);
      out.push({ src, role: r?.role ?? 'other', ...(r ? { host: r.host } : {}), arriving: arriving.map(round1), passed: passed.map(round1) });
    }
    return out.sort((a, b) => a.src.localeCompare(b.src, undefined, { numeric: true }));
  }
}

const pad = (a: number[], n: number) => Array.from({ length: n }, (_, i) => a[i] ?? 0);
const round1 = (x: number) => Math.round(x * 10) / 10;

export function markDecision(d: Decision, startMs: number): DecisionMark {
  return {
    t: Math.round(((d.updatedAt ?? d.createdAt) - startMs) / 100) / 10,
    id: d.id, src: sourceText(d.target),
    action: d.action, level: d.threatLevel, score: d.score, reason: d.reason,
    signals: d.signals.map((s) => ({ name: s.name, points: s.points })),
  };
}

export function buildReport(input: {
  startMs: number; endMs: number; phases: { phase: Phase; startMs: number; endMs: number }[];
  decisions: Decision[]; series: SeriesRecorder; ips: Record<string, string>;
  roles: Map<string, { role: SourceSeries['role']; host: string }>;
  legit: { ok: number; total: number };
}): DemoReport {
  const seconds = Math.ceil((input.endMs - input.startMs) / 1000);
  const series = input.series.series(input.roles, seconds);
  const marks = input.decisions.map((d) => markDecision(d, input.startMs));
  const mitigating = marks.filter((m) => m.action !== 'monitor');
  const phases: PhaseResult[] = input.phases.map(({ phase, startMs, endMs }) => {
    const ips = phase.attackers.map((h) => input.ips[h]!).filter(Boolean);
    const r: PhaseResult = { name: phase.name, kind: phase.kind, startS: (startMs - input.startMs) / 1000, endS: (endMs - input.startMs) / 1000, attackers: ips };
    if (ips.length === 0) return r;
    const first = mitigating.filter((m) => ips.includes(m.src) && m.t >= r.startS - 0.5).sort((a, b) => a.t - b.t)[0];
    if (!first) return r;
    r.detectionLatencyMs = Math.max(0, Math.round((first.t - r.startS) * 1000));
    let arriving = 0, passed = 0;
    for (const s of series.filter((x) => ips.includes(x.src))) {
      for (let i = Math.ceil(first.t) + 1; i < Math.min(seconds, Math.floor(r.endS)); i++) {
        arriving += s.arriving[i]!;
        passed += s.passed[i]!;
      }
    }
    if (arriving > 0) r.dropRate = Math.max(0, 1 - passed / arriving);
    return r;
  });
  const legitIps = new Set([...input.roles].filter(([, r]) => r.role === 'client' || r.role === 'server').map(([ip]) => ip));
  return {
    startedAt: new Date(input.startMs).toISOString(),
    durationS: seconds,
    phases,
    legitimate: { requests: input.legit.total, succeeded: input.legit.ok, successRate: input.legit.total ? input.legit.ok / input.legit.total : 1 },
    falseBlocks: mitigating.filter((m) => legitIps.has(m.src) && m.action !== 'throttle-victim'),
    decisions: marks,
    series,
  };
}

const pct = (x: number | undefined, digits = 1) => (x === undefined ? '—' : `${(x * 100).toFixed(digits)} %`);

export function summaryTable(r: DemoReport): string {
  const rows = [['phase', 'attackers', 'detection latency', 'attack dropped']];
  for (const p of r.phases) {
    if (p.attackers.length === 0) continue;
    rows.push([p.name, p.attackers.join(' '), p.detectionLatencyMs === undefined ? 'not mitigated' : `${(p.detectionLatencyMs / 1000).toFixed(1)} s`, pct(p.dropRate, 2)]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  const line = (row: string[]) => row.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  return [
    line(rows[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line), '',
    `legitimate requests: ${r.legitimate.succeeded}/${r.legitimate.requests} succeeded (${pct(r.legitimate.successRate)})`,
    `false blocks (a legitimate host mitigated): ${r.falseBlocks.length}`,
    `decisions: ${r.decisions.length}`,
  ].join('\n');
}

const ROLE_COLOURS: Record<SourceSeries['role'], string[]> = {
  attacker: ['#d62728', '#ff7f0e', '#8c564b', '#e377c2', '#bcbd22', '#b22222', '#ff4500', '#a0522d'],
  client: ['#2ca02c', '#17becf', '#1f77b4'],
  server: ['#7f7f7f', '#555555'],
  other: ['#c7c7c7'],
};
const ACTION_COLOURS: Record<string, string> = { monitor: '#999999', 'rate-limit': '#ff9900', 'throttle-victim': '#9467bd', 'selective-drop': '#d62728', drop: '#000000' };

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Packets/s per source over time (log scale), phases shaded, mitigations marked. */
export function renderSvg(r: DemoReport): string {
  const W = 1000, H = 520, L = 70, R = 170, T = 50, B = 60;
  const pw = W - L - R, ph = H - T - B;
  const maxT = Math.max(1, r.durationS);
  const peak = Math.max(10, ...r.series.flatMap((s) => s.arriving));
  const maxExp = Math.ceil(Math.log10(peak));
  const x = (t: number) => L + (t / maxT) * pw;
  const y = (v: number) => T + ph - (Math.log10(Math.max(1, v)) / maxExp) * ph;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`);
  out.push(`<rect width="${W}" height="${H}" fill="#ffffff"/>`);
  out.push(`<text x="${L}" y="20" font-size="15" font-weight="bold">ofguard demo — packets/s per source at the switch, mitigations marked</text>`);
  r.phases.forEach((p, i) => {
    out.push(`<rect x="${x(p.startS).toFixed(1)}" y="${T}" width="${(x(p.endS) - x(p.startS)).toFixed(1)}" height="${ph}" fill="${i % 2 ? '#f4f4f4' : '#fbfbfb'}"/>`);
    out.push(`<text x="${(x(p.startS) + 3).toFixed(1)}" y="${T + 12}" font-size="9" fill="#555">${esc(p.kind)}</text>`);
  });
  for (let e = 0; e <= maxExp; e++) {
    const yy = y(10 ** e);
    out.push(`<line x1="${L}" x2="${L + pw}" y1="${yy.toFixed(1)}" y2="${yy.toFixed(1)}" stroke="#e0e0e0"/>`);
    out.push(`<text x="${L - 6}" y="${(yy + 4).toFixed(1)}" text-anchor="end">${e === 0 ? '1' : `1e${e}`}</text>`);
  }
  for (let t = 0; t <= maxT; t += 10) out.push(`<text x="${x(t).toFixed(1)}" y="${T + ph + 16}" text-anchor="middle">${t}s</text>`);
  out.push(`<line x1="${L}" x2="${L}" y1="${T}" y2="${T + ph}" stroke="#333"/><line x1="${L}" x2="${L + pw}" y1="${T + ph}" y2="${T + ph}" stroke="#333"/>`);
  out.push(`<text x="16" y="${T + ph / 2}" transform="rotate(-90 16 ${T + ph / 2})" text-anchor="middle">packets/s (log)</text>`);
  const used: Record<string, number> = {};
  let legendY = T;
  for (const s of r.series) {
    if (s.role === 'other' && Math.max(...s.arriving) < 1) continue;
    const palette = ROLE_COLOURS[s.role];
    const colour = palette[(used[s.role] = (used[s.role] ?? -1) + 1) % palette.length]!;
    const pts = s.arriving.map((v, i) => `${x(i + 0.5).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
    out.push(`<polyline fill="none" stroke="${colour}" stroke-width="${s.role === 'attacker' ? 1.8 : 1.2}" points="${pts}"/>`);
    out.push(`<line x1="${W - R + 10}" x2="${W - R + 28}" y1="${legendY + 4}" y2="${legendY + 4}" stroke="${colour}" stroke-width="2"/>`);
    out.push(`<text x="${W - R + 32}" y="${legendY + 8}">${esc(`${s.host ?? ''} ${s.src}`.trim())}</text>`);
    legendY += 14;
  }
  legendY += 8;
  for (const [action, colour] of Object.entries(ACTION_COLOURS)) {
    out.push(`<path d="M ${W - R + 19} ${legendY} l -5 -8 h 10 z" fill="${colour}"/><text x="${W - R + 32}" y="${legendY}">${action}</text>`);
    legendY += 14;
  }
  for (const d of r.decisions) {
    const xx = x(d.t);
    const colour = ACTION_COLOURS[d.action] ?? '#333';
    out.push(`<line x1="${xx.toFixed(1)}" x2="${xx.toFixed(1)}" y1="${T}" y2="${T + ph}" stroke="${colour}" stroke-dasharray="2,3" stroke-opacity="0.6"/>`);
    out.push(`<path d="M ${xx.toFixed(1)} ${T + ph + 2} l -5 9 h 10 z" fill="${colour}"><title>${esc(`#${d.id} ${d.src} ${d.action} (${d.level}, score ${d.score}) at ${d.t}s: ${d.reason}`)}</title></path>`);
  }
  out.push(`<text x="${L}" y="${H - 12}" fill="#333">legitimate requests ${r.legitimate.succeeded}/${r.legitimate.requests} · false blocks ${r.falseBlocks.length} · decisions ${r.decisions.length}</text>`);
  out.push('</svg>');
  return out.join('\n');
}
