/**
 * Timers that fire only when the test moves a ManualClock with `advance`: a deadline of
 * seconds is tested in milliseconds, and a test says exactly when "now" is.
 */
import { ManualClock, type Timers } from '../../controller/clock.js';

interface Entry { id: number; at: number; fn: () => void }

export class ManualTimers implements Timers {
  private nextId = 1;
  private readonly entries = new Map<number, Entry>();

  constructor(readonly clock = new ManualClock(1_000_000)) {}

  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.nextId++;
    this.entries.set(id, { id, at: this.clock.now() + Math.max(0, ms), fn });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.entries.delete(handle as number);
  }

  /** Timers waiting to fire. */
  get pending(): number {
    return this.entries.size;
  }

  /** Moves the clock by `ms`, firing every timer that falls due on the way, in order. */
  advance(ms: number): void {
    const until = this.clock.now() + ms;
    for (;;) {
      let next: Entry | undefined;
      for (const e of this.entries.values()) if (e.at <= until && (!next || e.at < next.at || (e.at === next.at && e.id < next.id))) next = e;
      if (!next) break;
      this.entries.delete(next.id);
      this.clock.set(Math.max(this.clock.now(), next.at));
      next.fn();
    }
    this.clock.set(until);
  }
}
