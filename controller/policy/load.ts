/**
 * Link load for the adaptive thresholds' congestion condition (adaptive-blocking.md:
 * "Network Congestion: lower thresholds −15 % to protect resources"). A port's load is
 * its busier direction's bit rate over its speed (ofp_port.curr_speed, kbit/s, which the
 * poller copies from the switch's port description into each PortDelta); the network's
 * load is its busiest link's. Ports that report no speed use `defaultKbps`, or are left
 * out when that is 0 too.
 */
import type { PortDelta } from '../stats/snapshot.js';

/** OFPP_MAX: port numbers above it are reserved (LOCAL, CONTROLLER, …), not links. */
const OFPP_MAX = 0xffffff00;

/** Busiest port's utilisation 0–1 among `ports` (one switch's snapshot). */
export function busiestPortLoad(ports: readonly PortDelta[], defaultKbps = 0): number {
  let max = 0;
  for (const p of ports) {
    if (p.portNo > OFPP_MAX) continue;
    const kbps = p.speedKbps || defaultKbps;
    if (!(kbps > 0)) continue;
    const bits = Math.max(p.rxByteRate, p.txByteRate) * 8;
    const load = bits / (kbps * 1000);
    if (load > max) max = load;
  }
  return Math.min(1, max);
}

/**
 * The network's load from the switches' latest snapshots: the busiest switch's busiest
 * port. A switch not heard from within `maxAgeMs` no longer counts (it left, or its
 * poller stalled), so a past peak cannot keep the thresholds lowered.
 */
export class NetworkLoad {
  private readonly latest = new Map<string, { load: number; at: number }>();

  constructor(private readonly maxAgeMs: number) {}

  update(dpid: string, load: number, now: number): void {
    this.latest.set(dpid, { load, at: now });
  }

  current(now: number): number {
    let max = 0;
    for (const [dpid, l] of this.latest) {
      if (now - l.at > this.maxAgeMs) this.latest.delete(dpid);
      else if (l.load > max) max = l.load;
    }
    return max;
  }
}
