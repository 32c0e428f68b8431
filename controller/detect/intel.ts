/**
 * Threat intelligence, optional and off by default (detect.intel, detect.geo in
 * config.ts): an AbuseIPDB-compatible HTTP lookup
 * (GET {base}/api/v2/check?ipAddress=…, header `Key`, JSON data.abuseConfidenceScore and
 * data.countryCode) and MaxMind-format geo (geo.ts). Detections never wait for it: the
 * engine peeks at the cache and asks in the background; answers are cached with a TTL
 * and used on later hits. Requests are deduplicated, concurrency-limited and queue-capped;
 * failures are cached briefly so a dead service is not hammered.
 */
import { z } from 'zod';
import type { Clock } from '../clock.js';
import type { AbuseIpdbConfig } from './config.js';
import type { IntelInfo } from './detection.js';
import type { IntelSource } from './engine.js';
import type { GeoDatabase } from './geo.js';

export type IntelErrorCode = 'INTEL_HTTP_STATUS' | 'INTEL_TIMEOUT' | 'INTEL_BAD_RESPONSE' | 'INTEL_NETWORK';

export class IntelError extends Error {
  constructor(readonly code: IntelErrorCode, message: string) {
    super(message);
    this.name = 'IntelError';
  }
}

export interface AbuseAnswer {
  abuseConfidence: number;
  countryCode?: string;
}

type CacheEntry = { ok: true; answer: AbuseAnswer; until: number } | { ok: false; error: IntelError; until: number };

const AnswerSchema = z.object({
  data: z.object({ abuseConfidenceScore: z.number().min(0).max(100), countryCode: z.string().nullish() }),
});

export class AbuseIpdbClient {
  private readonly cache = new Map<string, CacheEntry>();
  private readonly queue: string[] = [];
  private readonly pending = new Set<string>();
  private active = 0;
  private waiters: (() => void)[] = [];

  constructor(
    private readonly config: AbuseIpdbConfig,
    private readonly clock: Clock,
    private readonly onError: (ip: string, err: IntelError) => void = () => {},
    private readonly fetchImpl: typeof fetch = fetch,
  ) {}

  /** A fresh cached answer; undefined when unknown, expired or the last attempt failed. */
  peek(ip: string): AbuseAnswer | undefined {
    const e = this.cache.get(ip);
    if (!e || e.until <= this.clock.now()) return undefined;
    return e.ok ? e.answer : undefined;
  }

  /** Schedules a lookup unless one is cached (answer or recent failure), queued or running. */
  request(ip: string): void {
    const e = this.cache.get(ip);
    if (e && e.until > this.clock.now()) return;
    if (this.pending.has(ip) || this.queue.length >= this.config.maxQueue) return;
    this.pending.add(ip);
    this.queue.push(ip);
    this.pump();
  }

  /** Resolves when nothing is queued or running (tests, orderly shutdown). */
  idle(): Promise<void> {
    if (this.active === 0 && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private pump(): void {
    while (this.active < this.config.maxConcurrent && this.queue.length > 0) {
      const ip = this.queue.shift()!;
      this.active++;
      void this.fetchOne(ip).then((entry) => {
        this.store(ip, entry);
        this.pending.delete(ip);
        this.active--;
        this.pump();
        if (this.active === 0 && this.queue.length === 0) {
          const w = this.waiters;
          this.waiters = [];
          for (const resolve of w) resolve();
        }
      });
    }
  }

  private store(ip: string, entry: CacheEntry): void {
    this.cache.delete(ip);
    if (this.cache.size >= this.config.cacheSize) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(ip, entry);
    if (!entry.ok) this.onError(ip, entry.error);
  }

  private async fetchOne(ip: string): Promise<CacheEntry> {
    const url = new URL('/api/v2/check', this.config.baseUrl);
    url.searchParams.set('ipAddress', ip);
    url.searchParams.set('maxAgeInDays', String(this.config.maxAgeInDays));
    const fail = (code: IntelErrorCode, msg: string): CacheEntry => ({
      ok: false,
      error: new IntelError(code, msg),
      until: this.clock.now() + this.config.failureTtlMs,
    });
    let res: Response;
    try {
      res = await this.fetchImpl(url, {
        headers: { Key: this.config.key, Accept: 'application/json' },
        signal: AbortSignal.timeout(this.config.timeoutMs),
      });
    } catch (e) {
      const err = e as Error;
      if (err.name === 'TimeoutError' || err.name === 'AbortError') return fail('INTEL_TIMEOUT', `AbuseIPDB lookup of ${ip} timed out after ${this.config.timeoutMs} ms`);
      return fail('INTEL_NETWORK', `AbuseIPDB lookup of ${ip} failed: ${err.message}`);
    }
    if (!res.ok) {
      await res.body?.cancel();
      return fail('INTEL_HTTP_STATUS', `AbuseIPDB answered ${res.status} for ${ip}`);
    }
    let body: unknown;
    try {
      body = await res.json();
    } catch {
      return fail('INTEL_BAD_RESPONSE', `AbuseIPDB answer for ${ip} is not JSON`);
    }
    const parsed = AnswerSchema.safeParse(body);
    if (!parsed.success) return fail('INTEL_BAD_RESPONSE', `AbuseIPDB answer for ${ip} lacks data.abuseConfidenceScore`);
    const answer: AbuseAnswer = { abuseConfidence: parsed.data.data.abuseConfidenceScore };
    if (parsed.data.data.countryCode) answer.countryCode = parsed.data.data.countryCode;
    return { ok: true, answer, until: this.clock.now() + this.config.ttlMs };
  }
}

/** The engine's IntelSource: AbuseIPDB answers and geo, merged into Detection.intel. */
export class ThreatIntel implements IntelSource {
  private readonly highRisk: Set<string>;

  constructor(
    private readonly abuse: AbuseIpdbClient | undefined,
    private readonly geo: GeoDatabase | undefined,
    highRiskCountries: readonly string[] = [],
  ) {
    this.highRisk = new Set(highRiskCountries.map((c) => c.toUpperCase()));
  }

  peek(ip: string): IntelInfo | undefined {
    const a = this.abuse?.peek(ip);
    const country = this.geo?.country(ip) ?? a?.countryCode;
    if (!a && !country) return undefined;
    const info: IntelInfo = {};
    if (a) info.abuseConfidence = a.abuseConfidence;
    if (country) {
      info.country = country;
      info.highRiskCountry = this.highRisk.has(country.toUpperCase());
    }
    return info;
  }

  request(ip: string): void {
    this.abuse?.request(ip);
  }
}
