/**
 * The dashboard page: asks for the API token once (kept in sessionStorage), follows the
 * event stream over a WebSocket (token in the `bearer.<token>` subprotocol), draws the
 * state (state.mts) and calls the admin API for reputation, decisions that are not
 * enforced (status), Unblock and Extend.
 */
import uPlot from 'uplot';
import { BEARER_SUBPROTOCOL_PREFIX, EVENTS_SUBPROTOCOL, type StreamEvent } from '../protocol.js';
import { Api, ApiFailure } from './api.mjs';
import { DashState, type ActiveDecision, type EnforcementFailure, type History } from './state.mjs';

const TOKEN_KEY = 'ofguard.token';
const CHART_SERIES = 6;
const EXTEND_S = 600;
const REPUTATION_REFRESH_MS = 3000;
const ENFORCEMENT_REFRESH_MS = 3000;
const COLORS = ['#1f6feb', '#c62828', '#1a7f37', '#b35900', '#8250df', '#0a7ea4'];

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;

type Child = Node | string;
function h<K extends keyof HTMLElementTagNameMap>(tag: K, props: { class?: string; title?: string; data?: Record<string, string> } = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (props.class) e.className = props.class;
  if (props.title) e.title = props.title;
  for (const [k, v] of Object.entries(props.data ?? {})) e.dataset[k] = v;
  e.append(...children);
  return e;
}

function pps(v: number): string {
  if (v >= 1e6) return `${(v / 1e6).toFixed(1)} Mpps`;
  if (v >= 1e3) return `${(v / 1e3).toFixed(1)} kpps`;
  return `${Math.round(v)} pps`;
}

function bits(v: number): string {
  if (v >= 1e9) return `${(v / 1e9).toFixed(1)} Gbit/s`;
  if (v >= 1e6) return `${(v / 1e6).toFixed(1)} Mbit/s`;
  if (v >= 1e3) return `${Math.round(v / 1e3)} kbit/s`;
  return `${Math.round(v)} bit/s`;
}

function duration(s: number): string {
  s = Math.max(0, Math.round(s));
  const hh = Math.floor(s / 3600);
  const mm = Math.floor((s % 3600) / 60);
  const ss = s % 60;
  return hh > 0 ? `${hh}h ${String(mm).padStart(2, '0')}m` : `${mm}:${String(ss).padStart(2, '0')}`;
}

function clock(at: number): string {
  return new Date(at).toLocaleTimeString([], { hour12: false });
}

/** A uPlot line chart of the busiest addresses; rebuilt only when that set changes. */
class LiveChart {
  private plot?: uPlot;
  private key = '';

  constructor(private readonly el: HTMLElement) {}

  update(history: History): void {
    // The same set of addresses keeps its chart and colours even when their ranks swap.
    const addrs = history.busiest(CHART_SERIES).sort();
    const data = history.series(addrs) as uPlot.AlignedData;
    const key = addrs.join(',');
    if (this.plot && key === this.key) {
      this.plot.setData(data);
      return;
    }
    this.plot?.destroy();
    this.key = key;
    this.plot = new uPlot(
      {
        width: Math.max(300, this.el.clientWidth),
        height: 230,
        scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(10, max * 1.1)] } },
        axes: [{}, { values: (_u, ticks) => ticks.map((v) => (v >= 1000 ? `${v / 1000}k` : String(v))), size: 50 }],
        series: [{}, ...addrs.map((label, i) => ({ label, stroke: COLORS[i % COLORS.length]!, width: 1.5, value: (_u: uPlot, v: number | null) => (v === null ? '–' : pps(v)) }))],
        legend: { live: false },
      },
      data,
      this.el,
    );
  }
}

class Dashboard {
  private readonly state = new DashState();
  private readonly rows = new Map<number, { row: HTMLTableRowElement; remaining: HTMLElement }>();
  private readonly srcChart = new LiveChart($('chart-sources'));
  private readonly dstChart = new LiveChart($('chart-destinations'));
  private socket?: WebSocket;
  private attempt = 0;
  private stopped = false;
  private readonly timers: number[] = [];

  constructor(
    private readonly api: Api,
    private readonly token: string,
  ) {}

  start(): void {
    $('app').hidden = false;
    $('forget').hidden = false;
    this.connect();
    this.timers.push(window.setInterval(() => this.countdown(), 1000));
    this.timers.push(window.setInterval(() => void this.refreshReputation(), REPUTATION_REFRESH_MS));
    this.timers.push(window.setInterval(() => void this.refreshEnforcement(), ENFORCEMENT_REFRESH_MS));
    void this.refreshReputation();
    void this.refreshEnforcement();
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    this.socket?.close(1000);
  }

  private connect(): void {
    const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api/events`;
    const ws = new WebSocket(url, [EVENTS_SUBPROTOCOL, BEARER_SUBPROTOCOL_PREFIX + this.token]);
    this.socket = ws;
    this.status('wait', 'connecting…');
    ws.onopen = () => {
      this.attempt = 0;
      this.status('on', 'live');
    };
    ws.onmessage = (m) => this.onEvent(JSON.parse(String(m.data)) as StreamEvent);
    ws.onclose = () => {
      if (this.stopped) return;
      const wait = Math.min(10_000, 500 * 2 ** Math.min(this.attempt++, 5));
      this.status('off', `disconnected: retrying in ${Math.round(wait / 1000)} s`);
      // A refused token shows as a plain close in the browser: ask the API why.
      void this.api.get('/api/status').catch((err: unknown) => {
        if (err instanceof ApiFailure && err.status === 401) signOut('The token was refused: paste the current one.');
      });
      window.setTimeout(() => !this.stopped && this.connect(), wait);
    };
  }

  private status(cls: 'on' | 'off' | 'wait', text: string): void {
    const el = $('conn');
    el.className = `conn ${cls}`;
    el.textContent = text;
  }

  private onEvent(e: StreamEvent): void {
    this.state.apply(e, Date.now());
    switch (e.kind) {
      case 'traffic':
        this.drawTraffic();
        return;
      case 'hello':
        this.drawSwitches();
        this.drawMitigations();
        break;
      case 'switch_up':
      case 'switch_down':
        this.drawSwitches();
        break;
      case 'decision':
        this.drawMitigations();
        break;
    }
    this.drawTimeline();
  }

  private drawTraffic(): void {
    const t = this.state.traffic;
    if (!t) return;
    $('kpi-pps').textContent = pps(t.totalPps);
    $('kpi-bps').textContent = bits(t.totalBps);
    $('kpi-dropped').textContent = pps(t.droppedPps);
    this.srcChart.update(this.state.sources);
    this.dstChart.update(this.state.destinations);
  }

  private drawSwitches(): void {
    const list = [...this.state.switches.values()].sort((a, b) => a.dpid.localeCompare(b.dpid));
    $('switches').querySelector('tbody')!.replaceChildren(
      ...list.map((s) =>
        h('tr', { data: { dpid: s.dpid } },
          h('td', { class: 'mono' }, s.dpid),
          h('td', { class: 'mono' }, s.remote),
          h('td', {}, h('span', { class: `badge ${s.up ? 'up' : 'down'}`, ...(s.reason ? { title: s.reason } : {}) }, s.up ? 'up' : 'down')),
          h('td', {}, clock(s.since)),
        ),
      ),
    );
    $('switches-empty').hidden = list.length > 0;
    $('kpi-switches').textContent = String(list.filter((s) => s.up).length);
  }

  /** Rows are kept by decision id, so a countdown tick never replaces a button being clicked. */
  private drawMitigations(): void {
    const body = $('mitigations').querySelector('tbody')!;
    for (const [id, r] of this.rows) {
      if (!this.state.decisions.has(id)) {
        r.row.remove();
        this.rows.delete(id);
      }
    }
    const sorted = [...this.state.decisions.values()].sort((a, b) => b.id - a.id);
    for (const d of sorted) {
      const old = this.rows.get(d.id);
      const fresh = this.mitigationRow(d);
      if (old) old.row.replaceWith(fresh.row);
      this.rows.set(d.id, fresh);
    }
    body.replaceChildren(...sorted.map((d) => this.rows.get(d.id)!.row));
    $('mitigations-empty').hidden = sorted.length > 0;
    $('kpi-mitigations').textContent = String(sorted.length);
    this.countdown();
  }

  private mitigationRow(d: ActiveDecision): { row: HTMLTableRowElement; remaining: HTMLElement } {
    const remaining = h('span', { class: 'remaining' });
    const unblock = h('button', { class: 'danger', data: { action: 'unblock' } }, 'Unblock');
    const extend = h('button', { data: { action: 'extend' }, title: `add ${EXTEND_S / 60} minutes` }, `Extend +${EXTEND_S / 60}m`);
    unblock.onclick = () => this.act(unblock, () => this.api.delete(`/api/decisions/${d.id}`));
    extend.onclick = () => this.act(extend, () => this.api.post(`/api/decisions/${d.id}/extend`, { seconds: EXTEND_S }));
    const action = d.action + (d.rate ? ` ${d.rate.rate} ${d.rate.unit === 'pktps' ? 'pps' : 'kbps'}` : '');
    const failure = this.state.failures.get(d.id);
    const where = failure && failure.dpids.length > 0 ? ` at ${failure.dpids.join(', ')}` : '';
    const enforcement = failure ? [h('div', { class: 'enforcement', title: `${failure.code}${where}` }, `not enforced: ${failure.reason}`)] : [];
    const signals = h('ul', { class: 'signals' }, ...d.signals.map((s) => h('li', { ...(s.detail ? { title: s.detail } : {}) }, s.name, h('span', { class: 'pts' }, `+${Math.round(s.points * 10) / 10}`))));
    const row = h('tr', { ...(failure ? { class: 'failed' } : {}), data: { id: String(d.id), enforcement: failure ? 'failed' : 'ok' } },
      h('td', { class: 'mono' }, String(d.id)),
      h('td', { class: 'mono', title: d.reason }, d.source),
      h('td', {}, h('span', { class: `badge ${d.action}` }, action), ...enforcement),
      h('td', {}, d.scope),
      h('td', {}, h('span', { class: `badge ${d.threatLevel}` }, d.threatLevel), ` ${Math.round(d.score)}`),
      h('td', {}, d.signals.length ? signals : h('span', { class: 'empty' }, d.reason)),
      h('td', {}, remaining),
      h('td', {}, d.origin),
      h('td', { class: 'actions' }, extend, unblock),
    );
    return { row, remaining };
  }

  private async act(button: HTMLButtonElement, call: () => Promise<unknown>): Promise<void> {
    button.disabled = true;
    try {
      await call();
      // The stream's decision event redraws the row (ended → removed, extended → new deadline).
    } catch (err) {
      if (err instanceof ApiFailure && err.status === 401) return signOut('The token was refused: paste the current one.');
      button.disabled = false;
      button.title = (err as Error).message;
      this.state.timeline.unshift({ at: Date.now(), kind: 'error', text: (err as Error).message });
      this.drawTimeline();
    }
  }

  private countdown(): void {
    const now = Date.now();
    for (const [id, r] of this.rows) {
      const d = this.state.decisions.get(id);
      if (d) r.remaining.textContent = duration((d.deadline - now) / 1000);
    }
  }

  /** The decisions in force that are not enforced: the status answer lists them (the stream cannot, see state.mts). */
  private async refreshEnforcement(): Promise<void> {
    let status: { decisions: { failures?: EnforcementFailure[] } };
    try {
      status = await this.api.get('/api/status');
    } catch (err) {
      if (err instanceof ApiFailure && err.status === 401) signOut('The token was refused: paste the current one.');
      return;
    }
    if (!this.state.setFailures(status.decisions.failures ?? [], Date.now())) return;
    this.drawMitigations();
    this.drawTimeline();
  }

  private async refreshReputation(): Promise<void> {
    let top: { sources: { src: string; packetRate: number; reputation: number; trust: number; action: string | null }[] };
    try {
      top = await this.api.get('/api/top?limit=10');
    } catch (err) {
      if (err instanceof ApiFailure && err.status === 401) signOut('The token was refused: paste the current one.');
      return;
    }
    $('sources').querySelector('tbody')!.replaceChildren(
      ...top.sources.map((s) =>
        h('tr', {},
          h('td', { class: 'mono' }, s.src),
          h('td', { class: 'num' }, pps(s.packetRate)),
          h('td', { class: 'num' }, s.reputation.toFixed(1)),
          h('td', { class: 'num' }, s.trust.toFixed(1)),
          h('td', {}, s.action ? h('span', { class: `badge ${s.action}` }, s.action) : '–'),
        ),
      ),
    );
    $('sources-empty').hidden = top.sources.length > 0;
  }

  private drawTimeline(): void {
    $('timeline').replaceChildren(
      ...this.state.timeline.map((t) => h('li', {}, h('span', { class: 't' }, clock(t.at)), h('span', { class: `k ${t.kind}` }, t.kind), h('span', {}, t.text))),
    );
  }
}

let current: Dashboard | undefined;

function signOut(message = ''): void {
  current?.stop();
  current = undefined;
  sessionStorage.removeItem(TOKEN_KEY);
  $('app').hidden = true;
  $('forget').hidden = true;
  $('login').hidden = false;
  $('login-error').textContent = message;
  const conn = $('conn');
  conn.className = 'conn off';
  conn.textContent = 'not connected';
}

async function open(token: string): Promise<void> {
  const api = new Api(token);
  try {
    await api.get('/api/status');
  } catch (err) {
    signOut(err instanceof ApiFailure && err.status === 401 ? 'That token was refused.' : `The controller did not answer: ${(err as Error).message}`);
    return;
  }
  sessionStorage.setItem(TOKEN_KEY, token);
  $('login').hidden = true;
  $('login-error').textContent = '';
  $<HTMLInputElement>('token').value = '';
  current = new Dashboard(api, token);
  current.start();
}

$('login-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const token = $<HTMLInputElement>('token').value.trim();
  if (token) void open(token);
});
$('forget').addEventListener('click', () => signOut());

const saved = sessionStorage.getItem(TOKEN_KEY);
if (saved) void open(saved);
else signOut();
