/**
 * Time comes in from outside. Every module that needs "now" takes a Clock, so a 24-hour
 * policy is tested in milliseconds with a ManualClock and the controller runs on the
 * system clock.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** A clock that moves only when told to: for tests, replay and simulations. */
export class ManualClock implements Clock {
  constructor(private ms = 0) {}
  now(): number {
    return this.ms;
  }
  set(ms: number): void {
    this.ms = ms;
  }
  advance(ms: number): number {
    this.ms += ms;
    return this.ms;
  }
}

/**
 * Timers come in from outside too, for the same reason: a deadline of seconds or a retry
 * after minutes is tested in milliseconds by firing the timer by hand.
 */
export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Real timers, unref'd: a pending deadline or retry never keeps a stopping process alive. */
export const systemTimers: Timers = {
  setTimeout(fn, ms) {
    const t = setTimeout(fn, ms);
    t.unref();
    return t;
  },
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};
