/**
 * Whitelisted networks are never blocked, whatever the score. A target is refused when it
 * overlaps a whitelisted network in either direction: a host inside it, or a subnet block
 * that would cover it.
 */
import { parseCidr, sourceCidr, type Cidr } from './address.js';

export class Whitelist {
  private readonly nets: Cidr[];

  /** Entries as the policy config holds them (already checked by its schema); throws POLICY_BAD_ADDRESS otherwise. */
  constructor(cidrs: readonly string[]) {
    this.nets = cidrs.map(parseCidr);
  }

  get size(): number {
    return this.nets.length;
  }

  /** Does blocking `src` (or the network src/prefix) touch a whitelisted address? */
  covers(src: string, prefix?: number): boolean {
    const { address: addr, prefix: bits } = sourceCidr(src, prefix);
    for (const { address: net, prefix: netBits } of this.nets) {
      if (net.kind() !== addr.kind()) continue;
      // Overlap: the shorter of the two prefixes contains the other's address.
      if (bits >= netBits ? addr.match(net, netBits) : net.match(addr, bits)) return true;
    }
    return false;
  }
}
