/**
 * Where each source enters the network: the switches on whose edge ports it was seen. The
 * forwarding app installs accounting flows only at a source's ingress edge (never on a
 * port LLDP found to face another switch), so a source's accounting flow with traffic on a
 * switch means it enters there. The enforcer scopes blocks to these switches (a spoofed
 * trusted address is blocked only where the forgery comes in).
 *
 * Accounting flows name the port the conversation enters on, so the index knows entry
 * points (switch, port): one address entering at two of them is a warning that one of them
 * forges it (`seenElsewhere`).
 *
 * An entry point a source was not seen at for `ttlMs` is forgotten, so the index follows
 * a host that moved; once blocked, a source's traffic stops reaching accounting, which is
 * why the enforcer keeps a placed block where it is (mitigate/enforcer.ts).
 */
import { sourceKey } from '../policy/address.js';
import type { IngressIndex as IngressView } from '../mitigate/scope.js';
import type { TrafficSnapshot } from '../stats/snapshot.js';

/** How long a source stays in the index after it was last seen entering. */
export const INGRESS_TTL_MS = 10 * 60_000;
/** How often forgotten entries are swept. */
const SWEEP_EVERY_MS = 60_000;

/** Where traffic enters the network: a switch, and the port when the flow names one. */
export interface EntryPoint {
  dpid: string;
  inPort?: number;
}

const entryId = (dpid: string, inPort: number | undefined) => (inPort === undefined ? dpid : `${dpid}:${inPort}`);

export class IngressIndex {
  /** source key → entry point ("dpid" or "dpid:port") → when it was last seen entering there */
  private readonly lastSeen = new Map<string, Map<string, number>>();
  /** The same without times: what the enforcer reads. */
  private readonly dpids = new Map<string, Set<string>>();
  private sweptAt = -Infinity;

  constructor(private readonly ttlMs = INGRESS_TTL_MS) {}

  /** source key → switches it enters on, for mitigate/scope.ts. */
  get view(): IngressView {
    return this.dpids;
  }

  note(snapshot: TrafficSnapshot): void {
    for (const f of snapshot.flows) {
      if (f.kind !== 'accounting' || !f.src || f.packets === 0) continue;
      let key: string;
      try {
        key = sourceKey(f.src, f.srcPrefix);
      } catch {
        continue;
      }
      let seen = this.lastSeen.get(key);
      if (!seen) this.lastSeen.set(key, (seen = new Map()));
      seen.set(entryId(snapshot.dpid, f.inPort), snapshot.now);
      let view = this.dpids.get(key);
      if (!view) this.dpids.set(key, (view = new Set()));
      view.add(snapshot.dpid);
    }
    if (snapshot.now - this.sweptAt >= SWEEP_EVERY_MS) this.sweep(snapshot.now);
  }

  /** Every entry point the source was seen at within the TTL. */
  entryPoints(key: string): EntryPoint[] {
    const seen = this.lastSeen.get(key);
    if (!seen) return [];
    return [...seen.keys()].map((id) => {
      const colon = id.indexOf(':');
      return colon < 0 ? { dpid: id } : { dpid: id.slice(0, colon), inPort: Number(id.slice(colon + 1)) };
    });
  }

  /**
   * The address enters at another entry point than (dpid, inPort) too: one of them may
   * forge it. Traffic whose port is not known (a drop flow's counters) is elsewhere only
   * when the address enters at another switch.
   */
  seenElsewhere(key: string, dpid: string, inPort: number | undefined): boolean {
    const seen = this.lastSeen.get(key);
    if (!seen) return false;
    const here = entryId(dpid, inPort);
    for (const id of seen.keys()) {
      if (inPort === undefined ? id.split(':')[0] !== dpid : id !== here) return true;
    }
    return false;
  }

  private sweep(now: number): void {
    this.sweptAt = now;
    for (const [key, seen] of this.lastSeen) {
      for (const [id, at] of seen) if (now - at > this.ttlMs) seen.delete(id);
      if (seen.size === 0) {
        this.lastSeen.delete(key);
        this.dpids.delete(key);
        continue;
      }
      // A switch stays in the view while any of its ports still is.
      const dpids = new Set([...seen.keys()].map((id) => id.split(':')[0]!));
      this.dpids.set(key, dpids);
    }
  }
}
