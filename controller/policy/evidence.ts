/**
 * Evidence for unblocking: drop and meter flows keep counting what they stop. This sums
 * their packet rates per policy key (source key, or `victim:<dst>` for a victim meter)
 * across the switches' snapshots of one poll round.
 */
import type { TrafficSnapshot } from '../stats/snapshot.js';
import { sourceKey } from './address.js';

export function victimKey(dst: string): string {
  return `victim:${sourceKey(dst)}`;
}

export function blockedRates(snapshots: readonly TrafficSnapshot[]): Map<string, number> {
  const rates = new Map<string, number>();
  for (const snap of snapshots) {
    for (const f of snap.flows) {
      if (f.kind !== 'drop' && f.kind !== 'meter') continue;
      let key: string;
      if (f.src && f.srcPrefix !== 0) key = sourceKey(f.src, f.srcPrefix);
      else if (f.dst) key = victimKey(f.dst);
      else continue;
      rates.set(key, (rates.get(key) ?? 0) + f.packetRate);
    }
  }
  return rates;
}
