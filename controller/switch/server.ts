/**
 * The OpenFlow listener: accepts many switches at once over TCP (or TLS with mutual
 * certificates), runs each through SwitchConnection, and keeps one live connection per
 * datapath id. A switch that reconnects replaces its old session cleanly: the old one is
 * closed and reported down before the new one is reported up, so no state is duplicated.
 *
 * The port is open to anyone who can reach it, so what an unproved peer gets is bounded
 * (limits.ts): connections are counted per peer address and in all at TCP accept and
 * refused beyond the caps (with TLS, the TCP listener hands only admitted sockets to the
 * TLS layer, so a refused one costs no TLS work); every
 * connection must finish the OpenFlow handshake within a deadline counted from that
 * accept, which nothing the peer sends extends. Every close is logged with its reason:
 * by the connection (connection.ts), by the TLS checks here, and for refusals by the
 * RefusalLog, which sums a flood up instead of writing a line per socket.
 */
import { EventEmitter } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, type Server as TlsServer, type TLSSocket, type TlsOptions } from 'node:tls';
import type { Logger } from '../log.js';
import { defaultConnectionOptions, SwitchConnection, type CloseCode, type ConnectionOptions } from './connection.js';
import { ConnectionCounter, defaultPortLimits, peerKey, type PortLimits } from './limits.js';
import { RefusalLog } from './refusals.js';

export interface ServerOptions extends Partial<Omit<ConnectionOptions, 'logger' | 'limits'>> {
  port: number;
  host?: string;
  /** Serve OpenFlow over TLS (Open vSwitch `ssl:` controllers). */
  tls?: TlsOptions;
  limits?: Partial<PortLimits>;
  logger: Logger;
}

export interface OpenFlowServerEvents {
  /** Handshake done: the switch has a dpid, features and ports. */
  switch_up: [SwitchConnection];
  /** The switch's session ended (or was replaced by a newer one). */
  switch_down: [SwitchConnection, string];
  /** A connection that never completed its handshake ended. */
  rejected: [string, string];
}

/** How long refusals of one kind are summed up before the next line about them. */
const REFUSAL_WINDOW_MS = 10_000;

/** One accepted TCP connection, from accept until its socket closes. */
interface Accepted {
  socket: Socket;
  remote: string;
  peer: string;
  /** set once the socket is an OpenFlow session (for TLS: after the TLS handshake) */
  conn?: SwitchConnection;
  deadline: unknown;
}

export class OpenFlowServer extends EventEmitter<OpenFlowServerEvents> {
  /** Live, handshaken switches by dpid. */
  readonly switches = new Map<string, SwitchConnection>();
  /** Sessions still in their OpenFlow handshake. */
  readonly connecting = new Set<SwitchConnection>();
  readonly limits: Readonly<PortLimits>;
  readonly counter: ConnectionCounter;
  readonly refusals: RefusalLog;
  private server?: Server;
  /** With TLS: the TLS layer, fed with the sockets the TCP listener admits. */
  private tlsLayer?: TlsServer;
  private readonly connOpts: ConnectionOptions;
  /** By `address:port` of the peer, which the TLS socket shares with the TCP one under it. */
  private readonly accepted = new Map<string, Accepted>();
  /** TCP sockets by themselves, for the TLS layer's errors, which come after the socket closed. */
  private readonly remotes = new WeakMap<Socket, string>();
  /** TCP sockets closed here with their own log line: the TLS layer's "socket hang up" about them is not news. */
  private readonly closedHere = new WeakSet<Socket>();

  constructor(private readonly opts: ServerOptions) {
    super();
    const { port: _p, host: _h, tls: _t, limits, ...rest } = opts;
    this.limits = Object.freeze({ ...defaultPortLimits, ...limits });
    this.connOpts = {
      ...defaultConnectionOptions, ...rest,
      limits: { minReadBytesPerSec: this.limits.minReadBytesPerSec, messageGraceMs: this.limits.messageGraceMs },
      logger: opts.logger,
    };
    this.counter = new ConnectionCounter(this.limits);
    this.refusals = new RefusalLog({ logger: opts.logger, clock: this.connOpts.clock, timers: this.connOpts.timers, windowMs: REFUSAL_WINDOW_MS });
  }

  async listen(): Promise<{ port: number; host: string }> {
    const tls = this.opts.tls;
    // Mutual TLS: Node would drop a switch whose certificate fails verification without a
    // word (TLS 1.3 alerts carry no reason), so the handshake is let through and the
    // verdict is read here, logged with its reason, and enforced by closing the socket.
    const verify = !!tls?.requestCert && tls.rejectUnauthorized !== false;
    const onSecure = (socket: TLSSocket) => {
      if (verify && !socket.authorized) {
        this.opts.logger.warn({ code: 'TLS_FAILED', remote: remoteOf(socket), err: String(socket.authorizationError) }, 'TLS handshake with switch failed');
        socket.destroy();
        return;
      }
      this.session(socket);
    };
    // TLS's own handshake is inside the OpenFlow handshake deadline (counted from TCP accept).
    if (tls) {
      this.tlsLayer = createTlsServer({ ...tls, ...(verify ? { rejectUnauthorized: false } : {}) }, onSecure);
      this.tlsLayer.on('tlsClientError', (err: Error, socket: TLSSocket) => {
        // Node keeps the TCP socket under a server-side TLS socket as `_parent`; without it
        // (another Node) the worst is a second line about a socket already logged.
        const tcp = (socket as unknown as { _parent?: Socket })._parent;
        if (tcp && this.closedHere.has(tcp)) return;
        this.opts.logger.warn({ code: 'TLS_FAILED', remote: (tcp && this.remotes.get(tcp)) ?? remoteOf(socket), err: err.message }, 'TLS handshake with switch failed');
      });
    }
    this.server = createServer((socket) => this.admit(socket));
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.opts.port, this.opts.host ?? '0.0.0.0', () => resolve());
    });
    const addr = this.server.address();
    const port = typeof addr === 'object' && addr ? addr.port : this.opts.port;
    this.opts.logger.info({ port, host: this.opts.host ?? '0.0.0.0', tls: !!this.opts.tls, limits: this.limits }, 'listening for OpenFlow switches');
    return { port, host: this.opts.host ?? '0.0.0.0' };
  }

  /** TCP accept: counted against the caps (or refused), and the handshake deadline starts. */
  private admit(socket: Socket): void {
    const peer = peerKey(socket.remoteAddress);
    const remote = remoteOf(socket);
    const admission = this.counter.admit(peer);
    if (!admission.admitted) {
      this.refusals.record(admission.code, peer, remote, admission.reason);
      socket.destroy();
      return;
    }
    this.remotes.set(socket, remote);
    const { timers } = this.connOpts;
    const entry: Accepted = { socket, remote, peer, deadline: undefined };
    entry.deadline = timers.setTimeout(() => this.handshakeExpired(entry), this.limits.handshakeTimeoutMs);
    this.accepted.set(remote, entry);
    // The session (or the TLS layer) reports errors; the close that follows frees the slot.
    socket.on('error', () => undefined);
    socket.once('close', () => {
      timers.clearTimeout(entry.deadline);
      if (this.accepted.get(remote) === entry) this.accepted.delete(remote);
      this.counter.release(peer);
    });
    // Documented for tls.Server: a 'connection' emitted by hand injects a socket.
    if (this.tlsLayer) this.tlsLayer.emit('connection', socket);
    else this.session(socket);
  }

  private handshakeExpired(entry: Accepted): void {
    const reason = `OpenFlow handshake not finished within ${this.limits.handshakeTimeoutMs} ms of accept`;
    if (entry.conn) return entry.conn.close(reason, 'HANDSHAKE_TIMEOUT');
    // Still in its TLS handshake: no OpenFlow session to close and log it, so it is done here.
    this.opts.logger.warn({ code: 'HANDSHAKE_TIMEOUT' satisfies CloseCode, remote: entry.remote, reason }, 'switch connection closed');
    this.closedHere.add(entry.socket);
    entry.socket.destroy();
  }

  /** The socket carries OpenFlow from here (TCP at once, TLS after its handshake). */
  private session(socket: Socket): void {
    const entry = this.accepted.get(remoteOf(socket));
    // Closed meanwhile.
    if (!entry) {
      socket.destroy();
      return;
    }
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 10_000);
    const conn = new SwitchConnection(socket, this.connOpts);
    entry.conn = conn;
    this.connecting.add(conn);
    conn.once('ready', () => {
      this.connOpts.timers.clearTimeout(entry.deadline);
      this.connecting.delete(conn);
      const old = this.switches.get(conn.dpid);
      if (old && old !== conn) {
        this.opts.logger.info({ dpid: conn.dpid, old: old.remote, new: conn.remote }, 'switch reconnected: replacing its old session');
        old.close('replaced by a new connection from the same datapath', 'REPLACED');
      }
      this.switches.set(conn.dpid, conn);
      this.emit('switch_up', conn);
    });
    conn.once('close', (reason) => {
      this.connOpts.timers.clearTimeout(entry.deadline);
      this.connecting.delete(conn);
      if (conn.dpid && this.switches.get(conn.dpid) === conn) {
        this.switches.delete(conn.dpid);
        this.emit('switch_down', conn, reason);
      } else {
        this.emit('rejected', conn.remote, reason);
      }
    });
    conn.start();
  }

  async close(): Promise<void> {
    for (const conn of [...this.switches.values(), ...this.connecting]) conn.close('controller shutting down', 'SHUTDOWN');
    // Sockets still in their TLS handshake: no session yet, and the listener waits for them.
    for (const entry of [...this.accepted.values()].filter((e) => !e.conn)) {
      this.opts.logger.info({ code: 'SHUTDOWN' satisfies CloseCode, remote: entry.remote, reason: 'controller shutting down' }, 'switch connection closed');
      this.closedHere.add(entry.socket);
      entry.socket.destroy();
    }
    this.refusals.flush();
    if (this.server) await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }
}

function remoteOf(socket: { remoteAddress?: string; remotePort?: number }): string {
  return `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
}
