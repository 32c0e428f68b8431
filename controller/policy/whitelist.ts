/**
 * Whitelisted networks are never blocked, whatever the score. A target is refused when it
 * overlaps a whitelisted network in either direction: a host inside it, or a subnet block
 * that would cover it.
 */
import ipaddr from 'ipaddr.js';
import { fullPrefix, parseAddress, type Address } from './address.js';
import { PolicyError } from './errors.js';

export class Whitelist {
  private readonly nets: Array<[Address, number]> = [];

  constructor(cidrs: readonly string[]) {
    for (const text of cidrs) {
      if (text.includes('/')) {
        let net: [Address, number];
        try {
          net = ipaddr.parseCIDR(text);
        } catch {
          throw new PolicyError('POLICY_BAD_ADDRESS', `not a CIDR: ${JSON.stringify(text)}`);
        }
        const addr = net[0].kind() === 'ipv6' && (net[0] as ipaddr.IPv6).isIPv4MappedAddress() ? (net[0] as ipaddr.IPv6).toIPv4Address() : net[0];
        this.nets.push([addr, addr === net[0] ? net[1] : Math.max(0, net[1] - 96)]);
      } else {
        const addr = parseAddress(text);
        this.nets.push([addr, fullPrefix(addr)]);
      }
    }
  }

  get size(): number {
    return this.nets.length;
  }

  /** Does blocking `src` (or the network src/prefix) touch a whitelisted address? */
  covers(src: string, prefix?: number): boolean {
    const addr = parseAddress(src);
    const bits = prefix ?? fullPrefix(addr);
    for (const [net, netBits] of this.nets) {
      if (net.kind() !== addr.kind()) continue;
      // Overlap: the shorter of the two prefixes contains the other's address.
      if (bits >= netBits ? addr.match(net, netBits) : net.match(addr, bits)) return true;
    }
    return false;
  }
}
