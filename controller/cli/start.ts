/** `ofguard start`: run the controller with the adaptive core until SIGINT/SIGTERM. */
import { Guard } from '../guard.js';
import { systemClock } from '../clock.js';
import { createLogger } from '../log.js';

export interface StartOptions {
  port: number;
  listen: string;
  data: string;
  pollInterval: number;
  logLevel: string;
  record?: string;
}

export async function startCommand(opts: StartOptions): Promise<void> {
  const logger = createLogger({ level: opts.logLevel });
  let guard: Guard;
  try {
    guard = new Guard({
      controller: { port: opts.port, host: opts.listen, pollIntervalMs: opts.pollInterval },
      dataDir: opts.data, clock: systemClock, logger,
      ...(opts.record ? { recordPath: opts.record } : {}),
    });
  } catch (err) {
    // A corrupt or unwritable database, a bad whitelist entry: say which and stop.
    logger.fatal({ err: (err as Error).message }, 'cannot start');
    process.exit(1);
  }
  try {
    await guard.start();
  } catch (err) {
    logger.fatal({ err: (err as Error).message, port: opts.port }, 'cannot listen for switches');
    process.exit(1);
  }
  const shutdown = async (signal: string) => {
    logger.info({ signal }, 'stopping');
    await guard.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}
