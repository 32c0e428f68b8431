/**
 * Meter ids of one switch: the lowest free id from 1, freed ids reused first, never past
 * the switch's limit, never a reserved id (OFPM_CONTROLLER and friends sit above
 * OFPM_MAX). Meters have no cookie, so the ids in use come from what the switch holds.
 */
import { Meter } from '../openflow/constants.js';

export class MeterAllocator {
  private readonly used = new Set<number>();
  /** No id below this one is free: the search for the lowest free id starts here. */
  private lowest = 1;
  readonly max: number;

  constructor(inUse: Iterable<number> = [], max: number = Meter.MAX) {
    this.max = Math.min(max, Meter.MAX);
    for (const id of inUse) this.reserve(id);
  }

  get size(): number {
    return this.used.size;
  }

  has(id: number): boolean {
    return this.used.has(id);
  }

  /** Marks an id as taken (one the switch already holds). Reserved ids above OFPM_MAX are not ours to count. */
  reserve(id: number): void {
    if (id >= 1 && id <= Meter.MAX) this.used.add(id);
  }

  /** The lowest free id, or undefined when the switch has no meter left. */
  allocate(): number | undefined {
    let id = this.lowest;
    while (this.used.has(id)) id++;
    if (id > this.max) return undefined;
    this.used.add(id);
    this.lowest = id + 1;
    return id;
  }

  release(id: number): void {
    if (this.used.delete(id) && id < this.lowest) this.lowest = id;
  }
}
