/**
 * Just enough packet parsing for a packet-in: Ethernet (with one 802.1Q tag), ARP, IPv4,
 * IPv6 (fixed header), TCP/UDP ports and flags, ICMP/ICMPv6 type; plus LLDP frames that
 * ofguard sends itself for link discovery. Truncated data gives a shorter summary, never
 * a throw: a switch may send only the first bytes of a packet.
 */

export const ETH_TYPE = { ipv4: 0x0800, arp: 0x0806, vlan: 0x8100, ipv6: 0x86dd, lldp: 0x88cc } as const;

export interface PacketSummary {
  ethSrc: string;
  ethDst: string;
  ethType: number;
  vlan?: number;
  ipSrc?: string;
  ipDst?: string;
  ipProto?: number;
  srcPort?: number;
  dstPort?: number;
  tcpFlags?: number;
  icmpType?: number;
  /** ARP sender address (to learn hosts from ARP as well) */
  arpSpa?: string;
  arpTpa?: string;
}

export function macToString(buf: Buffer, off: number): string {
  let s = '';
  for (let i = 0; i < 6; i++) s += (i ? ':' : '') + buf[off + i].toString(16).padStart(2, '0');
  return s;
}

export function macToBuffer(mac: string): Buffer {
  return Buffer.from(mac.split(':').map((h) => parseInt(h, 16)));
}

function ipv4ToString(buf: Buffer, off: number): string {
  return `${buf[off]}.${buf[off + 1]}.${buf[off + 2]}.${buf[off + 3]}`;
}

function ipv6ToString(buf: Buffer, off: number): string {
  const groups: string[] = [];
  for (let i = 0; i < 8; i++) groups.push(buf.readUInt16BE(off + i * 2).toString(16));
  // Compress the longest run of zero groups, as RFC 5952 asks.
  let bestStart = -1, bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== '0') { i++; continue; }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > bestLen && j - i > 1) { bestStart = i; bestLen = j - i; }
    i = j;
  }
  if (bestStart < 0) return groups.join(':');
  return `${groups.slice(0, bestStart).join(':')}::${groups.slice(bestStart + bestLen).join(':')}`;
}

export function parsePacket(data: Buffer): PacketSummary | undefined {
  if (data.length < 14) return undefined;
  const p: PacketSummary = { ethDst: macToString(data, 0), ethSrc: macToString(data, 6), ethType: data.readUInt16BE(12) };
  let off = 14;
  if (p.ethType === ETH_TYPE.vlan && data.length >= 18) {
    p.vlan = data.readUInt16BE(14) & 0x0fff;
    p.ethType = data.readUInt16BE(16);
    off = 18;
  }
  if (p.ethType === ETH_TYPE.arp) {
    if (data.length >= off + 28) {
      p.arpSpa = ipv4ToString(data, off + 14);
      p.arpTpa = ipv4ToString(data, off + 24);
    }
    return p;
  }
  let l4 = -1;
  if (p.ethType === ETH_TYPE.ipv4 && data.length >= off + 20) {
    const ihl = (data[off] & 0x0f) * 4;
    p.ipProto = data[off + 9];
    p.ipSrc = ipv4ToString(data, off + 12);
    p.ipDst = ipv4ToString(data, off + 16);
    const fragOffset = data.readUInt16BE(off + 6) & 0x1fff;
    if (fragOffset === 0) l4 = off + ihl; // later fragments carry no L4 header
  } else if (p.ethType === ETH_TYPE.ipv6 && data.length >= off + 40) {
    p.ipProto = data[off + 6];
    p.ipSrc = ipv6ToString(data, off + 8);
    p.ipDst = ipv6ToString(data, off + 24);
    l4 = off + 40;
  }
  if (l4 < 0) return p;
  if ((p.ipProto === 6 || p.ipProto === 17) && data.length >= l4 + 4) {
    p.srcPort = data.readUInt16BE(l4);
    p.dstPort = data.readUInt16BE(l4 + 2);
    if (p.ipProto === 6 && data.length >= l4 + 14) p.tcpFlags = data.readUInt16BE(l4 + 12) & 0x0fff;
  } else if ((p.ipProto === 1 || p.ipProto === 58) && data.length >= l4 + 1) {
    p.icmpType = data[l4];
  }
  return p;
}

/**
 * LLDP frame that carries (dpid, port) of the sender, for link discovery. Chassis id is
 * "dpid:<16 hex>" (locally assigned subtype 7), port id is the port number (subtype 7).
 */
const LLDP_MULTICAST = '01:80:c2:00:00:0e';

export function buildLldp(dpid: string, portNo: number, portMac: string): Buffer {
  const chassis = Buffer.from(`dpid:${dpid}`);
  const port = Buffer.from(String(portNo));
  const tlv = (type: number, value: Buffer) => {
    const b = Buffer.alloc(2 + value.length);
    b.writeUInt16BE((type << 9) | value.length, 0);
    value.copy(b, 2);
    return b;
  };
  const ttl = Buffer.alloc(2);
  ttl.writeUInt16BE(120, 0);
  const eth = Buffer.alloc(14);
  macToBuffer(LLDP_MULTICAST).copy(eth, 0);
  macToBuffer(portMac).copy(eth, 6);
  eth.writeUInt16BE(ETH_TYPE.lldp, 12);
  return Buffer.concat([
    eth,
    tlv(1, Buffer.concat([Buffer.from([7]), chassis])),
    tlv(2, Buffer.concat([Buffer.from([7]), port])),
    tlv(3, ttl),
    Buffer.from([0, 0]), // end of LLDPDU
  ]);
}

/** The (dpid, port) an ofguard LLDP frame was sent from, or undefined for any other frame. */
export function parseLldp(data: Buffer): { dpid: string; portNo: number } | undefined {
  if (data.length < 16 || data.readUInt16BE(12) !== ETH_TYPE.lldp) return undefined;
  let off = 14;
  let dpid: string | undefined;
  let portNo: number | undefined;
  while (off + 2 <= data.length) {
    const head = data.readUInt16BE(off);
    const type = head >> 9, len = head & 0x1ff;
    if (type === 0 || off + 2 + len > data.length) break;
    const value = data.subarray(off + 2, off + 2 + len);
    if (type === 1 && value[0] === 7) {
      const s = value.subarray(1).toString();
      if (s.startsWith('dpid:')) dpid = s.slice(5);
    } else if (type === 2 && value[0] === 7) {
      const n = Number(value.subarray(1).toString());
      if (Number.isInteger(n)) portNo = n;
    }
    off += 2 + len;
  }
  return dpid !== undefined && portNo !== undefined ? { dpid, portNo } : undefined;
}
