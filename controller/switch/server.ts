/**
 * The OpenFlow listener: accepts many switches at once over TCP (or TLS with mutual
 * certificates), runs each through SwitchConnection, and keeps one live connection per
 * datapath id. A switch that reconnects replaces its old session cleanly: the old one is
 * closed and reported down before the new one is reported up, so no state is duplicated.
 */
import { EventEmitter } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, type TLSSocket, type TlsOptions } from 'node:tls';
import type { Logger } from '../log.js';
import { defaultConnectionOptions, SwitchConnection, type ConnectionOptions } from './connection.js';

export interface ServerOptions extends Partial<Omit<ConnectionOptions, 'logger'>> {
  port: number;
  host?: string;
  /** Serve OpenFlow over TLS (Open vSwitch `ssl:` controllers). */
  tls?: TlsOptions;
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

export class OpenFlowServer extends EventEmitter<OpenFlowServerEvents> {
  /** Live, handshaken switches by dpid. */
  readonly switches = new Map<string, SwitchConnection>();
  private readonly connecting = new Set<SwitchConnection>();
  private server?: Server;
  private readonly connOpts: ConnectionOptions;

  constructor(private readonly opts: ServerOptions) {
    super();
    const { port: _p, host: _h, tls: _t, ...rest } = opts;
    this.connOpts = { ...defaultConnectionOptions, ...rest, logger: opts.logger };
  }

  async listen(): Promise<{ port: number; host: string }> {
    const tls = this.opts.tls;
    // Mutual TLS: Node would drop a switch whose certificate fails verification without a
    // word (TLS 1.3 alerts carry no reason), so the handshake is let through and the
    // verdict is read here, logged with its reason, and enforced by closing the socket.
    const verify = !!tls?.requestCert && tls.rejectUnauthorized !== false;
    const onSocket = (socket: Socket) => {
      const secure = socket as TLSSocket;
      if (verify && !secure.authorized) {
        this.opts.logger.warn({ remote: `${socket.remoteAddress}:${socket.remotePort}`, err: String(secure.authorizationError) }, 'TLS handshake with switch failed');
        socket.destroy();
        return;
      }
      this.accept(socket);
    };
    this.server = tls
      ? createTlsServer({ ...tls, ...(verify ? { rejectUnauthorized: false } : {}) }, onSocket)
      : createServer(onSocket);
    if (this.opts.tls) {
      this.server.on('tlsClientError', (err: Error, socket: Socket) => {
        this.opts.logger.warn({ remote: `${socket.remoteAddress}:${socket.remotePort}`, err: err.message }, 'TLS handshake with switch failed');
      });
    }
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.opts.port, this.opts.host ?? '0.0.0.0', () => resolve());
    });
    const addr = this.server.address();
    const port = typeof addr === 'object' && addr ? addr.port : this.opts.port;
    this.opts.logger.info({ port, host: this.opts.host ?? '0.0.0.0', tls: !!this.opts.tls }, 'listening for OpenFlow switches');
    return { port, host: this.opts.host ?? '0.0.0.0' };
  }

  private accept(socket: Socket): void {
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 10_000);
    const conn = new SwitchConnection(socket, this.connOpts);
    this.connecting.add(conn);
    conn.once('ready', () => {
      this.connecting.delete(conn);
      const old = this.switches.get(conn.dpid);
      if (old && old !== conn) {
        this.opts.logger.info({ dpid: conn.dpid, old: old.remote, new: conn.remote }, 'switch reconnected: replacing its old session');
        old.close('replaced by a new connection from the same datapath');
      }
      this.switches.set(conn.dpid, conn);
      this.emit('switch_up', conn);
    });
    conn.once('close', (reason) => {
      this.connecting.delete(conn);
      if (conn.dpid && this.switches.get(conn.dpid) === conn) {
        this.switches.delete(conn.dpid);
        this.opts.logger.warn({ dpid: conn.dpid, reason }, 'switch disconnected');
        this.emit('switch_down', conn, reason);
      } else {
        this.emit('rejected', conn.remote, reason);
      }
    });
    conn.start();
  }

  async close(): Promise<void> {
    for (const conn of [...this.switches.values(), ...this.connecting]) conn.close('controller shutting down');
    if (this.server) await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }
}
