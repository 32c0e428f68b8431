/**
 * Signature rules: whitelist (never detected), local blocklists (FireHOL / Spamhaus
 * netsets) and protocol anomalies. The matcher is pure and immutable; loading files and
 * noticing changes is netset-watch.ts's job.
 */
import { SIGNAL } from './signals.js';
import ipaddr from 'ipaddr.js';
import type { Signal } from './detection.js';
import { parseIPv4 } from './ip.js';
import { SIGNAL_POINTS } from './patterns.js';
import { readCidr } from '../policy/address.js';

/**
 * IPv4 ranges merged and sorted for binary search (a full FireHOL level 1 list, ~4 500
 * entries, answers in ~12 comparisons); IPv6 prefixes checked with ipaddr.js.
 */
export class PrefixMatcher {
  private readonly starts: Float64Array;
  private readonly ends: Float64Array;
  private readonly v6: [ipaddr.IPv6, number][];
  readonly size: number;

  constructor(cidrs: readonly string[]) {
    const ranges: [number, number][] = [];
    this.v6 = [];
    for (const c of cidrs) {
      const [addr, len] = parseCidr(c);
      if (addr.kind() === 'ipv4') {
        const base = parseIPv4(addr.toString());
        const span = 2 ** (32 - len);
        const start = Math.floor(base / span) * span;
        ranges.push([start, start + span - 1]);
      } else this.v6.push([addr as ipaddr.IPv6, len]);
    }
    ranges.sort((a, b) => a[0] - b[0]);
    const merged: [number, number][] = [];
    for (const r of ranges) {
      const last = merged[merged.length - 1];
      if (last && r[0] <= last[1] + 1) last[1] = Math.max(last[1], r[1]);
      else merged.push([r[0], r[1]]);
    }
    this.starts = Float64Array.from(merged, (r) => r[0]);
    this.ends = Float64Array.from(merged, (r) => r[1]);
    this.size = cidrs.length;
  }

  has(ip: string): boolean {
    const v4 = parseIPv4(ip);
    if (v4 >= 0) return this.hasV4(v4);
    if (this.v6.length === 0 || !ipaddr.isValid(ip)) return false;
    let a = ipaddr.parse(ip);
    if (a.kind() === 'ipv6' && (a as ipaddr.IPv6).isIPv4MappedAddress()) return this.hasV4(parseIPv4((a as ipaddr.IPv6).toIPv4Address().toString()));
    if (a.kind() !== 'ipv6') return false;
    a = a as ipaddr.IPv6;
    for (const [net, len] of this.v6) if ((a as ipaddr.IPv6).match(net, len)) return true;
    return false;
  }

  hasV4(v4: number): boolean {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (v4 < this.starts[mid]!) hi = mid - 1;
      else if (v4 > this.ends[mid]!) lo = mid + 1;
      else return true;
    }
    return false;
  }
}

/**
 * "a.b.c.d", "a.b.c.d/n", IPv6 likewise, read by the one strict parser (policy/address.ts:
 * IPv4-mapped networks come back as IPv4); throws RulesError on anything else.
 */
export function parseCidr(text: string): [ipaddr.IPv4 | ipaddr.IPv6, number] {
  const c = readCidr(text);
  if (typeof c === 'string') throw new RulesError('DETECT_BAD_CIDR', `not an IP address or CIDR: ${c}`);
  return [c.address, c.prefix];
}

export interface NetsetParse {
  entries: string[];
  /** Lines that were neither comments nor addresses, 1-based, for the operator. */
  invalid: { line: number; text: string }[];
}

/**
 * FireHOL / Spamhaus DROP style: one IP or CIDR per line, comments from `#` or `;` to the
 * end of the line (Spamhaus puts its SBL id after `;`), blank lines ignored.
 */
export function parseNetset(text: string): NetsetParse {
  const entries: string[] = [];
  const invalid: { line: number; text: string }[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!;
    let end = raw.length;
    const hash = raw.indexOf('#');
    const semi = raw.indexOf(';');
    if (hash >= 0) end = hash;
    if (semi >= 0 && semi < end) end = semi;
    const t = raw.slice(0, end).trim();
    if (t === '') continue;
    const token = t.split(/\s+/)[0]!;
    try {
      parseCidr(token);
      entries.push(token);
    } catch {
      invalid.push({ line: i + 1, text: raw });
    }
  }
  return { entries, invalid };
}

export interface ProtocolFacts {
  portZero: boolean;
  land: boolean;
  icmpErrorRate: number;
}

/** Traffic no legitimate stack sends: TCP/UDP to port 0, LAND, floods of ICMP errors. */
export function protocolAnomalies(f: ProtocolFacts, icmpErrorFlood: number): Signal[] {
  const out: Signal[] = [];
  if (f.portZero) out.push({ name: SIGNAL.protocolPortZero, points: SIGNAL_POINTS.protocol, detail: 'TCP/UDP to port 0' });
  if (f.land) out.push({ name: SIGNAL.protocolLand, points: SIGNAL_POINTS.protocol, detail: 'source equals destination' });
  if (f.icmpErrorRate >= icmpErrorFlood) {
    out.push({ name: SIGNAL.protocolIcmpErrorFlood, points: SIGNAL_POINTS.protocol, detail: `${f.icmpErrorRate.toFixed(0)} ICMP errors/s ≥ ${icmpErrorFlood}` });
  }
  return out;
}

export class RulesError extends Error {
  constructor(readonly code: 'DETECT_BAD_CIDR' | 'DETECT_NETSET_READ', message: string) {
    super(message);
    this.name = 'RulesError';
  }
}
