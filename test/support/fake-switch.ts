/**
 * A scripted OpenFlow 1.3 switch over loopback TCP, built on ofguard's own codec, for the
 * connection-layer tests: it answers the handshake and lets a test decide the rest
 * (stay silent, send garbage, split replies over several multipart parts...).
 */
import { connect, type Socket } from 'node:net';
import { decodeMessage, encodeMessage, MessageFramer, type OfpMessage, type PortDescription } from '../../controller/openflow/index.js';
import { OFP_VERSION } from '../../controller/openflow/constants.js';

export interface FakeSwitchOptions {
  port: number;
  dpid: bigint;
  ports?: PortDescription[];
  /** answer echo requests (false = a switch that hangs) */
  answerEcho?: boolean;
  /** answer the features request (false = a peer that says hello and never finishes the handshake) */
  answerFeatures?: boolean;
  /** connect from this loopback address (127.0.0.2, ...) to be another peer */
  localAddress?: string;
  /** hello version bitmap to offer; default OpenFlow 1.3 only */
  helloVersion?: number;
  helloBitmap?: number;
  /** called for every message not handled by the script */
  onMessage?: (msg: OfpMessage, sw: FakeSwitch) => void;
}

export function portDesc(portNo: number): PortDescription {
  return {
    portNo, hwAddr: `02:00:00:00:00:${portNo.toString(16).padStart(2, '0')}`, name: `p${portNo}`,
    config: 0, state: 0, curr: 0, advertised: 0, supported: 0, peer: 0, currSpeed: 0, maxSpeed: 0,
  };
}

export class FakeSwitch {
  readonly socket: Socket;
  readonly received: OfpMessage[] = [];
  closed = false;
  private readonly framer = new MessageFramer();

  constructor(private readonly opts: FakeSwitchOptions) {
    this.socket = connect({ port: opts.port, host: '127.0.0.1', ...(opts.localAddress ? { localAddress: opts.localAddress } : {}) });
    this.socket.on('close', () => { this.closed = true; });
    this.socket.on('error', () => { this.closed = true; });
    this.socket.on('connect', () => {
      const version = opts.helloVersion ?? OFP_VERSION;
      this.send({ version, type: 'hello', xid: 1, elements: opts.helloBitmap === undefined && version === OFP_VERSION
        ? [{ type: 'versionbitmap', bitmaps: [1 << OFP_VERSION] }]
        : opts.helloBitmap !== undefined ? [{ type: 'versionbitmap', bitmaps: [opts.helloBitmap] }] : [] } as OfpMessage);
    });
    this.socket.on('data', (chunk) => {
      for (const frame of this.framer.push(chunk)) {
        const msg = decodeMessage(frame);
        this.received.push(msg);
        this.handle(msg);
      }
    });
  }

  send(msg: OfpMessage): void {
    if (!this.closed) this.socket.write(encodeMessage(msg));
  }

  sendRaw(bytes: Buffer): void {
    if (!this.closed) this.socket.write(bytes);
  }

  close(): void {
    this.socket.destroy();
  }

  waitClosed(timeoutMs = 5000): Promise<boolean> {
    return new Promise((resolve) => {
      if (this.closed) return resolve(true);
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.socket.once('close', () => { clearTimeout(timer); resolve(true); });
    });
  }

  private handle(msg: OfpMessage): void {
    switch (msg.type) {
      case 'features_request':
        if (this.opts.answerFeatures === false) break;
        return this.send({ version: OFP_VERSION, type: 'features_reply', xid: msg.xid, dpid: this.opts.dpid, nBuffers: 0, nTables: 254, auxiliaryId: 0, capabilities: 0x4f, reserved: 0 });
      case 'echo_request':
        if (this.opts.answerEcho !== false) this.send({ version: OFP_VERSION, type: 'echo_reply', xid: msg.xid, data: msg.data });
        return;
      case 'multipart_request':
        if (msg.mpType === 'port_desc') {
          return this.send({ version: OFP_VERSION, type: 'multipart_reply', xid: msg.xid, mpType: 'port_desc', flags: 0, body: this.opts.ports ?? [portDesc(1), portDesc(2)] } as OfpMessage);
        }
        break;
      case 'barrier_request':
        if (!this.opts.onMessage) return this.send({ version: OFP_VERSION, type: 'barrier_reply', xid: msg.xid });
        break;
      default:
        break;
    }
    this.opts.onMessage?.(msg, this);
  }
}
