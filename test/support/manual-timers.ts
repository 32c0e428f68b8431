/** Timers that fire when the test moves time on (`advance`), in due order, on a ManualClock. */
import type { ManualClock, Timers } from '../../controller/clock.js';

export class ManualTimers implements Timers {
  private readonly due = new Map<number, { at: number; fn: () => void }>();
  private nextId = 1;

  constructor(private readonly clock: ManualClock) {}

  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.nextId++;
    this.due.set(id, { at: this.clock.now() + ms, fn });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.due.delete(handle as number);
  }

  get pending(): number {
    return this.due.size;
  }

  /** Moves the clock on by `ms`, firing every timer that falls due meanwhile (and letting promises settle). */
  async advance(ms: number): Promise<void> {
    const end = this.clock.now() + ms;
    for (;;) {
      let next: [number, { at: number; fn: () => void }] | undefined;
      for (const entry of this.due) if (entry[1].at <= end && (!next || entry[1].at < next[1].at)) next = entry;
      if (!next) break;
      this.due.delete(next[0]);
      this.clock.set(Math.max(this.clock.now(), next[1].at));
      next[1].fn();
      await settle();
    }
    this.clock.set(end);
    await settle();
  }
}

/** Lets every pending promise callback run (a macrotask turn: the microtask queue drains first). */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
