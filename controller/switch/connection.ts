/**
 * One switch's OpenFlow 1.3 session over a byte stream (TCP or TLS): handshake, echo
 * keepalive, xid-matched requests with timeouts, multipart reassembly, barriers, events
 * for asynchronous messages, and write backpressure. A peer that sends bytes the codec
 * cannot decode is disconnected with the decoder's reason; so is one whose message in
 * progress arrives slower than the minimum read rate (limits.ts). Every close is one log
 * line with a stable code (CloseCode) and its reason; nothing here throws past the
 * socket. Clock and timers are injected: the deadlines are tested in milliseconds.
 */
import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import {
  decodeMessage,
  encodeMessage,
  MessageFramer,
  OpenFlowDecodeError,
  visitFlowStatsReply,
  type ErrorMessage,
  type FlowStatsEntry,
  type FeaturesReplyMessage,
  type FlowRemovedMessage,
  type MessageOf,
  type MultipartKind,
  type MultipartReplyBodies,
  type MultipartRequestBodies,
  type MultipartReplyMessage,
  type OfpMessage,
  type PacketInMessage,
  type PortDescription,
  type PortStatusMessage,
} from '../openflow/index.js';
import { errorCodeName, errorTypeName, ErrorType, MessageType, MultipartFlags, OFP_VERSION, PortReason } from '../openflow/constants.js';
import type { Logger } from '../log.js';
import { systemClock, systemTimers, type Clock, type Timers } from '../clock.js';
import { defaultPortLimits, messageDeadline, type PortLimits } from './limits.js';

export interface ConnectionOptions {
  /** Echo request interval; a switch silent for 3 intervals is declared dead. */
  echoIntervalMs: number;
  requestTimeoutMs: number;
  /** Above this many bytes waiting in the socket, `writable` is false: callers shed load. */
  highWaterBytes: number;
  /** miss_send_len for set-config: how much of a packet a packet-in carries. */
  missSendLen: number;
  /** The minimum read rate for a message in progress. */
  limits: Pick<PortLimits, 'minReadBytesPerSec' | 'messageGraceMs'>;
  clock: Clock;
  timers: Timers;
  logger: Logger;
}

export const defaultConnectionOptions: Omit<ConnectionOptions, 'logger'> = {
  echoIntervalMs: 5000,
  requestTimeoutMs: 10_000,
  highWaterBytes: 4 * 1024 * 1024,
  missSendLen: 128,
  limits: { minReadBytesPerSec: defaultPortLimits.minReadBytesPerSec, messageGraceMs: defaultPortLimits.messageGraceMs },
  clock: systemClock,
  timers: systemTimers,
};

/** Why a connection ended: a stable code, in its close log line and its close event. */
export type CloseCode =
  /** the peer closed it (or the network reset it) */
  | 'PEER_CLOSED'
  | 'SOCKET_ERROR'
  /** bytes the codec cannot frame or decode */
  | 'PROTOCOL_ERROR'
  /** the peer's hello offers no OpenFlow 1.3 */
  | 'VERSION_MISMATCH'
  /** the features or port-description request failed or was not answered */
  | 'HANDSHAKE_FAILED'
  /** the handshake was not finished within limits.handshakeTimeoutMs of accept (server.ts) */
  | 'HANDSHAKE_TIMEOUT'
  /** a message in progress arrived slower than the minimum read rate */
  | 'SLOW_MESSAGE'
  /** silent for three echo intervals */
  | 'ECHO_TIMEOUT'
  /** a newer connection from the same datapath took over */
  | 'REPLACED'
  /** the controller is stopping */
  | 'SHUTDOWN';

/** A switch answered a request with an OpenFlow error message. */
export class SwitchError extends Error {
  override readonly name = 'SwitchError';
  constructor(
    readonly dpid: string,
    readonly errorType: number,
    readonly code: number,
    /** The message that caused it, when we still remember it. */
    readonly request?: OfpMessage,
  ) {
    super(`switch ${dpid} rejected ${request?.type ?? 'a message'}: ${errorTypeName(errorType)}/${errorCodeName(errorType, code)}`);
  }
}

export class RequestTimeoutError extends Error {
  override readonly name = 'RequestTimeoutError';
  constructor(readonly dpid: string, readonly request: string, ms: number) {
    super(`switch ${dpid} did not answer ${request} within ${ms} ms`);
  }
}

export class ConnectionClosedError extends Error {
  override readonly name = 'ConnectionClosedError';
  constructor(readonly dpid: string, reason: string) {
    super(`connection to switch ${dpid} closed: ${reason}`);
  }
}

interface Pending {
  request: OfpMessage;
  resolve: (reply: OfpMessage) => void;
  reject: (err: Error) => void;
  timer: unknown;
  /** multipart bodies collected so far (replies with the MORE flag) */
  parts?: MultipartReplyMessage[];
  /** Fast path: each reply part is handed over as bytes instead of being decoded. */
  visit?: (frame: Buffer) => void;
}

interface MessageInProgress {
  /** its first byte's offset in the stream */
  start: number;
  startedAt: number;
  /** from its header, once that is in */
  length: number | undefined;
  timer: unknown;
}

/** How many sent messages are remembered by xid so an error can name its cause. */
const SENT_MEMORY = 1024;

export interface SwitchConnectionEvents {
  ready: [];
  packet_in: [PacketInMessage];
  flow_removed: [FlowRemovedMessage];
  port_status: [PortStatusMessage];
  /** An error message not tied to a pending request (e.g. a rejected flow-mod). */
  switch_error: [SwitchError, ErrorMessage];
  close: [string, CloseCode];
  /** The socket's write queue fell below the high-water mark. */
  drain: [];
}

export class SwitchConnection extends EventEmitter<SwitchConnectionEvents> {
  /** 16 lowercase hex digits, known once the features reply arrived. */
  dpid = '';
  features?: FeaturesReplyMessage;
  readonly ports = new Map<number, PortDescription>();
  readonly remote: string;
  readonly connectedAt: number;
  /** Round trip of the last echo, ms. */
  echoRttMs = 0;
  closed = false;
  closeReason = '';
  closeCode?: CloseCode;
  messagesIn = 0;
  messagesOut = 0;
  bytesIn = 0;

  private readonly framer = new MessageFramer();
  /** Set while a received chunk is handled: what is sent meanwhile is written once, after. */
  private outBatch: Buffer[] | undefined;
  private readonly pending = new Map<number, Pending>();
  /**
   * The last SENT_MEMORY messages sent, in a ring indexed by xid (xids are allocated in
   * sequence): a Map evicting its oldest key on every send spent a tenth of the
   * controller's time skipping deleted entries under a packet-in load (bench:setup).
   */
  private readonly sent: Array<OfpMessage | undefined> = new Array(SENT_MEMORY);
  private nextXid = 1;
  private lastHeard: number;
  private echoTimer?: unknown;
  private ready = false;
  /** The unfinished message, watched against the minimum read rate. */
  private inProgress?: MessageInProgress;

  constructor(private readonly socket: Duplex & { remoteAddress?: string; remotePort?: number; writableLength: number },
    private readonly opts: ConnectionOptions) {
    super();
    this.remote = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
    this.connectedAt = this.lastHeard = opts.clock.now();
    socket.on('data', (chunk: Buffer) => {
      // Everything the handlers send in answer to one chunk leaves in one write (one
      // buffer, one syscall): under a packet-in load the per-write cost was a fifth of the
      // controller's time even with the socket corked (bench:setup).
      this.outBatch = [];
      try {
        this.onData(chunk);
        if (!this.closed) this.watchMessageInProgress();
      } finally {
        if (!this.closed) this.flush();
        this.outBatch = undefined;
      }
    });
    socket.on('error', (err: Error) => this.close(`socket error: ${err.message}`, 'SOCKET_ERROR'));
    socket.on('close', () => this.close('peer closed the connection', 'PEER_CLOSED'));
    socket.on('drain', () => this.emit('drain'));
  }

  get log(): Logger {
    return this.opts.logger;
  }

  /** Sends hello and runs the handshake; 'ready' is emitted when the switch is usable. */
  start(): void {
    this.send({ version: OFP_VERSION, type: 'hello', xid: 0, elements: [{ type: 'versionbitmap', bitmaps: [1 << OFP_VERSION] }] });
    this.scheduleKeepalive();
  }

  /** True while the socket's queue is below the high-water mark. */
  get writable(): boolean {
    return !this.closed && this.socket.writableLength < this.opts.highWaterBytes;
  }

  /** Resolves when the socket queue has drained below the high-water mark (or closed). */
  drained(): Promise<void> {
    if (this.writable || this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => { this.off('drain', done); this.off('close', done); resolve(); };
      this.on('drain', done);
      this.on('close', done);
    });
  }

  /** Sends a message; assigns an xid when it has none (0). Returns the xid. */
  send(msg: OfpMessage): number {
    if (this.closed) throw new ConnectionClosedError(this.dpid, this.closeReason);
    if (!msg.xid) msg = { ...msg, xid: this.allocXid() };
    const bytes = encodeMessage(msg);
    this.remember(msg);
    this.messagesOut++;
    this.write(bytes);
    return msg.xid;
  }

  /** Sends several messages as one write (one syscall, one TCP segment train). */
  sendBatch(msgs: OfpMessage[]): number[] {
    if (this.closed) throw new ConnectionClosedError(this.dpid, this.closeReason);
    const xids: number[] = [];
    const chunks: Buffer[] = [];
    for (let msg of msgs) {
      if (!msg.xid) msg = { ...msg, xid: this.allocXid() };
      chunks.push(encodeMessage(msg));
      this.remember(msg);
      xids.push(msg.xid);
    }
    this.messagesOut += msgs.length;
    if (this.outBatch) this.outBatch.push(...chunks);
    else this.socket.write(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks));
    return xids;
  }

  /** Sends a request and resolves with its reply (all parts merged for multipart). */
  request<T extends OfpMessage = OfpMessage>(msg: OfpMessage, timeoutMs = this.opts.requestTimeoutMs): Promise<T> {
    if (this.closed) return Promise.reject(new ConnectionClosedError(this.dpid, this.closeReason));
    const xid = msg.xid || this.allocXid();
    const withXid = { ...msg, xid } as OfpMessage;
    return new Promise<T>((resolve, reject) => {
      const timer = this.opts.timers.setTimeout(() => {
        this.pending.delete(xid);
        reject(new RequestTimeoutError(this.dpid, msg.type, timeoutMs));
      }, timeoutMs);
      this.pending.set(xid, { request: withXid, resolve: resolve as (m: OfpMessage) => void, reject, timer });
      try {
        this.send(withXid);
      } catch (err) {
        this.opts.timers.clearTimeout(timer);
        this.pending.delete(xid);
        reject(err as Error);
      }
    });
  }

  /** A multipart request; resolves with the reply bodies of every part, concatenated. */
  async multipart<K extends MultipartKind>(mpType: K, body: MultipartRequestBodies[K]): Promise<MultipartReplyBodies[K]> {
    const reply = await this.request<MultipartReplyMessage>({
      version: OFP_VERSION, type: 'multipart_request', xid: 0, mpType, flags: 0, body,
    } as OfpMessage);
    return reply.body as MultipartReplyBodies[K];
  }

  /**
   * Flow statistics without decoding instructions (the stats poller's fast path): `visit`
   * gets every entry of every reply part, in one reused object (see visitFlowStatsReply).
   * Resolves with the number of entries once the last part arrived.
   */
  visitFlowStats(body: MultipartRequestBodies['flow'], visit: (entry: FlowStatsEntry) => void, timeoutMs = this.opts.requestTimeoutMs): Promise<number> {
    if (this.closed) return Promise.reject(new ConnectionClosedError(this.dpid, this.closeReason));
    const xid = this.allocXid();
    const request = { version: OFP_VERSION, type: 'multipart_request', xid, mpType: 'flow', flags: 0, body } as OfpMessage;
    let entries = 0;
    const count = (e: FlowStatsEntry) => { entries++; visit(e); };
    return new Promise<number>((resolve, reject) => {
      const timer = this.opts.timers.setTimeout(() => {
        this.pending.delete(xid);
        reject(new RequestTimeoutError(this.dpid, 'flow stats', timeoutMs));
      }, timeoutMs);
      const pending: Pending = {
        request, reject, timer,
        resolve: () => resolve(entries),
        visit: (frame) => {
          const { flags } = visitFlowStatsReply(frame, count);
          if (flags & MultipartFlags.REPLY_MORE) return;
          this.opts.timers.clearTimeout(timer);
          this.pending.delete(xid);
          resolve(entries);
        },
      };
      this.pending.set(xid, pending);
      try {
        this.send(request);
      } catch (err) {
        this.opts.timers.clearTimeout(timer);
        this.pending.delete(xid);
        reject(err as Error);
      }
    });
  }

  /** Resolves when the switch has processed everything sent before it. */
  async barrier(timeoutMs?: number): Promise<void> {
    await this.request({ version: OFP_VERSION, type: 'barrier_request', xid: 0 }, timeoutMs);
  }

  /** The message we sent with this xid, if still remembered (to explain an error). */
  sentMessage(xid: number): OfpMessage | undefined {
    return this.recall(xid);
  }

  /** Ends the session, once: one log line with the code and reason, then the close event. */
  close(reason: string, code: CloseCode): void {
    if (this.closed) return;
    this.closed = true;
    this.closeReason = reason;
    this.closeCode = code;
    this.opts.timers.clearTimeout(this.echoTimer);
    this.forgetMessageInProgress();
    for (const [xid, p] of this.pending) {
      this.opts.timers.clearTimeout(p.timer);
      p.reject(new ConnectionClosedError(this.dpid, reason));
      this.pending.delete(xid);
    }
    this.socket.destroy();
    const line = {
      code, reason, remote: this.remote, ...(this.dpid ? { dpid: this.dpid } : {}),
      handshaken: this.ready, ageMs: this.opts.clock.now() - this.connectedAt, bytesIn: this.bytesIn,
    };
    if (code === 'SHUTDOWN') this.log.info(line, 'switch connection closed');
    else this.log.warn(line, 'switch connection closed');
    this.emit('close', reason, code);
  }

  /** Writes what the current chunk's handlers have sent so far (before the socket ends). */
  private flush(): void {
    const batch = this.outBatch;
    if (!batch?.length) return;
    this.socket.write(batch.length === 1 ? batch[0]! : Buffer.concat(batch));
    batch.length = 0;
  }

  private write(bytes: Buffer): void {
    if (this.outBatch) this.outBatch.push(bytes);
    else this.socket.write(bytes);
  }

  private remember(msg: OfpMessage): void {
    this.sent[msg.xid % SENT_MEMORY] = msg;
  }

  private recall(xid: number): OfpMessage | undefined {
    const msg = this.sent[xid % SENT_MEMORY];
    return msg?.xid === xid ? msg : undefined;
  }

  private allocXid(): number {
    const xid = this.nextXid;
    this.nextXid = this.nextXid >= 0xffffffff ? 1 : this.nextXid + 1;
    return xid;
  }

  private scheduleKeepalive(): void {
    this.echoTimer = this.opts.timers.setTimeout(() => {
      this.keepalive();
      if (!this.closed) this.scheduleKeepalive();
    }, this.opts.echoIntervalMs);
  }

  private keepalive(): void {
    const silentMs = this.opts.clock.now() - this.lastHeard;
    if (silentMs > 3 * this.opts.echoIntervalMs) {
      this.close(`no echo reply for ${silentMs} ms`, 'ECHO_TIMEOUT');
      return;
    }
    const started = this.opts.clock.now();
    this.request({ version: OFP_VERSION, type: 'echo_request', xid: 0, data: Buffer.alloc(0) }, 3 * this.opts.echoIntervalMs)
      .then(() => { this.echoRttMs = this.opts.clock.now() - started; })
      .catch(() => { /* silence is handled by the lastHeard check above */ });
  }

  /**
   * After each chunk: an unfinished message gets a deadline from its first byte (grace plus
   * its length at the minimum rate, limits.ts), set again only once its header tells the
   * length; bytes trickling in never move it. The next message starts a deadline of its own.
   */
  private watchMessageInProgress(): void {
    const pending = this.framer.pendingBytes;
    if (pending === 0) return this.forgetMessageInProgress();
    const start = this.bytesIn - pending;
    const length = this.framer.pendingLength;
    const current = this.inProgress;
    if (current?.start === start) {
      if (current.length !== undefined || length === undefined) return;
      this.opts.timers.clearTimeout(current.timer);
      current.length = length;
      current.timer = this.armSlowMessage(current);
      return;
    }
    this.forgetMessageInProgress();
    const m: MessageInProgress = { start, startedAt: this.opts.clock.now(), length, timer: undefined };
    m.timer = this.armSlowMessage(m);
    this.inProgress = m;
  }

  private armSlowMessage(m: MessageInProgress): unknown {
    const { limits, clock, timers } = this.opts;
    const due = messageDeadline(m.startedAt, m.length, limits);
    return timers.setTimeout(() => {
      const received = this.bytesIn - m.start;
      this.close(`message ${m.length === undefined ? 'header' : `of ${m.length} bytes`} incomplete after ${clock.now() - m.startedAt} ms: `
        + `${received} bytes received (minimum ${limits.minReadBytesPerSec} bytes/s after ${limits.messageGraceMs} ms)`, 'SLOW_MESSAGE');
    }, Math.max(0, due - clock.now()));
  }

  private forgetMessageInProgress(): void {
    if (!this.inProgress) return;
    this.opts.timers.clearTimeout(this.inProgress.timer);
    this.inProgress = undefined;
  }

  private onData(chunk: Buffer): void {
    this.lastHeard = this.opts.clock.now();
    this.bytesIn += chunk.length;
    let frames: Buffer[];
    try {
      frames = this.framer.push(chunk);
    } catch (err) {
      this.protocolViolation(err);
      return;
    }
    for (const frame of frames) {
      if (this.closed) return;
      if (frame[1] === MessageType.MULTIPART_REPLY && this.visitRaw(frame)) continue;
      let msg: OfpMessage;
      try {
        msg = decodeMessage(frame);
      } catch (err) {
        this.protocolViolation(err);
        return;
      }
      this.messagesIn++;
      try {
        this.dispatch(msg);
      } catch (err) {
        // A bug in a handler must not take the controller down with it: log and go on.
        this.log.error({ dpid: this.dpid, err, type: msg.type }, 'handler failed');
      }
    }
  }

  /** A multipart reply part of a request on the fast path: true when it was handled here. */
  private visitRaw(frame: Buffer): boolean {
    const visit = frame.length >= 8 ? this.pending.get(frame.readUInt32BE(4))?.visit : undefined;
    if (!visit) return false;
    this.messagesIn++;
    try {
      visit(frame);
    } catch (err) {
      if (err instanceof OpenFlowDecodeError) this.protocolViolation(err);
      // A bug in the visitor must not take the controller down with it.
      else this.log.error({ dpid: this.dpid, err }, 'flow stats handler failed');
    }
    return true;
  }

  private protocolViolation(err: unknown): void {
    // The decoder's message starts with its own code (OFP_BAD_TYPE: ...).
    this.close(err instanceof OpenFlowDecodeError ? `malformed OpenFlow message: ${err.message}` : `framing failed: ${String(err)}`, 'PROTOCOL_ERROR');
  }

  private dispatch(msg: OfpMessage): void {
    switch (msg.type) {
      case 'hello':
        return this.onHello(msg);
      case 'echo_request':
        this.send({ version: OFP_VERSION, type: 'echo_reply', xid: msg.xid, data: msg.data });
        return;
      case 'error':
        return this.onError(msg);
      case 'packet_in':
        this.emit('packet_in', msg);
        return;
      case 'flow_removed':
        this.emit('flow_removed', msg);
        return;
      case 'port_status':
        if (msg.reason === PortReason.DELETE) this.ports.delete(msg.port.portNo);
        else this.ports.set(msg.port.portNo, msg.port);
        this.emit('port_status', msg);
        return;
      case 'multipart_reply':
        return this.onMultipartReply(msg);
      default:
        return this.settle(msg);
    }
  }

  private onHello(msg: MessageOf<'hello'>): void {
    const bitmap = msg.elements.find((e) => e.type === 'versionbitmap');
    const supports13 = bitmap && bitmap.type === 'versionbitmap'
      ? ((bitmap.bitmaps[0] ?? 0) & (1 << OFP_VERSION)) !== 0
      : msg.version >= OFP_VERSION; // no bitmap: the peer speaks its header version and below
    if (!supports13) {
      const text = `ofguard speaks OpenFlow 1.3 only; peer offered version ${msg.version}`;
      try {
        this.send({ version: Math.min(msg.version, OFP_VERSION), type: 'error', xid: msg.xid, errorType: ErrorType.HELLO_FAILED, code: 0, data: Buffer.from(text) });
      } finally {
        this.flush();
        this.socket.end();
        this.close(text, 'VERSION_MISMATCH');
      }
      return;
    }
    void this.handshake();
  }

  private async handshake(): Promise<void> {
    try {
      this.features = await this.request<FeaturesReplyMessage>({ version: OFP_VERSION, type: 'features_request', xid: 0 });
      this.dpid = this.features.dpid.toString(16).padStart(16, '0');
      this.send({ version: OFP_VERSION, type: 'set_config', xid: 0, flags: 0, missSendLen: this.opts.missSendLen });
      const ports = await this.multipart('port_desc', null);
      for (const p of ports) this.ports.set(p.portNo, p);
      this.ready = true;
      this.log.info({ dpid: this.dpid, remote: this.remote, ports: ports.length, tables: this.features.nTables }, 'switch connected');
      this.emit('ready');
    } catch (err) {
      if (!this.closed) this.close(`handshake failed: ${(err as Error).message}`, 'HANDSHAKE_FAILED');
    }
  }

  get isReady(): boolean {
    return this.ready && !this.closed;
  }

  private onError(msg: ErrorMessage): void {
    const p = this.pending.get(msg.xid);
    const cause = p?.request ?? this.recall(msg.xid);
    const err = new SwitchError(this.dpid, msg.errorType, msg.code, cause);
    if (p) {
      this.opts.timers.clearTimeout(p.timer);
      this.pending.delete(msg.xid);
      p.reject(err);
      return;
    }
    this.emit('switch_error', err, msg);
  }

  private onMultipartReply(msg: MultipartReplyMessage): void {
    const p = this.pending.get(msg.xid);
    if (!p) return;
    if (msg.flags & MultipartFlags.REPLY_MORE) {
      (p.parts ??= []).push(msg);
      return;
    }
    if (!p.parts) return this.settle(msg);
    p.parts.push(msg);
    // Array bodies are concatenated across parts; single-object bodies come in one part.
    const merged = Array.isArray(msg.body)
      ? { ...msg, body: p.parts.flatMap((part) => part.body as unknown[]) }
      : msg;
    this.settle(merged as OfpMessage);
  }

  private settle(msg: OfpMessage): void {
    const p = this.pending.get(msg.xid);
    if (!p) return;
    this.opts.timers.clearTimeout(p.timer);
    this.pending.delete(msg.xid);
    p.resolve(msg);
  }
}
