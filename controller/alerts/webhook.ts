/**
 * Delivery to one webhook: a bounded FIFO, one request in flight, retries with exponential
 * backoff and jitter, and a give-up after `maxAttempts` with a logged error. `enqueue`
 * never waits, so the guard's event loop is never held by a slow or dead receiver; the
 * worst a dead receiver does is fill its own queue (new alerts are then refused and
 * counted, the first news of an attack being the one worth keeping).
 *
 * Timers, randomness and the POST itself are injected: tests run retries in milliseconds.
 */
import type { Logger } from '../log.js';
import type { Alert } from './alert.js';
import { alertBody, type AlertFormat } from './format.js';
import type { Post } from './http.js';

import type { Timers } from '../clock.js';

// Where the alerts' callers have always found them.
export { systemTimers, type Timers } from '../clock.js';

export interface RetryPolicy {
  /** Tries in all, the first included. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

/**
 * Delay before try `attempt + 1` after `attempt` failures: exponential, capped, with
 * "equal jitter" (half fixed, half random) so a receiver that comes back is not hit by
 * every controller at once, yet a retry never fires immediately.
 */
export function backoffDelay(attempt: number, policy: RetryPolicy, random: () => number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return ceiling / 2 + (random() * ceiling) / 2;
}

/** Why an alert was not delivered: the label of ofguard_alerts_failed_total. */
export type FailureReason = 'gave-up' | 'rejected' | 'queue-full';

export interface WebhookCounts {
  name: string;
  sent: number;
  failed: Record<FailureReason, number>;
}

export interface WebhookTarget {
  /** Used in logs and metrics; the URL may hold a secret (Slack's do) and is never logged. */
  name: string;
  url: string;
  format: AlertFormat;
  headers: Readonly<Record<string, string>>;
}

export interface SenderOptions {
  target: WebhookTarget;
  queueSize: number;
  timeoutMs: number;
  retry: RetryPolicy;
  post: Post;
  timers: Timers;
  random: () => number;
  logger: Logger;
}

interface Pending {
  body: string;
  summary: string;
  attempts: number;
}

export class WebhookSender {
  private readonly queue: Pending[] = [];
  private inFlight = false;
  private retryTimer: unknown;
  private closed = false;
  /** Set while new alerts are being refused, so the overflow is logged once, not per alert. */
  private overflowing = false;
  private readonly idleWaiters: Array<() => void> = [];
  readonly counts: WebhookCounts;

  constructor(private readonly opts: SenderOptions) {
    this.counts = { name: opts.target.name, sent: 0, failed: { 'gave-up': 0, rejected: 0, 'queue-full': 0 } };
  }

  /** Queues an alert for delivery; false when the queue is full (counted and logged). */
  enqueue(alert: Alert): boolean {
    if (this.closed) return false;
    if (this.queue.length >= this.opts.queueSize) {
      this.counts.failed['queue-full']++;
      if (!this.overflowing) {
        this.overflowing = true;
        this.opts.logger.error({ webhook: this.opts.target.name, queueSize: this.opts.queueSize }, 'alert webhook queue full: new alerts are dropped until it drains');
      }
      return false;
    }
    this.queue.push({ body: JSON.stringify(alertBody(alert, this.opts.target.format)), summary: alert.summary, attempts: 0 });
    this.pump();
    return true;
  }

  get pending(): number {
    return this.queue.length;
  }

  /** Resolves once nothing is queued, in flight or waiting to be retried. */
  idle(): Promise<void> {
    if (this.queue.length === 0 && !this.inFlight) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stops delivering: queued alerts are dropped (logged), a request in flight finishes on its own. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.opts.timers.clearTimeout(this.retryTimer);
    if (this.queue.length) this.opts.logger.warn({ webhook: this.opts.target.name, dropped: this.queue.length }, 'alerts not delivered at shutdown');
    this.queue.length = 0;
    this.settle();
  }

  private pump(): void {
    if (this.closed || this.inFlight || this.retryTimer !== undefined) return;
    const head = this.queue[0];
    if (!head) {
      this.overflowing = false;
      this.settle();
      return;
    }
    this.inFlight = true;
    head.attempts++;
    const { target, timeoutMs } = this.opts;
    this.opts
      .post({ url: target.url, headers: target.headers, body: head.body, timeoutMs })
      .catch((err: Error) => ({ ok: false as const, retry: true, reason: err.message }))
      .then((outcome) => {
        this.inFlight = false;
        if (this.closed) return this.settle();
        if (outcome.ok) {
          this.counts.sent++;
          this.queue.shift();
        } else if (!outcome.retry) {
          this.counts.failed.rejected++;
          this.queue.shift();
          this.opts.logger.error({ webhook: target.name, reason: outcome.reason, alert: head.summary }, 'alert webhook refused the alert; not retried');
        } else if (head.attempts >= this.opts.retry.maxAttempts) {
          this.counts.failed['gave-up']++;
          this.queue.shift();
          this.opts.logger.error({ webhook: target.name, attempts: head.attempts, reason: outcome.reason, alert: head.summary }, 'alert webhook failed; giving up on this alert');
        } else {
          const delayMs = backoffDelay(head.attempts, this.opts.retry, this.opts.random);
          this.opts.logger.warn({ webhook: target.name, attempt: head.attempts, reason: outcome.reason, retryInMs: Math.round(delayMs) }, 'alert webhook failed; will retry');
          this.retryTimer = this.opts.timers.setTimeout(() => {
            this.retryTimer = undefined;
            this.pump();
          }, delayMs);
          return;
        }
        this.pump();
      });
  }

  private settle(): void {
    if (this.queue.length || this.inFlight) return;
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }
}
