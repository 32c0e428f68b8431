/**
 * Address helpers for the hot path. IPv4 sources are keyed by their 32-bit value so the
 * source table can live in typed arrays; everything else (IPv6, subnet keys) falls back
 * to strings. Parsing is allocation-free because it runs once per FlowDelta.
 */
import ipaddr from 'ipaddr.js';

/** Dotted IPv4 to its unsigned 32-bit value, or -1 when `s` is not plain dotted IPv4. */
export function parseIPv4(s: string): number {
  let acc = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || dots === 3) return -1;
      acc = acc * 256 + part;
      part = 0;
      digits = 0;
      dots++;
    } else if (c >= 48 && c <= 57) {
      part = part * 10 + (c - 48);
      if (++digits > 3 || part > 255) return -1;
    } else return -1;
  }
  if (dots !== 3 || digits === 0) return -1;
  return acc * 256 + part;
}

export function formatIPv4(n: number): string {
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

/** murmur3 finaliser: spreads consecutive addresses over the whole 32-bit space. */
export function hash32(x: number): number {
  let h = x | 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** FNV-1a over UTF-16 code units, finalised with hash32. */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return hash32(h);
}

/**
 * The subnet a source belongs to for "subnet-wide attack" grouping: /24 for IPv4, /64 for
 * IPv6. Returns undefined for text that is not an address (e.g. an aggregate key).
 */
export function subnetOf(src: string): { network: string; prefix: number } | undefined {
  const v4 = parseIPv4(src);
  if (v4 >= 0) return { network: formatIPv4((v4 & 0xffffff00) >>> 0), prefix: 24 };
  if (!ipaddr.IPv6.isValid(src)) return undefined;
  const parts = ipaddr.IPv6.parse(src).parts.slice(0, 4).concat([0, 0, 0, 0]);
  return { network: new ipaddr.IPv6(parts).toString(), prefix: 64 };
}
