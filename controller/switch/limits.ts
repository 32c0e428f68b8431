/**
 * What the OpenFlow port grants a peer before and after it has proved to be a switch:
 * a handshake deadline counted from accept that nothing the peer sends extends, a minimum
 * read rate for every message in progress, and caps on connections per peer address and
 * in all. Without them a peer that trickles bytes holds a socket, a buffer and a timer
 * for as long as it likes, and enough such peers exhaust the controller's file
 * descriptors before a real switch can reconnect (issue 11). Pure: numbers and counts;
 * the server and the connection apply them.
 */

export interface PortLimits {
  /**
   * From accept (TCP, or TLS before its own handshake) to a finished OpenFlow handshake
   * (hello, features, port descriptions). Open vSwitch needs milliseconds.
   */
  handshakeTimeoutMs: number;
  /** A message in progress must arrive at least this fast once its grace is over. */
  minReadBytesPerSec: number;
  /** What any message may take whatever its size (jitter, a busy switch, a slow link). */
  messageGraceMs: number;
  /** Open connections in all, handshaking or not; beyond it new ones are refused at accept. */
  maxConnections: number;
  /** Open connections from one peer address (one host running many bridges opens one each). */
  maxConnectionsPerPeer: number;
}

export const defaultPortLimits: Readonly<PortLimits> = Object.freeze({
  handshakeTimeoutMs: 10_000,
  // 128 kbit/s: far below any link a switch is managed over, yet a 64 KiB message (the
  // largest OpenFlow allows) sent at 1 byte/s is closed after 5 + 4 s, not held for hours.
  minReadBytesPerSec: 16_384,
  messageGraceMs: 5_000,
  maxConnections: 1024,
  maxConnectionsPerPeer: 64,
});

/** Bytes in an OpenFlow header: until they are in, the message's length is unknown. */
const HEADER_BYTES = 8;

/**
 * When a message that started arriving at `startedAt` must be complete: its grace plus its
 * length at the minimum rate (the header's length while the header itself is incomplete).
 * Counted from the message's first byte, so bytes trickling in never move it.
 */
export function messageDeadline(startedAt: number, length: number | undefined, limits: Pick<PortLimits, 'messageGraceMs' | 'minReadBytesPerSec'>): number {
  return startedAt + limits.messageGraceMs + Math.ceil(((length ?? HEADER_BYTES) * 1000) / limits.minReadBytesPerSec);
}

/** One key per host: an IPv4 peer seen through an IPv6 socket (`::ffff:a.b.c.d`) is that IPv4 host. */
export function peerKey(address: string | undefined): string {
  if (!address) return '?';
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return m ? m[1]! : address.toLowerCase();
}

/** Why a connection was refused at accept: a stable code for logs and counters. */
export type RefusalCode = 'PEER_LIMIT' | 'TOTAL_LIMIT';

export type Admission = { admitted: true } | { admitted: false; code: RefusalCode; reason: string };

/** Open connections per peer and in all, against the caps. */
export class ConnectionCounter {
  private readonly perPeer = new Map<string, number>();
  private open = 0;

  constructor(private readonly limits: Pick<PortLimits, 'maxConnections' | 'maxConnectionsPerPeer'>) {}

  get total(): number {
    return this.open;
  }

  of(peer: string): number {
    return this.perPeer.get(peer) ?? 0;
  }

  /** Counts the connection in when the caps allow it; a refused one is not counted. */
  admit(peer: string): Admission {
    const mine = this.of(peer);
    if (mine >= this.limits.maxConnectionsPerPeer) {
      return { admitted: false, code: 'PEER_LIMIT', reason: `${mine} connections from ${peer} already open (maxConnectionsPerPeer ${this.limits.maxConnectionsPerPeer})` };
    }
    if (this.open >= this.limits.maxConnections) {
      return { admitted: false, code: 'TOTAL_LIMIT', reason: `${this.open} connections already open (maxConnections ${this.limits.maxConnections})` };
    }
    this.perPeer.set(peer, mine + 1);
    this.open++;
    return { admitted: true };
  }

  /** An admitted connection ended. */
  release(peer: string): void {
    const mine = this.of(peer);
    if (mine === 0) return;
    if (mine === 1) this.perPeer.delete(peer);
    else this.perPeer.set(peer, mine - 1);
    this.open--;
  }
}
