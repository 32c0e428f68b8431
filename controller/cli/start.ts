/**
 * `ofguard start`: run the controller with the adaptive core and the admin API until
 * SIGINT/SIGTERM. Configuration: the file (--config), then OFGUARD_* environment
 * variables, then flags; checked once by loadConfig, the same checks `ofguard config check`
 * makes (the schema, then the TLS files, dataDir and geo database start needs), frozen.
 *
 * A config start cannot use, or a port it cannot listen on, is one line per problem on
 * stderr naming the field (`ofguard: openflow.tls.cert: cannot read ...`) and exit code 2;
 * a data folder whose database cannot be opened is a fatal log line and exit code 1.
 */
import { Guard } from '../guard.js';
import { systemClock } from '../clock.js';
import { createLogger } from '../log.js';
import { ConfigError, formatProblem, loadConfig, type ConfigProblem, type LoadedConfig } from '../config/load.js';
import { listenProblem } from '../config/preflight.js';
import type { Config } from '../config/schema.js';
import { startApi, type RunningApi } from '../api/index.js';
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

/** The same lines `config check` prints, on stderr; exit code 2. */
function refuse(problems: readonly ConfigProblem[]): never {
  for (const p of problems) process.stderr.write(`ofguard: ${formatProblem(p)}\n`);
  process.exit(2);
}

function configFrom(opts: StartOptions): LoadedConfig {
  try {
    return loadConfig({
      file: opts.config, env: process.env,
      flags: { dataDir: opts.data, pollIntervalMs: opts.pollInterval, openflow: { port: opts.port, listen: opts.listen }, logging: { level: opts.logLevel as Config['logging']['level'] | undefined } },
    });
  } catch (err) {
    if (err instanceof ConfigError) refuse(err.problems);
    throw err;
  }
}

export async function startCommand(opts: StartOptions): Promise<void> {
  const { config, tls: files } = configFrom(opts);
  const logger = createLogger({ level: config.logging.level });
  let guard: Guard;
  try {
    // Mutual TLS when a CA is given: a switch must present a certificate signed by it.
    const tls = files ? { key: files.key, cert: files.cert, ...(files.ca ? { ca: files.ca, requestCert: true, rejectUnauthorized: true } : {}) } : undefined;
    guard = new Guard({
      controller: { port: config.openflow.port, host: config.openflow.listen, limits: config.openflow.limits, pollIntervalMs: config.pollIntervalMs, ...(tls ? { tls } : {}) },
      dataDir: config.dataDir, detect: config.detect, policy: config.policy, scope: config.enforcement.scope, meterFallback: config.enforcement.meterFallback,
      clock: systemClock, logger,
      ...(opts.record ? { recordPath: opts.record } : {}),
    });
  } catch (err) {
    // A corrupt or unwritable database, a bad stored policy, an unwritable trace: say which and stop.
    logger.fatal({ err: (err as Error).message }, 'cannot start');
    process.exit(1);
  }
  try {
    await guard.start();
  } catch (err) {
    const problem = listenProblem('openflow', config.openflow.listen, config.openflow.port, err);
    if (problem) refuse([problem]);
    logger.fatal({ err: (err as Error).message, port: config.openflow.port }, 'cannot listen for switches');
    process.exit(1);
  }
  let api: RunningApi | undefined;
  try {
    api = config.api.enabled ? await startApi(guard, config) : undefined;
  } catch (err) {
    const problem = listenProblem('api', config.api.listen, config.api.port, err);
    if (problem) refuse([problem]);
    logger.fatal({ err: (err as Error).message }, 'cannot start the admin API');
    process.exit(1);
  }
  // Alerts listen to the guard's events; delivery never holds the guard (controller/alerts).
  const alerter = new Alerter({ config: config.alerts, clock: systemClock, logger });
  alerter.attach(guard);
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
