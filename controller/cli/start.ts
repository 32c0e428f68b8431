/**
 * `ofguard start`: run the controller with the adaptive core and the admin API until
 * SIGINT/SIGTERM. Configuration: the file (--config), then OFGUARD_* environment
 * variables, then flags; checked once, frozen.
 */
import { readFileSync } from 'node:fs';
import { Guard } from '../guard.js';
import { systemClock } from '../clock.js';
import { createLogger } from '../log.js';
import { ConfigError, formatProblem, loadConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { startApi } from '../api/index.js';
import { Alerter } from '../alerts/alerter.js';

export interface StartOptions {
  config?: string;
  port?: number;
  listen?: string;
  data?: string;
  pollInterval?: number;
  logLevel?: string;
  record?: string;
}

function configFrom(opts: StartOptions): Config {
  try {
    return loadConfig({
      file: opts.config, env: process.env,
      flags: { dataDir: opts.data, pollIntervalMs: opts.pollInterval, openflow: { port: opts.port, listen: opts.listen }, logging: { level: opts.logLevel as Config['logging']['level'] | undefined } },
    });
  } catch (err) {
    process.stderr.write(`ofguard: ${(err as Error).message}\n`);
    if (err instanceof ConfigError) for (const p of err.problems) process.stderr.write(`  ${formatProblem(p)}\n`);
    process.exit(2);
  }
}

export async function startCommand(opts: StartOptions): Promise<void> {
  const config = configFrom(opts);
  const logger = createLogger({ level: config.logging.level });
  let guard: Guard;
  try {
    const t = config.openflow.tls;
    // Mutual TLS when a CA is given: a switch must present a certificate signed by it.
    const tls = t
      ? { key: readFileSync(t.key), cert: readFileSync(t.cert), ...(t.ca ? { ca: readFileSync(t.ca), requestCert: true, rejectUnauthorized: true } : {}) }
      : undefined;
    guard = new Guard({
      controller: { port: config.openflow.port, host: config.openflow.listen, limits: config.openflow.limits, pollIntervalMs: config.pollIntervalMs, ...(tls ? { tls } : {}) },
      dataDir: config.dataDir, detect: config.detect, policy: config.policy, scope: config.enforcement.scope, meterFallback: config.enforcement.meterFallback,
      clock: systemClock, logger,
      ...(opts.record ? { recordPath: opts.record } : {}),
    });
  } catch (err) {
    // A corrupt or unwritable database, a bad whitelist entry, unreadable TLS files: say which and stop.
    logger.fatal({ err: (err as Error).message }, 'cannot start');
    process.exit(1);
  }
  try {
    await guard.start();
  } catch (err) {
    logger.fatal({ err: (err as Error).message, port: config.openflow.port }, 'cannot listen for switches');
    process.exit(1);
  }
  // Alerts listen to the guard's events; delivery never holds the guard (controller/alerts).
  const alerter = new Alerter({ config: config.alerts, clock: systemClock, logger });
  alerter.attach(guard);
  const api = config.api.enabled ? await startApi(guard, config) : undefined;
  const shutdown = async (signal: string) => {
    logger.info({ signal }, 'stopping');
    await api?.close();
    alerter.close();
    await guard.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}
