/**
 * Alerts from the guard's events to the configured webhooks. Listens to `detections` and
 * `decisions`, keeps what reaches a webhook's minimum severity, drops repeats of the same
 * alert within the dedupe window, and hands the rest to one WebhookSender per webhook.
 * Everything a listener does is synchronous and bounded: the guard never waits on a
 * receiver.
 *
 *   const alerter = new Alerter({ config: config.alerts, clock, logger });
 *   alerter.attach(guard);            // … alerter.close() at shutdown
 */
import type { Config } from '../config/schema.js';
import type { Detection, Severity } from '../detect/detection.js';
import { SEVERITIES } from '../detect/patterns.js';
import type { Guard } from '../guard.js';
import type { Logger } from '../log.js';
import type { EngineResult } from '../policy/engine.js';
import { alertFromDecision, alertFromDetection, atLeast, decisionSeverity, type Alert } from './alert.js';
import { httpPost, type Post } from './http.js';
import { systemTimers, type Clock, type Timers } from '../clock.js';
import { WebhookSender, type WebhookCounts } from './webhook.js';

export type AlertsConfig = Config['alerts'];

/** Retries back off to at most this: a receiver down for hours is tried every few minutes. */
const MAX_RETRY_DELAY_MS = 5 * 60_000;
/** Past this many remembered keys, expired ones are swept (bounded memory under a wide attack). */
const DEDUPE_SWEEP_AT = 10_000;

export interface AlerterOptions {
  config: AlertsConfig;
  clock: Clock;
  logger: Logger;
  post?: Post;
  timers?: Timers;
  random?: () => number;
}

type GuardEvents = Pick<Guard, 'on' | 'off'>;

/** The alerter serving each guard, so /metrics can count its deliveries without new wiring. */
const alerterOf = new WeakMap<object, Alerter>();

/** Delivery counts of the alerter attached to `guard` (none attached: no webhooks). */
export function alertCountsOf(guard: object): readonly WebhookCounts[] {
  return alerterOf.get(guard)?.counts() ?? [];
}

export class Alerter {
  private readonly senders: { minSeverity: Severity; sender: WebhookSender }[];
  /** The lowest severity any webhook wants: detections below it are skipped before any work. */
  private readonly floor: Severity | undefined;
  private readonly lastSent = new Map<string, number>();
  private guard?: GuardEvents;
  private readonly onDetections = (list: Detection[]) => {
    for (const d of list) if (this.floor && atLeast(d.severity, this.floor)) this.notify(alertFromDetection(d));
  };
  private readonly onDecisions = (r: EngineResult) => {
    for (const d of r.decisions) if (this.floor && atLeast(decisionSeverity(d), this.floor)) this.notify(alertFromDecision(d));
  };

  constructor(private readonly opts: AlerterOptions) {
    const c = opts.config;
    this.senders = c.webhooks.map((w, i) => ({
      minSeverity: w.minSeverity,
      sender: new WebhookSender({
        target: { name: w.name ?? `webhook-${i}`, url: w.url, format: w.format, headers: w.headers ?? {} },
        queueSize: c.queueSize,
        timeoutMs: c.timeoutMs,
        retry: { maxAttempts: c.maxAttempts, baseDelayMs: c.retryBaseMs, maxDelayMs: MAX_RETRY_DELAY_MS },
        post: opts.post ?? httpPost,
        timers: opts.timers ?? systemTimers,
        random: opts.random ?? Math.random,
        logger: opts.logger,
      }),
    }));
    this.floor = SEVERITIES.find((s) => this.senders.some((w) => w.minSeverity === s));
  }

  /** Starts listening to the guard's detections and decisions. */
  attach(guard: GuardEvents): void {
    this.guard = guard;
    alerterOf.set(guard, this);
    guard.on('detections', this.onDetections);
    guard.on('decisions', this.onDecisions);
  }

  /** Sends one alert to every webhook that wants its severity, unless it was sent within the window. */
  notify(alert: Alert): void {
    const now = this.opts.clock.now();
    const windowMs = this.opts.config.dedupeWindowS * 1000;
    const last = this.lastSent.get(alert.dedupeKey);
    if (last !== undefined && now - last < windowMs) return;
    if (this.lastSent.size >= DEDUPE_SWEEP_AT) this.sweep(now, windowMs);
    this.lastSent.set(alert.dedupeKey, now);
    for (const w of this.senders) if (atLeast(alert.severity, w.minSeverity)) w.sender.enqueue(alert);
  }

  counts(): WebhookCounts[] {
    return this.senders.map((w) => w.sender.counts);
  }

  /** Resolves when every webhook has delivered or given up on what it holds. */
  async idle(): Promise<void> {
    await Promise.all(this.senders.map((w) => w.sender.idle()));
  }

  close(): void {
    if (this.guard) {
      this.guard.off('detections', this.onDetections);
      this.guard.off('decisions', this.onDecisions);
      alerterOf.delete(this.guard);
    }
    for (const w of this.senders) w.sender.close();
  }

  /**
   * Forgets expired keys; if a wide attack keeps more than the cap fresh, the oldest half
   * goes too (a repeat alert is the lesser harm), so sweeps stay rare.
   */
  private sweep(now: number, windowMs: number): void {
    for (const [key, at] of this.lastSent) if (now - at >= windowMs) this.lastSent.delete(key);
    if (this.lastSent.size < DEDUPE_SWEEP_AT) return;
    for (const key of this.lastSent.keys()) {
      if (this.lastSent.size <= DEDUPE_SWEEP_AT / 2) break;
      this.lastSent.delete(key);
    }
  }
}
