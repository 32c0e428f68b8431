/**
 * pino structured logs; human-readable (pino-pretty) when stdout is a terminal, JSON lines
 * otherwise so log shippers get fields, not prose.
 */
import { pino, type Logger } from 'pino';

export type { Logger };

export interface LogOptions {
  level?: string;
  /** Force pretty or JSON output; default: pretty on a TTY. */
  pretty?: boolean;
}

export function createLogger(opts: LogOptions = {}): Logger {
  const level = opts.level ?? process.env.OFGUARD_LOG_LEVEL ?? 'info';
  const pretty = opts.pretty ?? process.stdout.isTTY === true;
  if (!pretty) return pino({ level, base: { app: 'ofguard' } });
  return pino({
    level,
    base: undefined,
    transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname' } },
  });
}

/** A logger that drops everything: for tests and library use without output. */
export const silentLogger: Logger = pino({ level: 'silent' });
