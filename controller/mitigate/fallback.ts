/**
 * What a decision becomes on a switch that cannot hold it as asked. Pure: the decision
 * keeps its id (its cookie still names it), only the action or the match is coarser.
 *
 *   aggregate    the flow table is full: block the source's /24 (IPv4) or /64 (IPv6)
 *                instead. The enforcer applies it per network, to every decision of
 *                that network on the switch, so their flows collapse into one and free
 *                room
 *   no-meter     the switch has no meter left: a rate limit becomes a selective drop (when
 *                the protocol is known) or a drop, per configuration. A victim throttle has
 *                no safe fallback — dropping everything sent to a victim is the attack's
 *                goal — so it is not installed (and counted)
 *
 * A decision no fallback can hold on a switch is a failed decision there (failures.ts).
 */
import type { Decision } from '../policy/decision.js';
import ipaddr from 'ipaddr.js';

export type FallbackKind = 'aggregate' | 'no-meter';
export type MeterFallback = 'selective-drop' | 'drop';

/** The aggregate prefix lengths for a table-full fallback. */
export const AGGREGATE_PREFIX = { ipv4: 24, ipv6: 64 } as const;

/**
 * The decision as it must be installed after the fallbacks, in order; undefined when
 * nothing should be installed. A fallback that cannot make it coarser returns undefined
 * too, so the caller can tell "degraded" from "gave up".
 */
export function degrade(decision: Decision, fallbacks: readonly FallbackKind[], meterFallback: MeterFallback): Decision | undefined {
  let d: Decision | undefined = decision;
  for (const kind of fallbacks) {
    if (!d) return undefined;
    d = degradeOnce(d, kind, meterFallback);
  }
  return d;
}

function degradeOnce(d: Decision, kind: FallbackKind, meterFallback: MeterFallback): Decision | undefined {
  switch (kind) {
    case 'no-meter': {
      if (d.action === 'throttle-victim') return undefined;
      if (d.action !== 'rate-limit') return d;
      const { rate: _rate, ...rest } = d;
      const action = meterFallback === 'selective-drop' && d.target.proto !== undefined ? 'selective-drop' : 'drop';
      return { ...rest, action };
    }
    case 'aggregate':
      return aggregate(d);
  }
}

/** The /24 or /64 a table-full fallback would block for this decision; undefined when nothing coarser exists. */
export function aggregateKey(d: Decision): string | undefined {
  const coarse = aggregate(d);
  return coarse ? `${coarse.target.src}/${coarse.target.srcPrefix}` : undefined;
}

function aggregate(d: Decision): Decision | undefined {
  // A victim throttle is one flow per victim already; nothing coarser to fall back to.
  if (d.action === 'throttle-victim') return undefined;
  let addr: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    addr = ipaddr.process(d.target.src);
  } catch {
    return undefined;
  }
  const bits = AGGREGATE_PREFIX[addr.kind()];
  if (d.target.srcPrefix !== undefined && d.target.srcPrefix <= bits) return undefined;
  const network = addr.kind() === 'ipv4'
    ? ipaddr.IPv4.networkAddressFromCIDR(`${addr.toString()}/${bits}`)
    : ipaddr.IPv6.networkAddressFromCIDR(`${addr.toString()}/${bits}`);
  // The coarse flow covers the network: per-destination and per-port detail goes.
  const { dst: _dst, dstPort: _port, ...target } = d.target;
  return { ...d, target: { ...target, src: network.toString(), srcPrefix: bits } };
}
