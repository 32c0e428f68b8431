/** Decisions for the enforcer tests: only what a test states differs from a plain drop. */
import { pino, type Logger } from 'pino';
import type { Decision, DecisionTarget } from '../../controller/policy/decision.js';

export const T0 = 1_700_000_000_000;
export const MINUTE = 60_000;

export function decision(id: number, fields: Partial<Omit<Decision, 'target'>> & { target?: Partial<DecisionTarget> } = {}): Decision {
  const { target, ...rest } = fields;
  return {
    id,
    target: { src: '203.0.113.7', ...target },
    action: 'drop',
    threatLevel: 'high',
    score: 80,
    trust: 0.3,
    signals: [],
    reason: 'test',
    origin: 'auto',
    offence: 1,
    createdAt: T0,
    expiresAt: T0 + 10 * MINUTE,
    ...rest,
  };
}

/** A logger that keeps every line (parsed), to count what was logged. */
export function recordingLogger(): { logger: Logger; lines: Array<Record<string, unknown>>; count(msg: string): number } {
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino({ level: 'debug' }, { write: (text: string) => void lines.push(JSON.parse(text) as Record<string, unknown>) });
  return { logger, lines, count: (msg) => lines.filter((l) => l.msg === msg).length };
}

/** Lets work started by a timer (a sync of fake switches, all in microtasks) run to its end. */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
