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

  /** When the next timer falls due, if any. */
  nextDue(): number | undefined {
    let at: number | undefined;
    for (const e of this.entries.values()) if (at === undefined || e.at < at) at = e.at;
    return at;
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

/**
 * `advance`, for code that awaits between timers (a poll round awaiting its switches): the
 * timers fall due one at a time, and pending promises settle after each.
 */
export async function advanceSettled(timers: ManualTimers, ms: number): Promise<void> {
  const until = timers.clock.now() + ms;
  for (;;) {
    const next = timers.nextDue();
    if (next === undefined || next > until) break;
    timers.advance(next - timers.clock.now());
    await settle();
  }
  timers.advance(until - timers.clock.now());
  await settle();
}

/** Lets every pending promise callback run (a macrotask turn: the microtask queue drains first). */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
