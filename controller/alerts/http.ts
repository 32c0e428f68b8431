/**
 * The one place alerts touch the network: a single HTTP(S) POST with a deadline, reported
 * as an outcome (never thrown) so the sender's retry logic stays pure data handling.
 * No connection pooling on purpose: alerts are rare, and a pooled socket to a receiver
 * that went away would only add a failure mode.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface PostRequest {
  url: string;
  headers: Readonly<Record<string, string>>;
  body: string;
  timeoutMs: number;
}

export type PostOutcome =
  | { ok: true; status: number }
  /** `retry`: worth trying again (network error, timeout, 5xx, 429); otherwise the receiver refused it for good. */
  | { ok: false; retry: boolean; reason: string };

export type Post = (req: PostRequest) => Promise<PostOutcome>;

/** 408 and 429 say "later"; every 5xx may be a receiver restarting. */
export function retryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

export const httpPost: Post = (req) =>
  new Promise((resolve) => {
    let settled = false;
    const done = (o: PostOutcome) => {
      if (settled) return;
      settled = true;
      resolve(o);
    };
    const url = new URL(req.url);
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const r = send(url, {
      method: 'POST',
      agent: false,
      headers: { 'content-type': 'application/json', 'user-agent': 'ofguard', ...req.headers, 'content-length': Buffer.byteLength(req.body) },
    }, (res) => {
      const status = res.statusCode ?? 0;
      // The body is not needed, but it must be read for the socket to close.
      res.resume();
      res.on('end', () => done(status >= 200 && status < 300 ? { ok: true, status } : { ok: false, retry: retryableStatus(status), reason: `HTTP ${status}` }));
      res.on('error', (err) => done({ ok: false, retry: true, reason: err.message }));
    });
    r.setTimeout(req.timeoutMs, () => {
      done({ ok: false, retry: true, reason: `no answer within ${req.timeoutMs} ms` });
      r.destroy();
    });
    r.on('error', (err) => done({ ok: false, retry: true, reason: err.message }));
    r.end(req.body);
  });
