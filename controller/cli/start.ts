/** `ofguard start`: run the controller until SIGINT/SIGTERM. */
import { mkdirSync } from 'node:fs';
import { Controller, defaultControllerOptions } from '../controller.js';
import { createLogger } from '../log.js';

export interface StartOptions {
  port: number;
  listen: string;
  data: string;
  pollInterval: number;
  logLevel: string;
}

export async function startCommand(opts: StartOptions): Promise<void> {
  const logger = createLogger({ level: opts.logLevel });
  mkdirSync(opts.data, { recursive: true });
  const controller = new Controller({
    ...defaultControllerOptions, port: opts.port, host: opts.listen, pollIntervalMs: opts.pollInterval, logger,
  });
  try {
    await controller.start();
  } catch (err) {
    logger.error({ err: (err as Error).message, port: opts.port }, 'cannot listen for switches');
    process.exit(1);
  }
  const shutdown = async (signal: string) => {
    logger.info({ signal }, 'stopping');
    await controller.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}
