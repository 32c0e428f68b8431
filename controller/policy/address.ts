/**
 * Addresses and networks, read by ONE strict parser wherever they come from (admin API,
 * CLI, config file, detection's lists, the policy's own keys), and written one way: IPv6
 * compressed, IPv4-mapped IPv6 as IPv4, host bits of a network cleared ("10.1.2.3/8" is
 * 10.0.0.0/8), a full prefix as the bare host ("10.0.0.5/32" is 10.0.0.5). The same source
 * never gets two reputations or two decisions, and a typo never becomes a network.
 *
 * Strict on purpose (issue 11: "198.51.100.3/" used to read as 0.0.0.0/0):
 *   address  dotted-quad IPv4 without leading zeros, or IPv6 without a zone id ("%eth0"
 *            names an interface of this host, not a source); the deprecated IPv4-compatible
 *            "::a.b.c.d" is refused (libraries disagree on what it means)
 *   /prefix  optional; decimal 0-32 (IPv4) or 0-128 (IPv6) and nothing else: no empty
 *            prefix, sign, leading zero, whitespace, fraction, hex or exponent
 *   mapped   ::ffff:a.b.c.d/96-128 is a.b.c.d/0-32; a mapped prefix under /96 covers more
 *            than IPv4 and has no IPv4 meaning, so it is refused
 *
 * Wide networks (isWide: IPv4 wider than /8, IPv6 wider than /16, /0 included) are valid
 * addresses, but a block or a whitelist/blocklist entry that wide is refused unless the
 * operator forces it (policy/admin.ts, policy/config.ts `forced`, policy/revisions.ts).
 */
import ipaddr from 'ipaddr.js';
import { z } from 'zod';
import { PolicyError } from './errors.js';

export type Address = ipaddr.IPv4 | ipaddr.IPv6;
export type Family = 'ipv4' | 'ipv6';

/** An address or a network, normalised. */
export interface Cidr {
  /** The network address (host bits cleared); IPv4 for an IPv4-mapped input. */
  address: Address;
  /** 32 (IPv4) or 128 (IPv6) for a single host. */
  prefix: number;
}

/** The widest prefix a block or list entry may have without being forced, per family. */
const WIDEST_UNFORCED_PREFIX: Readonly<Record<Family, number>> = { ipv4: 8, ipv6: 16 };

const PREFIX_DIGITS = /^(0|[1-9][0-9]{0,2})$/;
const DEPRECATED_COMPATIBLE = /^::[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$/;
/** IPv4-mapped addresses sit in ::ffff:0:0/96: their IPv4 prefix is the IPv6 one minus 96. */
const MAPPED_BITS = 96;

function fullPrefix(addr: Address): number {
  return addr.kind() === 'ipv4' ? 32 : 128;
}

/** The address as written (an IPv4-mapped one still IPv6), or why it is not one (undefined: not an address at all). */
function readRawAddress(text: string): Address | string | undefined {
  if (/\s/.test(text)) return `${JSON.stringify(text)} contains whitespace`;
  if (ipaddr.IPv4.isValidFourPartDecimal(text)) return ipaddr.IPv4.parse(text);
  if (text.includes(':')) {
    const zone = text.indexOf('%');
    if (zone >= 0) return `${JSON.stringify(text)} has a zone id (${text.slice(zone)}): a zone names an interface of this host, not a source`;
    if (DEPRECATED_COMPATIBLE.test(text)) return `${JSON.stringify(text)} is the deprecated IPv4-compatible form: write ${text.slice(2)} or ::ffff:${text.slice(2)}`;
    const quad = text.slice(text.lastIndexOf(':') + 1);
    if (quad.includes('.') && !ipaddr.IPv4.isValidFourPartDecimal(quad)) return `not an IPv6 address: ${JSON.stringify(text)} (its IPv4 part ${JSON.stringify(quad)} is not dotted decimal)`;
    if (ipaddr.IPv6.isValid(text)) return ipaddr.IPv6.parse(text);
  }
  return undefined;
}

/** An address that parsed, or the PolicyError saying why not (`text` is what the caller was given). */
function addressOrThrow(raw: Address | string | undefined, text: string): Address {
  if (raw === undefined) throw new PolicyError('POLICY_BAD_ADDRESS', `not an IPv4 or IPv6 address: ${JSON.stringify(text)}`);
  if (typeof raw === 'string') throw new PolicyError('POLICY_BAD_ADDRESS', raw);
  return raw;
}

function isMapped(addr: Address): addr is ipaddr.IPv6 {
  return addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).isIPv4MappedAddress();
}

function networkOf(addr: Address, prefix: number): Address {
  if (prefix >= fullPrefix(addr)) return addr;
  const cidr = `${addr.toString()}/${prefix}`;
  return addr.kind() === 'ipv4' ? ipaddr.IPv4.networkAddressFromCIDR(cidr) : ipaddr.IPv6.networkAddressFromCIDR(cidr);
}

/** An address and an optional prefix length → the normalised network, or why not. */
function toCidr(raw: Address, prefix: number | undefined, text: string): Cidr | string {
  const full = fullPrefix(raw);
  if (prefix !== undefined && !(Number.isInteger(prefix) && prefix >= 0 && prefix <= full)) {
    return `${text}: prefix length must be 0-${full} for ${raw.kind() === 'ipv4' ? 'IPv4' : 'IPv6'}, got ${prefix}`;
  }
  if (isMapped(raw)) {
    const v4 = raw.toIPv4Address();
    if (prefix === undefined) return { address: v4, prefix: 32 };
    if (prefix < MAPPED_BITS) return `${text}: an IPv4-mapped network needs a prefix of ${MAPPED_BITS}-128 (/${MAPPED_BITS} + its IPv4 prefix); /${prefix} covers more than IPv4`;
    return { address: networkOf(v4, prefix - MAPPED_BITS), prefix: prefix - MAPPED_BITS };
  }
  const bits = prefix ?? full;
  return { address: networkOf(raw, bits), prefix: bits };
}

/** "a", "a/n": the normalised network, or the reason it is not one (for schemas and messages). */
export function readCidr(text: string): Cidr | string {
  const slash = text.indexOf('/');
  const addressText = slash < 0 ? text : text.slice(0, slash);
  const raw = readRawAddress(addressText);
  if (raw === undefined) return `not an IPv4/IPv6 address or CIDR: ${JSON.stringify(text)}`;
  if (typeof raw === 'string') return raw;
  if (slash < 0) return toCidr(raw, undefined, text);
  const prefixText = text.slice(slash + 1);
  const full = fullPrefix(raw);
  if (prefixText === '') return `${JSON.stringify(text)} ends in "/": give a prefix length 0-${full}, or no "/" for a single address`;
  if (!PREFIX_DIGITS.test(prefixText)) {
    return `${JSON.stringify(text)}: the prefix length must be a plain decimal number 0-${full} (no sign, leading zero, space, fraction, hex or exponent), got ${JSON.stringify(prefixText)}`;
  }
  return toCidr(raw, Number(prefixText), JSON.stringify(text));
}

/** Like readCidr; throws PolicyError POLICY_BAD_ADDRESS with the reason. */
export function parseCidr(text: string): Cidr {
  const c = readCidr(text);
  if (typeof c === 'string') throw new PolicyError('POLICY_BAD_ADDRESS', c);
  return c;
}

/** A single address, no prefix; IPv4-mapped IPv6 comes back as IPv4. Throws POLICY_BAD_ADDRESS. */
function parseAddress(text: string): Address {
  const raw = addressOrThrow(readRawAddress(text), text);
  return isMapped(raw) ? raw.toIPv4Address() : raw;
}

/** The one spelling: "203.0.113.7" for a host, "203.0.113.0/24" for a network. */
export function cidrText(c: Cidr): string {
  return c.prefix >= fullPrefix(c.address) ? c.address.toString() : `${c.address.toString()}/${c.prefix}`;
}

/** A source given as address + optional prefix length (a decision's target, a detection), normalised. Throws POLICY_BAD_ADDRESS. */
export function sourceCidr(src: string, prefix?: number): Cidr {
  const c = toCidr(addressOrThrow(readRawAddress(src), src), prefix, src);
  if (typeof c === 'string') throw new PolicyError('POLICY_BAD_ADDRESS', c);
  return c;
}

/** The policy key of a source given as address + optional prefix length (throws POLICY_BAD_ADDRESS). */
export function sourceKey(src: string, prefix?: number): string {
  return cidrText(sourceCidr(src, prefix));
}

/** A source or network given as text ("a" or "a/n") → its policy key (throws POLICY_BAD_ADDRESS). */
export function cidrKey(text: string): string {
  return cidrText(parseCidr(text));
}

/** The network as the policy's target fields: src (network address) and srcPrefix for a network. */
export function cidrTarget(c: Cidr): { src: string; srcPrefix?: number } {
  const src = c.address.toString();
  return c.prefix >= fullPrefix(c.address) ? { src } : { src, srcPrefix: c.prefix };
}

/** Wider than /8 (IPv4) or /16 (IPv6): a block or list entry this wide must be forced. */
export function isWide(c: Cidr): boolean {
  return c.prefix < WIDEST_UNFORCED_PREFIX[c.address.kind()];
}

/** The message for a wide network that was not forced; `how` says how to force it here. */
export function wideMessage(c: Cidr, how: string): string {
  const family = c.address.kind();
  const scope = c.prefix === 0 ? `every ${family === 'ipv4' ? 'IPv4' : 'IPv6'} address` : `more than a /${WIDEST_UNFORCED_PREFIX[family]}`;
  return `${cidrText(c)} covers ${scope}: refused unless forced (${how})`;
}

/** The /24 (IPv4) or /64 (IPv6) a source belongs to: the unit of a subnet-wide attack. */
export function subnetKey(src: string): string {
  const addr = parseAddress(src);
  return cidrText({ address: networkOf(addr, addr.kind() === 'ipv4' ? 24 : 64), prefix: addr.kind() === 'ipv4' ? 24 : 64 });
}

/** A config entry (address or network) the strict parser reads; kept as written (notes are keyed by it). */
export const cidrEntry = z.string().superRefine((text, ctx) => {
  const c = readCidr(text);
  if (typeof c === 'string') ctx.addIssue({ code: 'custom', message: c });
});
