/**
 * Token buckets for the admin API: each key may send `burst` requests at once and
 * `perSecond` sustained. Time is passed in; the table forgets keys whose bucket has
 * refilled, so a scan from many addresses cannot grow it without bound.
 *
 * ApiRateLimits keeps two tables: every request (but /health) takes from its client
 * address's bucket, and an authenticated one from its token's bucket too, so a client
 * holding the token cannot multiply its rate by coming from many addresses (200 loopback
 * aliases share one bucket). Tokens are keyed by their SHA-256, never held as themselves.
 * Unauthenticated requests are limited by address only: a wrong token must not make a key.
 */
import { createHash } from 'node:crypto';

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

/** The key of a token's bucket: its SHA-256, so the table never holds a secret. */
export function tokenKey(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export class ApiRateLimits {
  private readonly byAddress: RateLimiter;
  private readonly byToken: RateLimiter;

  constructor(cfg: RateLimitConfig) {
    this.byAddress = new RateLimiter(cfg);
    this.byToken = new RateLimiter(cfg);
  }

  /** Before authentication; 0 when allowed, else the seconds to wait. */
  address(remote: string | undefined, now: number): number {
    return this.byAddress.take(remote ?? 'unknown', now);
  }

  /** Once the token is known good; 0 when allowed, else the seconds to wait. */
  token(token: string, now: number): number {
    return this.byToken.take(tokenKey(token), now);
  }
}
