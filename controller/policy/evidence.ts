/**
 * Evidence for unblocking: drop and meter flows keep counting what they stop. The book
 * keeps each switch's latest reading of them and sums a policy key's rate (source key, or
 * `victim:<dst>` for a victim meter) over the switches, so a block is judged on what all of
 * its flows stopped in the network — not on the one switch whose snapshot came last, which
 * may hold no flow of it at all (the multi-switch bug of issue 15).
 *
 * A switch not heard from within `maxAgeMs` no longer counts: it left, or its poller
 * stalled, and what it stopped long ago is no evidence of what is happening now.
 */
import type { TrafficSnapshot } from '../stats/snapshot.js';
import { sourceKey } from './address.js';
import { victimKey } from './keys.js';

/** Packet rate per policy key of the drop and meter flows of one snapshot. */
export function blockedRates(snapshot: TrafficSnapshot): Map<string, number> {
  const rates = new Map<string, number>();
  for (const f of snapshot.flows) {
    if (f.kind !== 'drop' && f.kind !== 'meter') continue;
    let key: string;
    if (f.src && f.srcPrefix !== 0) key = sourceKey(f.src, f.srcPrefix);
    else if (f.dst) key = victimKey(f.dst);
    else continue;
    rates.set(key, (rates.get(key) ?? 0) + f.packetRate);
  }
  return rates;
}

/** A switch's evidence counts for this long after its last snapshot. */
export const EVIDENCE_MAX_AGE_MS = 10_000;

export class EvidenceBook {
  private readonly latest = new Map<string, { at: number; rates: Map<string, number> }>();

  constructor(private readonly maxAgeMs = EVIDENCE_MAX_AGE_MS) {}

  /** A switch's new reading replaces its previous one. */
  record(snapshot: TrafficSnapshot): void {
    this.latest.set(snapshot.dpid, { at: snapshot.now, rates: blockedRates(snapshot) });
  }

  /** A switch that left takes its evidence with it. */
  forget(dpid: string): void {
    this.latest.delete(dpid);
  }

  /** Each key's blocked packet rate summed over the switches heard from recently. */
  rates(now: number): Map<string, number> {
    const sum = new Map<string, number>();
    for (const [dpid, reading] of this.latest) {
      if (now - reading.at > this.maxAgeMs) {
        this.latest.delete(dpid);
        continue;
      }
      for (const [key, rate] of reading.rates) sum.set(key, (sum.get(key) ?? 0) + rate);
    }
    return sum;
  }
}
