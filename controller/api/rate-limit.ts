/**
 * Per-client token buckets: each client address may send `burst` requests at once and
 * `perSecond` sustained. Time is passed in; the table forgets clients whose bucket has
 * refilled, so a scan from many addresses cannot grow it without bound.
 */
export interface RateLimitConfig {
  perSecond: number;
  burst: number;
}

/** Clients remembered before idle ones are swept. */
const SWEEP_AT = 10_000;

export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(private readonly cfg: RateLimitConfig) {}

  /** Takes one token; returns 0 when allowed, else the seconds until the next token. */
  take(client: string, now: number): number {
    let b = this.buckets.get(client);
    if (!b) {
      if (this.buckets.size >= SWEEP_AT) this.sweep(now);
      b = { tokens: this.cfg.burst, at: now };
      this.buckets.set(client, b);
    } else {
      b.tokens = Math.min(this.cfg.burst, b.tokens + ((now - b.at) / 1000) * this.cfg.perSecond);
      b.at = now;
    }
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return (1 - b.tokens) / this.cfg.perSecond;
  }

  get size(): number {
    return this.buckets.size;
  }

  private sweep(now: number): void {
    const fullAfterMs = (this.cfg.burst / this.cfg.perSecond) * 1000;
    for (const [client, b] of this.buckets) if (now - b.at >= fullAfterMs) this.buckets.delete(client);
  }
}
