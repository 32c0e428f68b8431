/**
 * `ofguard events`: follows the controller's event stream (GET /api/events, WebSocket) and
 * prints one human line per event, or the events themselves as JSON lines (`--json`).
 * When the controller goes away after the first connection, it reconnects with backoff;
 * when nothing answers at the start, it exits 1 saying how to start the controller.
 *
 * main.ts calls `registerEventsCommand(program)`.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { WebSocket } from 'ws';
import { tokenPath } from '../api/token.js';
import { EVENT_KINDS, type EventKind, type StreamEvent, type WireDecision } from '../dashboard/protocol.js';
import { ApiClient, CliError, type ClientFlags } from './client.js';
import { formatSeconds } from './format.js';
import { describeScope } from '../policy/keys.js';

export const NOT_RUNNING = 'controller not running, start it with: sudo bin/ofguard start';
/** Traffic comes every second: shown only when asked for. */
export const DEFAULT_KINDS: readonly EventKind[] = EVENT_KINDS.filter((k) => k !== 'traffic');

interface EventsFlags extends ClientFlags {
  json?: boolean;
  kind?: string;
}

/** Reconnect delays: 0.5 s doubling up to 10 s, so a restarting controller is found quickly. */
export function backoffMs(attempt: number): number {
  return Math.min(10_000, 500 * 2 ** Math.min(attempt, 5));
}

export function parseKinds(text: string | undefined): EventKind[] {
  if (text === undefined) return [...DEFAULT_KINDS];
  const kinds = text.split(',').map((k) => k.trim()).filter(Boolean);
  for (const k of kinds) {
    if (!(EVENT_KINDS as readonly string[]).includes(k)) throw new CliError(`--kind: unknown kind "${k}" (known: ${EVENT_KINDS.join(', ')})`, 2);
  }
  if (kinds.length === 0) throw new CliError(`--kind needs at least one of ${EVENT_KINDS.join(', ')}`, 2);
  return kinds as EventKind[];
}

/** 950 → "950 pps", 1234 → "1.2 kpps". */
export function formatPps(pps: number): string {
  if (pps >= 1e6) return `${(pps / 1e6).toFixed(1)} Mpps`;
  if (pps >= 1e3) return `${(pps / 1e3).toFixed(1)} kpps`;
  return `${Math.round(pps)} pps`;
}

/** Bits per second: 432000 → "432 kbit/s". */
export function formatBps(bps: number): string {
  if (bps >= 1e9) return `${(bps / 1e9).toFixed(1)} Gbit/s`;
  if (bps >= 1e6) return `${(bps / 1e6).toFixed(1)} Mbit/s`;
  if (bps >= 1e3) return `${Math.round(bps / 1e3)} kbit/s`;
  return `${Math.round(bps)} bit/s`;
}

function clockTime(at: number): string {
  const d = new Date(at);
  return [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
}

function signalsText(d: WireDecision): string {
  return d.signals.length ? ` [${d.signals.map((s) => `${s.name} +${s.points}`).join(', ')}]` : '';
}

function actionText(d: WireDecision): string {
  return d.action + (d.rate ? ` ${d.rate.rate} ${d.rate.unit === 'pktps' ? 'pps' : 'kbps'}` : '');
}

/** One line per event, local time first. Pure apart from the local time zone. */
export function formatEvent(e: StreamEvent): string {
  const head = `${clockTime(e.at)}  ${e.kind.padEnd(11)}`;
  switch (e.kind) {
    case 'hello':
      return `${head} connected: ${e.switches.length} switch(es), ${e.decisions.length} active decision(s)`;
    case 'decision': {
      const d = e.decision;
      if (e.change === 'ended') return `${head} ended #${d.id} ${actionText(d)} ${d.source}: ${d.endReason ?? 'ended'}`;
      return `${head} ${e.change} #${d.id} ${actionText(d)} ${d.source} (${d.scope}) ${d.threatLevel} score ${Math.round(d.score)}, ${formatSeconds(d.remainingS)} left: ${d.reason}${signalsText(d)}`;
    }
    case 'detection': {
      const to = e.dst ? ` → ${e.dst}` : '';
      const scope = describeScope({ src: e.src, ...(e.proto !== undefined ? { proto: e.proto } : {}), ...(e.dstPort !== undefined ? { dstPort: e.dstPort } : {}) });
      const src = e.srcPrefix === undefined ? e.src : `${e.src}/${e.srcPrefix}`;
      return `${head} ${e.attackType} ${e.severity} ${src}${to} (${scope}) ${e.pattern}, ${formatPps(e.packetRate)}, confidence ${e.confidence.toFixed(2)}`;
    }
    case 'switch_up':
      return `${head} ${e.dpid} connected from ${e.remote}`;
    case 'switch_down':
      return `${head} ${e.dpid} disconnected: ${e.reason}`;
    case 'traffic': {
      const top = e.sources.slice(0, 3).map((s) => `${s.addr} ${formatPps(s.pps)}`).join(', ');
      const dropped = e.droppedPps > 0 ? ` (${formatPps(e.droppedPps)} dropped)` : '';
      const suppressed = e.detectionsSuppressed > 0 ? `; ${e.detectionsSuppressed} detection(s) not shown` : '';
      return `${head} ${e.switches} switch(es), ${formatPps(e.totalPps)} ${formatBps(e.totalBps)}${dropped}${top ? `; top: ${top}` : ''}${suppressed}`;
    }
    case 'error':
      return `${head} ${e.code}: ${e.message}`;
  }
}

function readToken(flags: ClientFlags, env: NodeJS.ProcessEnv): string | undefined {
  if (env.OFGUARD_API_TOKEN) return env.OFGUARD_API_TOKEN;
  try {
    return readFileSync(tokenPath(flags.data ?? env.OFGUARD_DATA_DIR ?? 'data'), 'utf8').trim();
  } catch {
    return undefined;
  }
}

type Outcome = { kind: 'closed'; opened: boolean; code?: number } | { kind: 'refused'; status: number };

/** One connection, until it closes; `opened` says whether it ever got going. */
function follow(url: string, token: string, kinds: EventKind[], out: (e: StreamEvent, raw: string) => void, onSocket: (ws: WebSocket) => void): Promise<Outcome> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { headers: { authorization: `Bearer ${token}` }, handshakeTimeout: 5000 });
    onSocket(ws);
    let opened = false;
    ws.on('open', () => {
      opened = true;
      ws.send(JSON.stringify({ subscribe: kinds }));
    });
    ws.on('message', (data) => {
      const raw = String(data);
      out(JSON.parse(raw) as StreamEvent, raw);
    });
    ws.on('unexpected-response', (_req, res) => {
      resolve({ kind: 'refused', status: res.statusCode ?? 0 });
      res.resume();
      ws.terminate();
    });
    // 'close' follows every error; the outcome is decided there.
    ws.on('error', () => undefined);
    ws.on('close', (code) => resolve({ kind: 'closed', opened, code }));
  });
}

async function eventsCommand(flags: EventsFlags, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const kinds = parseKinds(flags.kind);
  const client = ApiClient.fromFlags(flags, env);
  const url = client.url.replace(/^http:/, 'ws:') + '/api/events';
  const token = readToken(flags, env);
  if (token === undefined) {
    // Without a token nothing can be followed; say first whether anything runs at all.
    const up = await fetch(`${client.url}/health`, { signal: AbortSignal.timeout(5000) }).then((r) => r.ok, () => false);
    if (!up) throw new CliError(`${NOT_RUNNING} (nothing answers at ${client.url})`);
    throw new CliError(`cannot read the API token ${tokenPath(flags.data ?? env.OFGUARD_DATA_DIR ?? 'data')}: pass --data with the controller's state folder or set OFGUARD_API_TOKEN`);
  }
  const write = (e: StreamEvent, raw: string) => {
    // hello and error are always sent; with --kind the user asked for the others only.
    if (e.kind !== 'hello' && e.kind !== 'error' && !kinds.includes(e.kind)) return;
    process.stdout.write((flags.json ? raw : formatEvent(e)) + '\n');
  };
  let current: WebSocket | undefined;
  let stopping = false;
  process.once('SIGINT', () => {
    stopping = true;
    current?.close(1000);
    // Nothing is in flight that needs waiting for.
    process.exit(0);
  });
  let connectedOnce = false;
  for (let attempt = 0; !stopping; ) {
    const outcome = await follow(url, token, kinds, write, (ws) => (current = ws));
    if (outcome.kind === 'refused') {
      if (outcome.status === 401) throw new CliError(`the controller at ${client.url} refused the token (wrong state folder? use --data with its folder or OFGUARD_API_TOKEN)`, 1, 'API_UNAUTHORIZED');
      throw new CliError(`${client.url} answered ${outcome.status} to the event stream: is it an ofguard controller of this version?`);
    }
    if (!connectedOnce && !outcome.opened) throw new CliError(`${NOT_RUNNING} (nothing answers at ${client.url})`);
    if (outcome.opened) {
      connectedOnce = true;
      attempt = 0;
    }
    const wait = backoffMs(attempt++);
    process.stderr.write(`ofguard: event stream closed${outcome.code ? ` (${outcome.code})` : ''}; reconnecting in ${(wait / 1000).toFixed(1)} s\n`);
    await new Promise((r) => setTimeout(r, wait));
  }
}

export function registerEventsCommand(program: Command): void {
  program
    .command('events')
    .description('follow the controller\'s events live: decisions, detections, switches (and traffic with --kind traffic)')
    .option('--api <url>', 'admin API address (default OFGUARD_API_URL or http://127.0.0.1:6680)')
    .option('--data <dir>', 'state folder holding api-token (default OFGUARD_DATA_DIR or data)')
    .option('--json', 'the events as JSON lines')
    .option('--kind <kinds>', `comma-separated kinds to show: ${EVENT_KINDS.join(', ')} (default all but traffic)`)
    .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : 2))
    .action(async (flags: EventsFlags) => {
      try {
        await eventsCommand(flags);
      } catch (err) {
        if (!(err instanceof CliError)) throw err;
        process.stderr.write(`ofguard: ${err.message}\n`);
        process.exit(err.exitCode);
      }
    });
}
