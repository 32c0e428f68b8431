/**
 * The keys the policy keeps its books by, and the one spelling of a target for people.
 * A source key is the normalised source ("203.0.113.7", "203.0.113.0/24": address.ts); a
 * victim key names a destination under a server-level throttle ("victim:10.0.0.1").
 * Every module builds and reads keys through these functions, never by string surgery.
 */
import { sourceKey } from './address.js';
import type { Decision, DecisionTarget } from './decision.js';

/** A policy book key: a source key, or a victim key. */
export type PolicyKey = string;

const VICTIM_PREFIX = 'victim:';

export function victimKey(dst: string): PolicyKey {
  return `${VICTIM_PREFIX}${sourceKey(dst)}`;
}

export function isVictimKey(key: PolicyKey): boolean {
  return key.startsWith(VICTIM_PREFIX);
}

/** The destination a victim key names. */
export function victimOf(key: PolicyKey): string {
  return key.slice(VICTIM_PREFIX.length);
}

/**
 * An address as it enters at one point ("10.0.0.10@0000000000000001:5"): what the policy
 * keeps apart when the address also enters elsewhere, so a forgery of a host's address has
 * its own record and its own decision at its own port, and the host keeps its own.
 */
export function entryKey(src: string, srcPrefix: number | undefined, dpid: string, inPort: number | undefined): PolicyKey {
  return `${sourceKey(src, srcPrefix)}@${dpid}${inPort === undefined ? '' : `:${inPort}`}`;
}

export function isEntryKey(key: PolicyKey): boolean {
  return key.includes('@');
}

const FLOOD_PREFIX = 'flood:';

/**
 * A flood of untrusted sources at one entry point toward one destination:
 * "flood:<dpid>:<port>:<mac>><dst>/<proto>[/syn][/sport<n>]" ('*' for what is not named).
 */
export function floodKey(t: DecisionTarget): PolicyKey {
  const scope = `${t.dpid ?? '*'}:${t.inPort ?? '*'}:${t.ethSrc ?? '*'}`;
  return `${FLOOD_PREFIX}${scope}>${t.dst ?? '*'}/${t.proto ?? '*'}${t.synOnly ? '/syn' : ''}${t.srcPort !== undefined ? `/sport${t.srcPort}` : ''}`;
}

export function isFloodKey(key: PolicyKey): boolean {
  return key.startsWith(FLOOD_PREFIX);
}

const PROTO_NAMES: Record<number, string> = { 1: 'icmp', 6: 'tcp', 17: 'udp', 58: 'icmpv6', 132: 'sctp' };

/** A datapath id as people write it: hex without the leading zeros ("1", "a2"). */
function shortDpid(dpid: string): string {
  return dpid.replace(/^0+(?=.)/, '');
}

/**
 * What part of the traffic a decision covers, for people (CLI, dashboard, events): "all",
 * "tcp/22", "to 10.0.0.5", "at 1:3"; for a flood, where it enters toward whom:
 * "at 1:5 → 10.0.0.100 tcp-syn", "at 1:5 (02:00:00:00:00:09) → 10.0.0.100 udp from :53".
 */
export function describeScope(t: DecisionTarget): string {
  const proto = (p: number) => PROTO_NAMES[p] ?? `proto ${p}`;
  if (t.flood) {
    const at = `at ${t.dpid ? shortDpid(t.dpid) : '?'}:${t.inPort ?? '?'}${t.ethSrc ? ` (${t.ethSrc})` : ''}`;
    const what = t.proto === undefined ? 'ip' : `${proto(t.proto)}${t.synOnly ? '-syn' : ''}${t.srcPort !== undefined ? ` from :${t.srcPort}` : ''}`;
    return `${at} → ${t.dst ?? '?'} ${what}${t.shared ? ' (shared entry)' : ''}`;
  }
  const parts: string[] = [];
  if (t.proto !== undefined) parts.push(proto(t.proto) + (t.dstPort !== undefined ? `/${t.dstPort}` : ''));
  else if (t.dstPort !== undefined) parts.push(`port ${t.dstPort}`);
  if (t.dst) parts.push(`to ${t.dst}`);
  if (t.dpid) parts.push(`at ${shortDpid(t.dpid)}${t.inPort !== undefined ? `:${t.inPort}` : ''}`);
  return parts.length ? parts.join(' ') : 'all';
}

/** The key a decision is kept under: its victim for a server-level throttle, its entry point when it has one of its own, else its source. */
export function decisionKey(d: Decision): PolicyKey {
  if (d.target.flood) return floodKey(d.target);
  if (d.action === 'throttle-victim' && d.target.dst) return victimKey(d.target.dst);
  if (d.target.entry) return entryKey(d.target.src, d.target.srcPrefix, d.target.dpid!, d.target.inPort);
  return sourceKey(d.target.src, d.target.srcPrefix);
}

/** A source (or entry) key back into the target fields it stands for. */
export function targetOfKey(key: PolicyKey): DecisionTarget {
  const at = key.indexOf('@');
  const source = at < 0 ? key : key.slice(0, at);
  const slash = source.indexOf('/');
  const target: DecisionTarget = slash < 0 ? { src: source } : { src: source.slice(0, slash), srcPrefix: Number(source.slice(slash + 1)) };
  if (at >= 0) {
    const [dpid, port] = key.slice(at + 1).split(':');
    target.dpid = dpid!;
    if (port !== undefined) target.inPort = Number(port);
    target.entry = true;
  }
  return target;
}

export { sourceText } from '../detect/detection.js';
