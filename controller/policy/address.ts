/**
 * Source addresses as policy keys: one spelling per address (IPv6 compressed, IPv4-mapped
 * IPv6 as IPv4), so the same source never gets two reputations or two decisions.
 */
import ipaddr from 'ipaddr.js';
import { PolicyError } from './errors.js';

export type Address = ipaddr.IPv4 | ipaddr.IPv6;

export function parseAddress(text: string): Address {
  if (!ipaddr.IPv4.isValidFourPartDecimal(text) && !ipaddr.IPv6.isValid(text)) {
    throw new PolicyError('POLICY_BAD_ADDRESS', `not an IPv4 or IPv6 address: ${JSON.stringify(text)}`);
  }
  return ipaddr.process(text);
}

export function fullPrefix(addr: Address): number {
  return addr.kind() === 'ipv4' ? 32 : 128;
}

/** "203.0.113.7" for a host, "203.0.113.0/24" for a network (host bits cleared). */
export function sourceKey(src: string, prefix?: number): string {
  const addr = parseAddress(src);
  const full = fullPrefix(addr);
  if (prefix === undefined || prefix >= full) return addr.toString();
  if (!Number.isInteger(prefix) || prefix < 0) throw new PolicyError('POLICY_BAD_ADDRESS', `bad prefix length ${prefix} for ${src}`);
  return `${networkOf(addr, prefix).toString()}/${prefix}`;
}

export function networkOf(addr: Address, prefix: number): Address {
  const cidr = `${addr.toString()}/${prefix}`;
  return addr.kind() === 'ipv4' ? ipaddr.IPv4.networkAddressFromCIDR(cidr) : ipaddr.IPv6.networkAddressFromCIDR(cidr);
}

/** The /24 (IPv4) or /64 (IPv6) a source belongs to: the unit of a subnet-wide attack. */
export function subnetKey(src: string): string {
  const addr = parseAddress(src);
  return sourceKey(addr.toString(), addr.kind() === 'ipv4' ? 24 : 64);
}
