/**
 * Maps source keys to dense slot numbers 0..capacity-1, so per-source state can live in
 * typed arrays indexed by slot. IPv4 sources (the overwhelming majority) are keyed by
 * their 32-bit value in an open-addressing table (linear probing, backward-shift delete);
 * anything else (IPv6, subnet aggregates "10.0.0.0/16") goes through a Map.
 *
 * Measured with scripts/bench/engine.ts: at most 12 bytes of index per IPv4 source,
 * against ~90 bytes for a Map<string, number> holding the address text.
 */
import { formatIPv4, hash32, parseIPv4 } from './ip.js';

const EMPTY = -1;
const INITIAL_ENTRIES = 1024;

export class SourceTable {
  readonly capacity: number;
  /** Entries in the index now. */
  private entryCount: number;
  /**
   * Entries the index grows to at most: 1.5 per source of capacity (a full table is two
   * thirds full: short linear probes, 12 MB at a million sources).
   */
  private readonly maxEntries: number;
  /**
   * Open-addressing entries, interleaved: [key, slot+1] pairs in one array so a probe
   * touches one cache line, not two (at a million sources every lookup is a cache miss,
   * and this halved them). slot+1 = 0 marks an empty entry. It starts small and doubles
   * while more than half full: an index sized for the sources actually tracked stays in
   * cache (100 000 sources: 2 MB, not 12).
   */
  private entries: Uint32Array;
  /** Per slot: its IPv4 key, or the text key in `names`. */
  private readonly slotKey: Uint32Array;
  private readonly slotIsName: Uint8Array;
  private readonly names = new Map<string, number>();
  private readonly nameOfSlot = new Map<number, string>();
  /** Slots handed out so far (0..next-1); freed ones are reused first. */
  private next = 0;
  private readonly free: number[] = [];
  private used = 0;

  constructor(capacity: number) {
    if (!(capacity >= 1)) throw new RangeError('source table capacity must be ≥ 1');
    this.capacity = capacity;
    this.maxEntries = Math.max(2, Math.ceil(capacity * 1.5));
    this.entryCount = Math.min(this.maxEntries, INITIAL_ENTRIES);
    this.entries = new Uint32Array(this.entryCount * 2);
    this.slotKey = new Uint32Array(capacity);
    this.slotIsName = new Uint8Array(capacity);
  }

  get size(): number {
    return this.used;
  }

  get full(): boolean {
    return this.used === this.capacity;
  }

  /** Slot of a source given as text, or -1. `v4` may pass an already parsed parseIPv4(src). */
  find(src: string, v4 = parseIPv4(src)): number {
    if (v4 >= 0) return this.findV4(v4);
    return this.names.get(src) ?? EMPTY;
  }

  findV4(key: number): number {
    let i = this.home(key);
    for (;;) {
      const s = this.entries[2 * i + 1]!;
      if (s === 0) return EMPTY;
      if (this.entries[2 * i] === key) return s - 1;
      if (++i === this.entryCount) i = 0;
    }
  }

  /** Assigns a free slot to a new source; the caller checks `full` and find() first. */
  insert(src: string, v4 = parseIPv4(src)): number {
    if (this.full) throw new RangeError('source table full');
    // A freed slot is only ever followed by one insert (eviction makes room for one
    // newcomer), so the free list stays tiny: no per-capacity free array.
    const slot = this.free.length > 0 ? this.free.pop()! : this.next++;
    this.used++;
    if (v4 >= 0) {
      // IPv4 entries in the index, this one included (`used` already counts it).
      const v4s = this.used - this.names.size;
      if (2 * v4s > this.entryCount && this.entryCount < this.maxEntries) this.grow();
      this.place(v4, slot);
      this.slotKey[slot] = v4;
      this.slotIsName[slot] = 0;
    } else {
      this.names.set(src, slot);
      this.nameOfSlot.set(slot, src);
      this.slotIsName[slot] = 1;
    }
    return slot;
  }

  remove(slot: number): void {
    if (this.slotIsName[slot]) {
      const name = this.nameOfSlot.get(slot);
      if (name === undefined) return;
      this.names.delete(name);
      this.nameOfSlot.delete(slot);
    } else {
      const key = this.slotKey[slot]!;
      let i = this.home(key);
      while (this.entries[2 * i + 1] !== slot + 1) {
        if (this.entries[2 * i + 1] === 0) return;
        if (++i === this.entryCount) i = 0;
      }
      this.deleteAt(i);
    }
    this.free.push(slot);
    this.used--;
  }

  addressOf(slot: number): string {
    return this.slotIsName[slot] ? this.nameOfSlot.get(slot)! : formatIPv4(this.slotKey[slot]!);
  }

  /** The IPv4 value of a slot's source, or -1 for text-keyed sources. */
  v4Of(slot: number): number {
    return this.slotIsName[slot] ? -1 : this.slotKey[slot]!;
  }

  /**
   * Where a key's probe starts: its hash scaled to the table (multiply, not mask, so the
   * table need not be a power of two). A full mix, not the bare address: addresses that
   * differ only in high octets (10.1.x.y vs 10.2.x.y) must not pile up in one chain.
   */
  private home(key: number): number {
    return Math.floor((hash32(key) * this.entryCount) / 4294967296);
  }

  private place(v4: number, slot: number): void {
    let i = this.home(v4);
    while (this.entries[2 * i + 1] !== 0) if (++i === this.entryCount) i = 0;
    this.entries[2 * i] = v4;
    this.entries[2 * i + 1] = slot + 1;
  }

  private grow(): void {
    const old = this.entries;
    this.entryCount = Math.min(this.maxEntries, 2 * this.entryCount);
    this.entries = new Uint32Array(this.entryCount * 2);
    for (let i = 0; i < old.length; i += 2) if (old[i + 1] !== 0) this.place(old[i]!, old[i + 1]! - 1);
  }

  /** Backward-shift deletion keeps probe chains intact without tombstones. */
  private deleteAt(hole: number): void {
    let i = hole;
    for (;;) {
      if (++i === this.entryCount) i = 0;
      const s = this.entries[2 * i + 1]!;
      if (s === 0) break;
      const home = this.home(this.entries[2 * i]!);
      // Move entry i into the hole if its home is not cyclically within (hole, i].
      const between = hole <= i ? home > hole && home <= i : home > hole || home <= i;
      if (!between) {
        this.entries[2 * hole] = this.entries[2 * i]!;
        this.entries[2 * hole + 1] = s;
        hole = i;
      }
    }
    this.entries[2 * hole + 1] = 0;
  }
}

