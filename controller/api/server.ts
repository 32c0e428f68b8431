/**
 * The admin API: JSON over HTTP (node:http), bound to 127.0.0.1 by default.
 *
 * Every request needs a Host header naming this controller (421, host-check.ts: DNS
 * rebinding), every request except GET /health passes the per-client-address rate limit
 * (429), every /api/* request needs `Authorization: Bearer <token>` (401) and then passes
 * the per-token rate limit (429), and every body, query and path
 * parameter is checked by a zod schema before anything runs (400 naming the field, no
 * state change). Admin actions go through the PolicyEngine, which writes them to the
 * audit log (actor "api", before/after), and are then applied to the switches with
 * `guard.enforce`. Errors are `{error: {code, message, field?}}` (see errors.ts).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { z } from 'zod';
import type { Clock } from '../clock.js';
import type { Logger } from '../log.js';
import { PolicyError } from '../policy/errors.js';
import type { EngineResult } from '../policy/engine.js';
import { sourceKey } from '../policy/address.js';
import { ApiError, fromPolicyError, invalidInput } from './errors.js';
import { refuseUpgrade, type EventHub } from './events.js';
import { isDashboardPath, serveDashboard } from '../dashboard/serve.js';
import type { ApiGuard } from './guard-view.js';
import type { Metrics } from './metrics.js';
import { ApiRateLimits, type RateLimitConfig } from './rate-limit.js';
import { hostRefusal, type HostCheck } from './host-check.js';
import * as schema from './schemas.js';
import { Port } from '../openflow/constants.js';
import { bearerMatches } from './token.js';
import { decisionView, reputationView, statusView, switchesView, topView } from './views.js';
import { PolicyRevisions, type ListName, type PolicyChange } from '../policy/revisions.js';

/** Admin requests are small; anything bigger is a mistake or an attack. */
const MAX_BODY_BYTES = 64 * 1024;
/** No request the API takes nests deeper; a deeper body would only exhaust the stack of what walks it (deep merge, schemas). */
const MAX_BODY_DEPTH = 32;
/** The actor recorded in the audit log for every change made through the API. */
export const API_ACTOR = 'api';

export interface ApiServerOptions {
  guard: ApiGuard;
  metrics: Metrics;
  token: string;
  clock: Clock;
  logger: Logger;
  listen: string;
  port: number;
  rateLimit: RateLimitConfig;
  /** The Host headers served (DNS rebinding); checked before anything else. */
  hosts: HostCheck;
  /** Serves the WebSocket event stream (GET /api/events upgrade) when given. */
  events?: EventHub;
}

interface Request {
  method: string;
  /** Path split on '/', empty parts dropped, each part URI-decoded. */
  parts: string[];
  query: Record<string, string>;
  body: unknown;
  now: number;
}

interface Reply {
  status: number;
  body: unknown;
}

function parse<S extends z.ZodType>(s: S, value: unknown, where: 'body' | 'query' | 'path'): z.infer<S> {
  const r = s.safeParse(value);
  if (!r.success) throw invalidInput(r.error, where);
  return r.data;
}

function queryOf(url: URL): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of url.searchParams) out[k] = v;
  return out;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      // Past the limit the rest is read and thrown away, so the client still gets its 413.
      if (size > MAX_BODY_BYTES) reject(new ApiError(413, 'API_TOO_LARGE', `body over ${MAX_BODY_BYTES} bytes`));
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/**
 * What no request body may hold, whatever its route: objects and arrays nested deeper than
 * MAX_BODY_DEPTH, or a "__proto__" key (JSON.parse makes it an own property; merged into a
 * config it would set a prototype). Walked without recursion.
 */
function bodyProblem(value: unknown): string | undefined {
  const stack: Array<[unknown, number]> = [[value, 0]];
  for (let item = stack.pop(); item; item = stack.pop()) {
    const [v, depth] = item;
    if (typeof v !== 'object' || v === null) continue;
    if (depth >= MAX_BODY_DEPTH) return `body nests deeper than ${MAX_BODY_DEPTH} levels`;
    if (Object.hasOwn(v, '__proto__')) return 'body: a "__proto__" key is not accepted';
    for (const child of Object.values(v)) stack.push([child, depth + 1]);
  }
  return undefined;
}

export class ApiServer {
  private readonly server: Server;
  private readonly limits: ApiRateLimits;
  private readonly startedAt: number;
  private readonly revisions: PolicyRevisions;

  constructor(private readonly opts: ApiServerOptions) {
    this.limits = new ApiRateLimits(opts.rateLimit);
    this.revisions = new PolicyRevisions(opts.guard.policy, opts.guard.store);
    this.startedAt = opts.clock.now();
    this.server = createServer((req, res) => void this.handle(req, res));
    // Keep-alive sockets would hold close() open for seconds.
    this.server.keepAliveTimeout = 1000;
    this.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.upgrade(req, socket, head));
  }

  async listen(): Promise<{ url: string; port: number }> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.opts.port, this.opts.listen, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    const addr = this.server.address() as AddressInfo;
    const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
    return { url: `http://${host}:${addr.port}`, port: addr.port };
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const now = this.opts.clock.now();
    try {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const method = req.method ?? 'GET';
      if (!this.opts.hosts.allows(req.headers.host)) throw new ApiError(421, 'API_HOST_NOT_ALLOWED', hostRefusal(req.headers.host));
      if (url.pathname === '/health' && method === 'GET') {
        send(res, 200, { ok: true, uptimeS: Math.floor((now - this.startedAt) / 1000) });
        return;
      }
      throwIfLimited(res, this.limits.address(req.socket.remoteAddress, now));
      if (url.pathname === '/metrics' && method === 'GET') {
        const text = await this.opts.metrics.scrape();
        res.writeHead(200, { 'Content-Type': this.opts.metrics.registry.contentType });
        res.end(text);
        return;
      }
      if (isDashboardPath(url.pathname) && (method === 'GET' || method === 'HEAD')) {
        serveDashboard(url.pathname, method, res);
        return;
      }
      if (!url.pathname.startsWith('/api/')) throw new ApiError(404, 'API_NOT_FOUND', `no endpoint ${url.pathname}`);
      if (!bearerMatches(req.headers.authorization, this.opts.token)) {
        res.setHeader('WWW-Authenticate', 'Bearer');
        throw new ApiError(401, 'API_UNAUTHORIZED', 'missing or wrong bearer token (see <dataDir>/api-token)');
      }
      throwIfLimited(res, this.limits.token(this.opts.token, now));
      let parts: string[];
      try {
        parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
      } catch {
        throw new ApiError(400, 'API_INVALID', 'malformed path', 'path');
      }
      let body: unknown;
      if (method === 'POST' || method === 'PUT' || method === 'PATCH') {
        const text = await readBody(req);
        try {
          body = text === '' ? {} : JSON.parse(text);
        } catch (err) {
          throw new ApiError(400, 'API_BAD_JSON', `body is not JSON: ${(err as Error).message}`, 'body');
        }
        const problem = bodyProblem(body);
        if (problem) throw new ApiError(400, 'API_BAD_JSON', problem, 'body');
      }
      const reply = await this.route({ method, parts, query: queryOf(url), body, now });
      send(res, reply.status, reply.body);
    } catch (err) {
      const apiErr = this.toApiError(err, req);
      send(res, apiErr.status, apiErr.body());
    }
  }

  /** WebSocket upgrades: rate-limited like any request, then the event hub checks path and token. */
  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    const now = this.opts.clock.now();
    let wait = this.limits.address(req.socket.remoteAddress, now);
    if (wait === 0 && this.opts.events?.authorized(req)) wait = this.limits.token(this.opts.token, now);
    if (wait > 0) return refuseUpgrade(socket, 429, 'API_RATE_LIMITED', `too many requests: retry in ${Math.ceil(wait)} s`, { 'Retry-After': String(Math.ceil(wait)) });
    if (!this.opts.events) return refuseUpgrade(socket, 404, 'API_NOT_FOUND', 'no WebSocket endpoint here');
    this.opts.events.handleUpgrade(req, socket, head);
  }

  private toApiError(err: unknown, req: IncomingMessage): ApiError {
    if (err instanceof ApiError) return err;
    if (err instanceof PolicyError) return fromPolicyError(err);
    this.opts.logger.error({ err: (err as Error).message, method: req.method, url: req.url }, 'admin API request failed');
    return new ApiError(500, 'API_INTERNAL', 'internal error (see the controller log)');
  }

  private async route(r: Request): Promise<Reply> {
    const [, resource, id, sub] = r.parts;
    const extra = r.parts.length;
    const g = this.opts.guard;
    const get = r.method === 'GET';
    switch (resource) {
      case 'status':
        if (extra !== 2) break;
        if (!get) throw methodNotAllowed(r);
        parse(schema.emptyQuery, r.query, 'query');
        return ok(statusView(g, this.startedAt, r.now));
      case 'switches':
        if (extra !== 2) break;
        if (!get) throw methodNotAllowed(r);
        parse(schema.emptyQuery, r.query, 'query');
        return ok({ switches: switchesView(g) });
      case 'top': {
        if (extra !== 2) break;
        if (!get) throw methodNotAllowed(r);
        const q = parse(schema.topQuery, r.query, 'query');
        return ok(topView(g, q.limit, r.now));
      }
      case 'audit': {
        if (extra !== 2) break;
        if (!get) throw methodNotAllowed(r);
        const q = parse(schema.auditQuery, r.query, 'query');
        return ok({ entries: g.store.audit(q.since, q.limit) });
      }
      case 'reputation': {
        if (extra !== 3) break;
        if (!get) throw methodNotAllowed(r);
        parse(schema.emptyQuery, r.query, 'query');
        const s = parse(schema.sourceText, id, 'path');
        return ok(reputationView(g, sourceKey(s.src, s.srcPrefix), s.src, s.srcPrefix, r.now));
      }
      case 'decisions':
        if (extra === 2) {
          if (get) return this.listDecisions(r);
          if (r.method === 'POST') return this.block(r);
          if (r.method === 'DELETE') {
            const q = parse(schema.unblockBySourceQuery, r.query, 'query');
            return this.release({ src: q.src.src, ...(q.src.srcPrefix !== undefined ? { srcPrefix: q.src.srcPrefix } : {}) }, q.falsePositive, q.reason, r.now);
          }
          throw methodNotAllowed(r);
        }
        if (extra === 3 && id === 'ingress') {
          if (r.method !== 'POST') throw methodNotAllowed(r);
          return this.blockEntry(r);
        }
        if (extra === 3) {
          if (r.method !== 'DELETE') throw methodNotAllowed(r);
          const decision = parse(schema.decisionId.transform((n) => ({ id: n })), id, 'path');
          const q = parse(schema.unblockQuery, r.query, 'query');
          return this.release(decision, q.falsePositive, q.reason, r.now);
        }
        if (extra === 4 && sub === 'extend') {
          if (r.method !== 'POST') throw methodNotAllowed(r);
          const decision = parse(schema.decisionId, id, 'path');
          const b = parse(schema.extendBody, r.body, 'body');
          return this.applied(g.policy.extend(decision, b.seconds * 1000, API_ACTOR, r.now), r.now);
        }
        break;
      case 'policy':
        if (extra === 2) {
          if (get) {
            parse(schema.emptyQuery, r.query, 'query');
            return ok(this.revisions.current());
          }
          if (r.method !== 'PUT' && r.method !== 'PATCH') throw methodNotAllowed(r);
          const b = parse(schema.policyBody, r.body, 'body');
          const opts = { actor: API_ACTOR, ...(b.ifVersion !== undefined ? { ifVersion: b.ifVersion } : {}), ...(b.reason !== undefined ? { reason: b.reason } : {}), force: b.force === true };
          const change = r.method === 'PUT' ? this.revisions.replace(b.policy, opts, r.now) : this.revisions.patch(b.policy, opts, r.now);
          return this.policyChanged(change, r.now);
        }
        if (id !== 'versions' || extra > 4) break;
        if (!get) throw methodNotAllowed(r);
        if (extra === 3) {
          const q = parse(schema.versionsQuery, r.query, 'query');
          return ok({ current: this.revisions.current().version, versions: this.revisions.versions(q.limit) });
        }
        {
          parse(schema.emptyQuery, r.query, 'query');
          const n = parse(schema.policyVersion, sub, 'path');
          const revision = this.revisions.version(n);
          if (!revision) throw new ApiError(404, 'API_NOT_FOUND', `no policy version ${n} (version 0 is the config file's and is not stored)`, 'version');
          return ok(revision);
        }
      case 'whitelist':
      case 'blocklist':
        if (extra !== 2) break;
        return this.listRoute(resource, r);
    }
    throw new ApiError(404, 'API_NOT_FOUND', `no endpoint /${r.parts.join('/')}`);
  }

  private listRoute(list: ListName, r: Request): Promise<Reply> | Reply {
    const admin = this.revisions;
    if (r.method === 'GET') {
      parse(schema.emptyQuery, r.query, 'query');
      return ok({ version: admin.current().version, entries: admin.entries(list) });
    }
    if (r.method === 'POST') {
      const b = parse(schema.listAddBody, r.body, 'body');
      const opts = { actor: API_ACTOR, ...(b.ifVersion !== undefined ? { ifVersion: b.ifVersion } : {}), ...(b.reason !== undefined ? { reason: b.reason } : {}), force: b.force === true };
      return this.policyChanged(admin.addEntry(list, b.address, b.comment, opts, r.now), r.now, 201, list);
    }
    if (r.method === 'DELETE') {
      const q = parse(schema.listRemoveQuery, r.query, 'query');
      const opts = { actor: API_ACTOR, ...(q.ifVersion !== undefined ? { ifVersion: q.ifVersion } : {}), ...(q.reason !== undefined ? { reason: q.reason } : {}) };
      return this.policyChanged(admin.removeEntry(list, q.address, opts, r.now), r.now, 200, list);
    }
    throw methodNotAllowed(r);
  }

  /** A new policy version: the decisions it ended or made reach the switches before the client hears of it. */
  private async policyChanged(change: PolicyChange, now: number, status = 200, list?: ListName): Promise<Reply> {
    await this.opts.guard.enforce(change.result);
    const state = list ? { version: change.state.version, entries: this.revisions.entries(list) } : change.state;
    return {
      status,
      body: { ...state, changes: change.changes, decisions: change.result.decisions.map((d) => decisionView(d, now, this.opts.guard.enforcer)), ended: change.result.ended.map((d) => decisionView(d, now)) },
    };
  }

  private listDecisions(r: Request): Reply {
    const q = parse(schema.decisionsQuery, r.query, 'query');
    const g = this.opts.guard;
    let list;
    if (q.active === 'true') list = g.policy.activeDecisions();
    else if (q.src) list = g.store.decisionsFor(sourceKey(q.src.src, q.src.srcPrefix), q.limit);
    else {
      list = g.store.recentDecisions({
        limit: q.limit,
        ...(q.action !== undefined ? { action: q.action } : {}),
        ...(q.origin !== undefined ? { origin: q.origin } : {}),
        ...(q.active === 'false' ? { ended: true } : {}),
      });
    }
    const key = q.src ? sourceKey(q.src.src, q.src.srcPrefix) : undefined;
    const views = list
      .map((d) => decisionView(d, r.now, g.enforcer))
      .filter(
        (d) =>
          (key === undefined || d.source === key) &&
          (q.action === undefined || d.action === q.action) &&
          (q.origin === undefined || d.origin === q.origin) &&
          (q.active !== 'false' || d.endedAt !== undefined),
      )
      .sort((a, b) => b.id - a.id)
      .slice(0, q.limit);
    return ok({ decisions: views });
  }

  private block(r: Request): Promise<Reply> {
    const b = parse(schema.blockBody, r.body, 'body');
    const result = this.opts.guard.policy.block(
      {
        ...b.src,
        force: b.force === true,
        ...(b.action !== undefined ? { action: b.action } : {}),
        ...(b.durationS !== undefined ? { durationMs: b.durationS * 1000 } : {}),
        ...(b.proto !== undefined ? { proto: b.proto } : {}),
        ...(b.dstPort !== undefined ? { dstPort: b.dstPort } : {}),
        actor: API_ACTOR,
        reason: b.reason,
      },
      r.now,
    );
    return this.applied(result, r.now, 201);
  }

  private blockEntry(r: Request): Promise<Reply> {
    const b = parse(schema.entryBlockBody, r.body, 'body');
    const colon = b.ingress.lastIndexOf(':');
    const dpid = this.switchNamed(b.ingress.slice(0, colon));
    const result = this.opts.guard.policy.blockEntry(
      {
        dpid, inPort: Number(b.ingress.slice(colon + 1)), dst: b.dst, proto: b.proto,
        ...(b.mac !== undefined ? { ethSrc: b.mac } : {}),
        ...(b.allTcp ? { allTcp: true } : {}),
        ...(b.action !== undefined ? { action: b.action } : {}),
        ...(b.durationS !== undefined ? { durationMs: b.durationS * 1000 } : {}),
        actor: API_ACTOR,
        reason: b.reason,
      },
      r.now,
    );
    return this.applied(result, r.now, 201);
  }

  /** A switch by datapath id (hex, as connected or not) or by bridge name (its LOCAL port's name, connected). */
  private switchNamed(name: string): string {
    const switches = [...this.opts.guard.controller.server.switches.values()];
    const hex = /^[0-9a-fA-F]{1,16}$/.test(name) ? name.toLowerCase().padStart(16, '0') : undefined;
    if (hex && switches.some((s) => s.dpid === hex)) return hex;
    const named = switches.find((s) => s.ports.get(Port.LOCAL)?.name === name);
    if (named) return named.dpid;
    if (hex) return hex;
    throw new ApiError(400, 'API_INVALID', `ingress: no connected switch is named ${JSON.stringify(name)} (give its datapath id in hex or its bridge name)`, 'ingress');
  }

  private release(selector: { id: number } | { src: string; srcPrefix?: number }, falsePositive: boolean, reason: string | undefined, now: number): Promise<Reply> {
    const p = this.opts.guard.policy;
    // A blocklisted source cannot be unblocked: the policy refuses it (POLICY_BLOCKLISTED → 409).
    const result = falsePositive ? p.markFalsePositive(selector, API_ACTOR, now) : p.unblock(selector, API_ACTOR, reason ?? 'unblocked through the admin API', now);
    return this.applied(result, now);
  }

  /** The switches get the change before the client hears it happened. */
  private async applied(result: EngineResult, now: number, status = 200): Promise<Reply> {
    await this.opts.guard.enforce(result);
    return { status, body: { decisions: result.decisions.map((d) => decisionView(d, now, this.opts.guard.enforcer)), ended: result.ended.map((d) => decisionView(d, now)) } };
  }
}

function ok(body: unknown): Reply {
  return { status: 200, body };
}

function methodNotAllowed(r: Request): ApiError {
  return new ApiError(405, 'API_METHOD', `${r.method} not allowed on /${r.parts.join('/')}`);
}

/** 429 with Retry-After when a bucket is empty (`wait` seconds until its next token). */
function throwIfLimited(res: ServerResponse, wait: number): void {
  if (wait <= 0) return;
  res.setHeader('Retry-After', String(Math.ceil(wait)));
  throw new ApiError(429, 'API_RATE_LIMITED', `too many requests: retry in ${Math.ceil(wait)} s`);
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(text);
}
