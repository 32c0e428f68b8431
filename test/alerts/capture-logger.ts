/** A pino logger whose lines the test can read. */
import { pino, type Logger } from 'pino';

export function captureLogger(): { logger: Logger; lines: Array<{ level: number; msg: string; [k: string]: unknown }> } {
  const lines: Array<{ level: number; msg: string }> = [];
  const logger = pino({ level: 'warn' }, { write: (s: string) => void lines.push(JSON.parse(s)) });
  return { logger, lines };
}
