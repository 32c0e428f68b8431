/**
 * The event stream: the Guard's events (decisions, detections, snapshots) and the
 * controller's switch up/down, published as JSON over WebSocket at `GET /api/events`
 * (protocol: controller/dashboard/protocol.ts).
 *
 * Auth happens before the upgrade (401, no WebSocket): `Authorization: Bearer <token>`, or
 * for browsers, which cannot set headers, the subprotocol `bearer.<token>` offered next to
 * `ofguard.v1`. Every event is serialised once and written to each subscribed client; a
 * client whose socket buffer is over the limit misses events (counted) instead of making
 * the controller hold an ever-growing queue for it. A ping every heartbeat; a client that
 * missed the previous pong is cut.
 *
 * Traffic is not forwarded snapshot by snapshot: once per interval the latest snapshot of
 * each switch is summed into one bounded `traffic` event (top-N sources and destinations).
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Clock } from '../clock.js';
import type { Logger } from '../log.js';
import type { Detection } from '../detect/detection.js';
import type { Decision } from '../policy/decision.js';
import type { EngineResult } from '../policy/engine.js';
import type { TrafficSnapshot } from '../stats/snapshot.js';
import type { SwitchConnection } from '../switch/connection.js';
import {
  BEARER_SUBPROTOCOL_PREFIX,
  EVENT_KINDS,
  EVENTS_SUBPROTOCOL,
  parseSubscribe,
  type EventKind,
  type StreamEvent,
  type TrafficEntry,
  type TrafficEvent,
  type WireDecision,
} from '../dashboard/protocol.js';
import type { ApiGuard } from './guard-view.js';
import { bearerMatches } from './token.js';
import { decisionSource } from './views.js';
import { describeScope } from '../policy/keys.js';
import { hostRefusal, type HostCheck } from './host-check.js';

export const EVENTS_PATH = '/api/events';

export interface EventHubOptions {
  guard: Pick<ApiGuard, 'on' | 'off' | 'controller' | 'policy'>;
  token: string;
  /** The Host headers served (DNS rebinding: a rebound page must not read the stream). */
  hosts: HostCheck;
  clock: Clock;
  logger: Logger;
  /** Sources and destinations per traffic event. */
  topN?: number;
  trafficIntervalMs?: number;
  /** A switch's snapshot older than this is left out of the traffic summary. */
  staleMs?: number;
  heartbeatMs?: number;
  /** Past this many bytes waiting in a client's socket, its events are dropped. */
  maxBufferedBytes?: number;
  /** Detection events per traffic interval; a distributed flood would otherwise send thousands. */
  maxDetectionsPerInterval?: number;
}

const DEFAULTS = {
  topN: 10,
  trafficIntervalMs: 1000,
  staleMs: 3000,
  heartbeatMs: 15_000,
  maxBufferedBytes: 1024 * 1024,
  maxDetectionsPerInterval: 50,
};

interface Client {
  socket: WebSocket;
  kinds: Set<EventKind>;
  alive: boolean;
  dropped: number;
}

export interface EventHubStats {
  clients: number;
  sent: number;
  /** Events not written to a client because its buffer was full. */
  dropped: number;
  detectionsSuppressed: number;
}

export class EventHub {
  private readonly wss: WebSocketServer;
  private readonly clients = new Set<Client>();
  private readonly latest = new Map<string, TrafficSnapshot>();
  private readonly cfg: typeof DEFAULTS;
  private trafficTimer?: NodeJS.Timeout;
  private heartbeatTimer?: NodeJS.Timeout;
  private detectionsThisInterval = 0;
  private suppressedThisInterval = 0;
  private readonly totals = { sent: 0, dropped: 0, detectionsSuppressed: 0 };

  private readonly onDecisions = (r: EngineResult) => this.publishDecisions(r);
  private readonly onDetections = (list: Detection[]) => this.publishDetections(list);
  private readonly onSnapshot = (s: TrafficSnapshot) => void this.latest.set(s.dpid, s);
  private readonly onSwitchUp = (conn: SwitchConnection) =>
    this.publish({ kind: 'switch_up', at: this.opts.clock.now(), dpid: conn.dpid, remote: conn.remote });
  private readonly onSwitchDown = (dpid: string, reason: string) => {
    this.latest.delete(dpid);
    this.publish({ kind: 'switch_down', at: this.opts.clock.now(), dpid, reason });
  };

  constructor(private readonly opts: EventHubOptions) {
    this.cfg = {
      topN: opts.topN ?? DEFAULTS.topN,
      trafficIntervalMs: opts.trafficIntervalMs ?? DEFAULTS.trafficIntervalMs,
      staleMs: opts.staleMs ?? DEFAULTS.staleMs,
      heartbeatMs: opts.heartbeatMs ?? DEFAULTS.heartbeatMs,
      maxBufferedBytes: opts.maxBufferedBytes ?? DEFAULTS.maxBufferedBytes,
      maxDetectionsPerInterval: opts.maxDetectionsPerInterval ?? DEFAULTS.maxDetectionsPerInterval,
    };
    this.wss = new WebSocketServer({
      noServer: true,
      // Clients only send small subscribe messages.
      maxPayload: 4096,
      handleProtocols: (offered) => (offered.has(EVENTS_SUBPROTOCOL) ? EVENTS_SUBPROTOCOL : false),
    });
  }

  start(): void {
    const g = this.opts.guard;
    g.on('decisions', this.onDecisions);
    g.on('detections', this.onDetections);
    g.on('snapshot', this.onSnapshot);
    g.controller.on('switch_up', this.onSwitchUp);
    g.controller.on('switch_down', this.onSwitchDown);
    this.trafficTimer = setInterval(() => this.publishTraffic(), this.cfg.trafficIntervalMs);
    this.heartbeatTimer = setInterval(() => this.heartbeat(), this.cfg.heartbeatMs);
    this.trafficTimer.unref();
    this.heartbeatTimer.unref();
  }

  /** Says goodbye to every client (1001 going away) and stops listening to the guard. */
  async stop(): Promise<void> {
    const g = this.opts.guard;
    g.off('decisions', this.onDecisions);
    g.off('detections', this.onDetections);
    g.off('snapshot', this.onSnapshot);
    g.controller.off('switch_up', this.onSwitchUp);
    g.controller.off('switch_down', this.onSwitchDown);
    clearInterval(this.trafficTimer);
    clearInterval(this.heartbeatTimer);
    const closed = [...this.clients].map(
      (c) =>
        new Promise<void>((resolve) => {
          c.socket.once('close', () => resolve());
          c.socket.close(1001, 'controller stopping');
          // A client that does not answer the close handshake is not waited for.
          setTimeout(() => {
            c.socket.terminate();
            resolve();
          }, 1000).unref();
        }),
    );
    await Promise.all(closed);
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  stats(): EventHubStats {
    return { clients: this.clients.size, ...this.totals };
  }

  /**
   * The server's `upgrade` handler for `GET /api/events`: refuses (421, 404, 401) on the raw
   * socket before any WebSocket exists.
   */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    if (!this.opts.hosts.allows(req.headers.host)) return refuseUpgrade(socket, 421, 'API_HOST_NOT_ALLOWED', hostRefusal(req.headers.host));
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path !== EVENTS_PATH) return refuseUpgrade(socket, 404, 'API_NOT_FOUND', `no WebSocket endpoint ${path}`);
    if (!this.authorized(req)) return refuseUpgrade(socket, 401, 'API_UNAUTHORIZED', 'missing or wrong bearer token (see <dataDir>/api-token)');
    this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws));
  }

  /** The bearer token in the Authorization header or a `bearer.<token>` subprotocol. */
  authorized(req: IncomingMessage): boolean {
    if (bearerMatches(req.headers.authorization, this.opts.token)) return true;
    const offered = req.headers['sec-websocket-protocol'];
    if (!offered) return false;
    for (const p of offered.split(',')) {
      const name = p.trim();
      if (name.startsWith(BEARER_SUBPROTOCOL_PREFIX) && bearerMatches(`Bearer ${name.slice(BEARER_SUBPROTOCOL_PREFIX.length)}`, this.opts.token)) return true;
    }
    return false;
  }

  private accept(socket: WebSocket): void {
    const client: Client = { socket, kinds: new Set(EVENT_KINDS), alive: true, dropped: 0 };
    this.clients.add(client);
    socket.on('pong', () => (client.alive = true));
    socket.on('message', (data, isBinary) => this.onClientMessage(client, isBinary ? '' : String(data)));
    socket.on('close', () => this.clients.delete(client));
    // A reset connection is an ordinary way for a client to leave.
    socket.on('error', () => this.clients.delete(client));
    const now = this.opts.clock.now();
    this.sendTo(client, JSON.stringify({
      kind: 'hello',
      at: now,
      switches: [...this.opts.guard.controller.server.switches.values()].map((c) => ({ dpid: c.dpid, remote: c.remote, connectedAt: c.connectedAt })),
      decisions: this.opts.guard.policy.activeDecisions().map((d) => wireDecision(d, now)),
      subscribed: [...client.kinds],
    } satisfies StreamEvent));
  }

  private onClientMessage(client: Client, text: string): void {
    const r = parseSubscribe(text);
    if ('error' in r) {
      this.sendTo(client, JSON.stringify({ kind: 'error', at: this.opts.clock.now(), code: 'EVENTS_BAD_MESSAGE', message: r.error } satisfies StreamEvent));
      return;
    }
    client.kinds = new Set(r.kinds);
  }

  private heartbeat(): void {
    for (const c of this.clients) {
      if (!c.alive) {
        c.socket.terminate();
        this.clients.delete(c);
        continue;
      }
      c.alive = false;
      c.socket.ping();
    }
  }

  private publishDecisions(r: EngineResult): void {
    if (this.clients.size === 0) return;
    const now = this.opts.clock.now();
    for (const d of r.decisions) this.publish({ kind: 'decision', at: now, change: d.updatedAt === undefined ? 'new' : 'updated', decision: wireDecision(d, now) });
    for (const d of r.ended) this.publish({ kind: 'decision', at: now, change: 'ended', decision: wireDecision(d, now) });
  }

  private publishDetections(list: Detection[]): void {
    if (this.clients.size === 0) return;
    for (const d of list) {
      if (this.detectionsThisInterval >= this.cfg.maxDetectionsPerInterval) {
        this.suppressedThisInterval++;
        this.totals.detectionsSuppressed++;
        continue;
      }
      this.detectionsThisInterval++;
      this.publish({
        kind: 'detection',
        at: d.at,
        src: d.src,
        ...(d.srcPrefix !== undefined ? { srcPrefix: d.srcPrefix } : {}),
        ...(d.dst !== undefined ? { dst: d.dst } : {}),
        ...(d.proto !== undefined ? { proto: d.proto } : {}),
        ...(d.dstPort !== undefined ? { dstPort: d.dstPort } : {}),
        ...(d.dpid !== undefined ? { dpid: d.dpid } : {}),
        pattern: d.pattern,
        attackType: d.attackType,
        severity: d.severity,
        confidence: d.confidence,
        packetRate: d.packetRate,
        signals: d.signals,
      });
    }
  }

  private publishTraffic(): void {
    const suppressed = this.suppressedThisInterval;
    this.detectionsThisInterval = 0;
    this.suppressedThisInterval = 0;
    if (this.clients.size === 0) return;
    const now = this.opts.clock.now();
    const fresh: TrafficSnapshot[] = [];
    for (const s of this.latest.values()) if (now - s.now <= this.cfg.staleMs) fresh.push(s);
    this.publish({ ...summarizeTraffic(fresh, this.cfg.topN, now), detectionsSuppressed: suppressed });
  }

  /** Serialised once, written to every client subscribed to its kind. */
  private publish(event: StreamEvent): void {
    let text: string | undefined;
    for (const c of this.clients) {
      if (event.kind !== 'hello' && event.kind !== 'error' && !c.kinds.has(event.kind)) continue;
      text ??= JSON.stringify(event);
      this.sendTo(c, text);
    }
  }

  private sendTo(c: Client, text: string): void {
    if (c.socket.readyState !== c.socket.OPEN) return;
    if (c.socket.bufferedAmount > this.cfg.maxBufferedBytes) {
      c.dropped++;
      this.totals.dropped++;
      return;
    }
    c.socket.send(text);
    this.totals.sent++;
  }
}

/** A decision as the stream carries it. */
export function wireDecision(d: Decision, now: number): WireDecision {
  return {
    id: d.id,
    source: decisionSource(d),
    scope: describeScope(d.target),
    action: d.action,
    ...(d.rate ? { rate: d.rate } : {}),
    target: d.target,
    threatLevel: d.threatLevel,
    score: d.score,
    trust: d.trust,
    signals: d.signals,
    reason: d.reason,
    origin: d.origin,
    offence: d.offence,
    createdAt: d.createdAt,
    expiresAt: d.expiresAt,
    remainingS: d.endedAt === undefined ? Math.max(0, Math.ceil((d.expiresAt - now) / 1000)) : 0,
    ...(d.endedAt !== undefined ? { endedAt: d.endedAt } : {}),
    ...(d.endReason !== undefined ? { endReason: d.endReason } : {}),
  };
}

interface Rates {
  pps: number;
  bps: number;
  droppedPps: number;
}

/**
 * Sums the latest snapshot of each switch into per-source and per-destination rates.
 * Accounting happens only at a source's ingress edge, so adding switches counts each
 * packet once. Counted: accounting and aggregate flows (what got in) and drop flows (what
 * the guard table stopped before accounting); syn flows are a subset of accounting and
 * meter flows are counted again by accounting, so both are left out.
 */
export function summarizeTraffic(snapshots: readonly TrafficSnapshot[], topN: number, at: number): Omit<TrafficEvent, 'detectionsSuppressed'> {
  const sources = new Map<string, Rates>();
  const destinations = new Map<string, Rates>();
  let totalPps = 0;
  let totalBps = 0;
  let droppedPps = 0;
  for (const snap of snapshots) {
    for (const f of snap.flows) {
      if (f.kind !== 'accounting' && f.kind !== 'aggregate' && f.kind !== 'drop') continue;
      if (f.packetRate === 0 && f.byteRate === 0) continue;
      const dropped = f.kind === 'drop' ? f.packetRate : 0;
      const bps = f.byteRate * 8;
      totalPps += f.packetRate;
      totalBps += bps;
      droppedPps += dropped;
      if (f.src) add(sources, f.srcPrefix === undefined ? f.src : `${f.src}/${f.srcPrefix}`, f.packetRate, bps, dropped);
      if (f.dst && f.kind !== 'drop') add(destinations, f.dstPrefix === undefined ? f.dst : `${f.dst}/${f.dstPrefix}`, f.packetRate, bps, 0);
    }
  }
  return {
    kind: 'traffic',
    at,
    switches: snapshots.length,
    totalPps: round(totalPps),
    totalBps: round(totalBps),
    droppedPps: round(droppedPps),
    sources: top(sources, topN),
    destinations: top(destinations, topN),
  };
}

function add(map: Map<string, Rates>, key: string, pps: number, bps: number, droppedPps: number): void {
  const r = map.get(key);
  if (r) {
    r.pps += pps;
    r.bps += bps;
    r.droppedPps += droppedPps;
  } else map.set(key, { pps, bps, droppedPps });
}

function top(map: Map<string, Rates>, n: number): TrafficEntry[] {
  const entries = [...map].sort((a, b) => b[1].pps - a[1].pps || b[1].bps - a[1].bps || (a[0] < b[0] ? -1 : 1));
  return entries.slice(0, n).map(([addr, r]) => ({ addr, pps: round(r.pps), bps: round(r.bps), droppedPps: round(r.droppedPps) }));
}

/** Two decimals: enough for a chart, and the JSON stays short. */
function round(v: number): number {
  return Math.round(v * 100) / 100;
}

const REASONS: Record<number, string> = { 401: 'Unauthorized', 404: 'Not Found', 421: 'Misdirected Request', 429: 'Too Many Requests' };

/** An API error answered on a socket that never became a WebSocket; the socket is then closed. */
export function refuseUpgrade(socket: Duplex, status: 401 | 404 | 421 | 429, code: string, message: string, headers: Record<string, string> = {}): void {
  const body = JSON.stringify({ error: { code, message } });
  if (status === 401) headers = { ...headers, 'WWW-Authenticate': 'Bearer' };
  let head = `HTTP/1.1 ${status} ${REASONS[status]}\r\n`;
  for (const [k, v] of Object.entries(headers)) head += `${k}: ${v}\r\n`;
  socket.end(`${head}Content-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}
