/**
 * Evidence for unblocking: drop and meter flows keep counting what they stop, and each
 * carries its decision's id in its cookie. The book keeps each switch's latest reading of
 * them and sums a decision's rate over the switches, so a block is judged on what all of
 * its flows stopped in the network — not on the one switch whose snapshot came last, which
 * may hold no flow of it at all (the multi-switch bug of issue 15).
 *
 * A switch not heard from within `maxAgeMs` no longer counts: it left, or its poller
 * stalled, and what it stopped long ago is no evidence of what is happening now.
 */
import { decisionIdOf } from '../../flows/layout.js';
import type { TrafficSnapshot } from '../stats/snapshot.js';

/** Packet rate per decision id of the drop and meter flows of one snapshot. */
export function blockedRates(snapshot: TrafficSnapshot): Map<number, number> {
  const rates = new Map<number, number>();
  for (const f of snapshot.flows) {
    if (f.kind !== 'drop' && f.kind !== 'meter') continue;
    const id = decisionIdOf(f.cookie);
    if (id === 0) continue;
    rates.set(id, (rates.get(id) ?? 0) + f.packetRate);
  }
  return rates;
}

/** A switch's evidence counts for this long after its last snapshot. */
export const EVIDENCE_MAX_AGE_MS = 10_000;

export class EvidenceBook {
  private readonly latest = new Map<string, { at: number; rates: Map<number, number> }>();

  constructor(private readonly maxAgeMs = EVIDENCE_MAX_AGE_MS) {}

  /** A switch's new reading replaces its previous one. */
  record(snapshot: TrafficSnapshot): void {
    this.latest.set(snapshot.dpid, { at: snapshot.now, rates: blockedRates(snapshot) });
  }

  /** A switch that left takes its evidence with it. */
  forget(dpid: string): void {
    this.latest.delete(dpid);
  }

  /** Each decision's blocked packet rate summed over the switches heard from recently. */
  rates(now: number): Map<number, number> {
    const sum = new Map<number, number>();
    for (const [dpid, reading] of this.latest) {
      if (now - reading.at > this.maxAgeMs) {
        this.latest.delete(dpid);
        continue;
      }
      for (const [id, rate] of reading.rates) sum.set(id, (sum.get(id) ?? 0) + rate);
    }
    return sum;
  }
}
