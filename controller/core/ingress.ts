/**
 * Where each source enters the network: the switches on whose edge ports it was seen. The
 * forwarding app installs accounting flows only at a source's ingress edge (never on a
 * port LLDP found to face another switch), so a source's accounting flow with traffic on a
 * switch means it enters there. The enforcer scopes blocks to these switches (a spoofed
 * trusted address is blocked only where the forgery comes in).
 *
 * A switch a source was not seen entering for `ttlMs` is forgotten, so the index follows
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

export class IngressIndex {
  /** source key → dpid → when it was last seen entering there */
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
      seen.set(snapshot.dpid, snapshot.now);
      let view = this.dpids.get(key);
      if (!view) this.dpids.set(key, (view = new Set()));
      view.add(snapshot.dpid);
    }
    if (snapshot.now - this.sweptAt >= SWEEP_EVERY_MS) this.sweep(snapshot.now);
  }

  private sweep(now: number): void {
    this.sweptAt = now;
    for (const [key, seen] of this.lastSeen) {
      for (const [dpid, at] of seen) {
        if (now - at <= this.ttlMs) continue;
        seen.delete(dpid);
        this.dpids.get(key)?.delete(dpid);
      }
      if (seen.size === 0) {
        this.lastSeen.delete(key);
        this.dpids.delete(key);
      }
    }
  }
}
