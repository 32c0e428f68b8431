/** ofp_port (port description), port-status, port-mod and port statistics. */
import { formatMac, writeMac } from './address.js';
import { fixedString, u32, u64 } from './reader.js';
import { exactLength } from './body.js';
import type { PortDescription, PortModMessage, PortStats, PortStatusMessage } from './types.js';
import type { OfWriter } from './writer.js';

export const PORT_DESC_LEN = 64;
export const PORT_STATS_LEN = 112;

/** Decodes a 64-byte ofp_port at `o` (the caller has checked the bytes are there). */
export function decodePortDescription(b: Buffer, o: number): PortDescription {
  return {
    portNo: u32(b, o),
    hwAddr: formatMac(b, o + 8),
    name: fixedString(b, o + 16, 16),
    config: u32(b, o + 32),
    state: u32(b, o + 36),
    curr: u32(b, o + 40),
    advertised: u32(b, o + 44),
    supported: u32(b, o + 48),
    peer: u32(b, o + 52),
    currSpeed: u32(b, o + 56),
    maxSpeed: u32(b, o + 60),
  };
}

export function encodePortDescription(w: OfWriter, p: PortDescription): void {
  w.u32(p.portNo);
  w.zeros(4);
  w.ensure(6);
  writeMac(p.hwAddr, w.buf, w.pos);
  w.pos += 6;
  w.zeros(2);
  w.fixedString(p.name, 16);
  w.u32(p.config);
  w.u32(p.state);
  w.u32(p.curr);
  w.u32(p.advertised);
  w.u32(p.supported);
  w.u32(p.peer);
  w.u32(p.currSpeed);
  w.u32(p.maxSpeed);
}

export function decodePortStats(b: Buffer, o: number): PortStats {
  return {
    portNo: u32(b, o),
    rxPackets: u64(b, o + 8),
    txPackets: u64(b, o + 16),
    rxBytes: u64(b, o + 24),
    txBytes: u64(b, o + 32),
    rxDropped: u64(b, o + 40),
    txDropped: u64(b, o + 48),
    rxErrors: u64(b, o + 56),
    txErrors: u64(b, o + 64),
    rxFrameErr: u64(b, o + 72),
    rxOverErr: u64(b, o + 80),
    rxCrcErr: u64(b, o + 88),
    collisions: u64(b, o + 96),
    durationSec: u32(b, o + 104),
    durationNsec: u32(b, o + 108),
  };
}

export function encodePortStats(w: OfWriter, s: PortStats): void {
  w.u32(s.portNo);
  w.zeros(4);
  w.u64(s.rxPackets);
  w.u64(s.txPackets);
  w.u64(s.rxBytes);
  w.u64(s.txBytes);
  w.u64(s.rxDropped);
  w.u64(s.txDropped);
  w.u64(s.rxErrors);
  w.u64(s.txErrors);
  w.u64(s.rxFrameErr);
  w.u64(s.rxOverErr);
  w.u64(s.rxCrcErr);
  w.u64(s.collisions);
  w.u32(s.durationSec);
  w.u32(s.durationNsec);
}

export function decodePortStatus(b: Buffer, o: number, end: number, version: number, xid: number): PortStatusMessage {
  exactLength('port_status', end - o, 16 + PORT_DESC_LEN, o);
  return { version, type: 'port_status', xid, reason: b[o + 8]!, port: decodePortDescription(b, o + 16) };
}

export function encodePortStatus(w: OfWriter, m: PortStatusMessage): void {
  w.u8(m.reason);
  w.zeros(7);
  encodePortDescription(w, m.port);
}

export function decodePortMod(b: Buffer, o: number, end: number, version: number, xid: number): PortModMessage {
  exactLength('port_mod', end - o, 40, o);
  return {
    version,
    type: 'port_mod',
    xid,
    portNo: u32(b, o + 8),
    hwAddr: formatMac(b, o + 16),
    config: u32(b, o + 24),
    mask: u32(b, o + 28),
    advertise: u32(b, o + 32),
  };
}

export function encodePortMod(w: OfWriter, m: PortModMessage): void {
  w.u32(m.portNo);
  w.zeros(4);
  w.ensure(6);
  writeMac(m.hwAddr, w.buf, w.pos);
  w.pos += 6;
  w.zeros(2);
  w.u32(m.config);
  w.u32(m.mask);
  w.u32(m.advertise);
  w.zeros(4);
}
