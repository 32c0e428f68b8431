/**
 * What one switch holds of ours in the guard table: mitigation flows and the meters they
 * use, read back with a cookie-masked flow-stats request and a meter-config request (or
 * believed, after a batch the switch accepted). Plus the canonical keys the plan diffs by:
 * the switch knows a flow by table + priority + match, whatever order its fields arrive in.
 */
import ipaddr from 'ipaddr.js';
import type { FlowStats, Instruction, Match, MeterBand, MeterConfig } from '../openflow/index.js';
import { Meter, MeterFlags } from '../openflow/constants.js';
import { TABLE } from '../../flows/layout.js';
import { isMitigationCookie } from './templates.js';

export interface HeldFlow {
  cookie: bigint;
  priority: number;
  match: Match;
  instructions: Instruction[];
  /** Seconds, as installed (flow stats report the configured value, not what is left). */
  hardTimeout: number;
  /** When the switch started the flow's hard timeout (ms, our clock). */
  installedAt: number;
}

export interface HeldMeter {
  meterId: number;
  flags: number;
  bands: MeterBand[];
}

export interface HeldState {
  flows: readonly HeldFlow[];
  meters: readonly HeldMeter[];
}

export const EMPTY_HELD: HeldState = { flows: [], meters: [] };

/**
 * The mitigation part of a switch's replies: guard-table flows with a mitigation cookie
 * (the pipeline's LLDP and default flows share the table and the owner cookie), and the
 * numbered meters (the controller meter is the pipeline's).
 */
export function heldFromSwitch(flows: readonly FlowStats[], meters: readonly MeterConfig[], readAt: number): HeldState {
  const held: HeldFlow[] = [];
  for (const f of flows) {
    if (f.tableId !== TABLE.guard || !isMitigationCookie(f.cookie)) continue;
    held.push({
      cookie: f.cookie, priority: f.priority, match: f.match, instructions: f.instructions, hardTimeout: f.hardTimeout,
      installedAt: readAt - f.durationSec * 1000 - Math.floor(f.durationNsec / 1e6),
    });
  }
  const ours: HeldMeter[] = [];
  for (const m of meters) if (m.meterId >= 1 && m.meterId <= Meter.MAX) ours.push({ meterId: m.meterId, flags: m.flags, bands: m.bands });
  return { flows: held, meters: ours };
}

const IPV6_KEYS: ReadonlySet<string> = new Set(['ipv6Src', 'ipv6SrcMask', 'ipv6Dst', 'ipv6DstMask']);
const FULL_MASKS: ReadonlySet<string> = new Set(['255.255.255.255', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff']);

function canonicalValue(key: string, value: unknown): string {
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'string' && IPV6_KEYS.has(key)) return ipaddr.IPv6.parse(value).toString();
  if (Buffer.isBuffer(value)) return value.toString('hex');
  if (value !== null && typeof value === 'object') return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v));
  return String(value);
}

/** Order-free spelling of a match; an all-ones mask is the same as no mask. */
export function matchKey(match: Match): string {
  const keys = Object.keys(match).sort();
  let out = '';
  for (const key of keys) {
    const value = (match as Record<string, unknown>)[key];
    if (value === undefined) continue;
    const text = canonicalValue(key, value);
    if (key.endsWith('Mask') && FULL_MASKS.has(text)) continue;
    out += `${key}=${text};`;
  }
  return out;
}

/** The switch's identity of a flow inside the guard table. */
export function flowKey(priority: number, match: Match): string {
  return `${priority}|${matchKey(match)}`;
}

export function instructionsKey(instructions: readonly Instruction[]): string {
  return canonicalValue('instructions', instructions);
}

/**
 * What makes two meter configs the same meter: unit, bands and rates, and the burst only
 * when the BURST flag makes the switch use it (a switch may report a burst it ignores).
 */
export function bandsKey(m: Pick<HeldMeter, 'flags' | 'bands'>): string {
  const burst = (m.flags & MeterFlags.BURST) !== 0;
  let out = `${m.flags & (MeterFlags.KBPS | MeterFlags.PKTPS | MeterFlags.BURST)}`;
  for (const b of m.bands) out += `|${b.type}:${b.rate}:${burst ? b.burstSize : '-'}`;
  return out;
}

/** The meter a flow's instructions point at, if any. */
export function meterOf(instructions: readonly Instruction[]): number | undefined {
  for (const i of instructions) if (i.type === 'meter') return i.meterId;
  return undefined;
}
