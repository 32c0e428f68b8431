/**
 * `startApi(guard, config)`: the admin API, its token and /metrics, as start.ts runs them.
 *
 *   const api = await startApi(guard, config);   // → { url, token, close() }
 */
import type { Clock } from '../clock.js';
import type { Config } from '../config/schema.js';
import type { Logger } from '../log.js';
import type { ApiGuard } from './guard-view.js';
import { createMetrics } from './metrics.js';
import { ApiServer } from './server.js';
import { EventHub } from './events.js';
import { loadOrCreateToken, tokenPath } from './token.js';
import { HostCheck } from './host-check.js';

export type { ApiGuard } from './guard-view.js';
export { ApiError, type ApiErrorCode } from './errors.js';
export { loadOrCreateToken, tokenPath } from './token.js';

export interface RunningApi {
  url: string;
  token: string;
  /** The WebSocket event stream (GET /api/events). */
  events: EventHub;
  close(): Promise<void>;
}

/** Needs from the guard its slice the API reads (ApiGuard) plus its clock and logger. */
export async function startApi(
  guard: ApiGuard & { readonly opts: { readonly clock: Clock; readonly logger: Logger } },
  config: Pick<Config, 'api' | 'dataDir'>,
): Promise<RunningApi> {
  const token = loadOrCreateToken(config.dataDir);
  const hosts = new HostCheck(config.api.listen, config.api.allowedHosts);
  const events = new EventHub({ guard, token, hosts, clock: guard.opts.clock, logger: guard.opts.logger });
  const metrics = createMetrics(guard, () => guard.opts.clock.now(), () => events.stats());
  const server = new ApiServer({
    guard,
    events,
    metrics,
    token,
    clock: guard.opts.clock,
    logger: guard.opts.logger,
    listen: config.api.listen,
    port: config.api.port,
    rateLimit: config.api.rateLimit,
    hosts,
  });
  let url: string;
  try {
    ({ url } = await server.listen());
  } catch (err) {
    metrics.close();
    throw err;
  }
  events.start();
  guard.opts.logger.info({ url, tokenFile: tokenPath(config.dataDir) }, 'admin API listening');
  return {
    url,
    token,
    events,
    async close() {
      metrics.close();
      await events.stop();
      await server.close();
    },
  };
}
