/** Starts an in-process controller on a free port for integration tests. */
import { freePort } from '../../controller/free-port.js';
import { Controller, defaultControllerOptions, type ControllerOptions } from '../../controller/controller.js';
import { createLogger } from '../../controller/log.js';
import { Guard, type GuardOptions } from '../../controller/guard.js';
import { systemClock } from '../../controller/clock.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export { freePort };

export async function startController(overrides: Partial<ControllerOptions> = {}): Promise<{ controller: Controller; port: number }> {
  const port = overrides.port ?? (await freePort());
  const logger = createLogger({ level: process.env.OFGUARD_TEST_LOG ?? 'warn', pretty: false });
  const controller = new Controller({ ...defaultControllerOptions, logger, ...overrides, port, host: '127.0.0.1' });
  await controller.start();
  return { controller, port };
}

export async function waitFor<T>(what: string, fn: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 15_000, stepMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Starts the whole of ofguard (controller + adaptive core + enforcer) on a free port with a fresh data folder. */
export async function startGuard(overrides: Partial<GuardOptions> = {}): Promise<{ guard: Guard; port: number; dataDir: string }> {
  const port = overrides.controller?.port ?? (await freePort());
  const dataDir = overrides.dataDir ?? mkdtempSync(join(tmpdir(), 'ofguard-data-'));
  const logger = createLogger({ level: process.env.OFGUARD_TEST_LOG ?? 'warn', pretty: false });
  const guard = new Guard({ clock: systemClock, logger, ...overrides, dataDir, controller: { ...(overrides.controller ?? {}), port, host: '127.0.0.1' } });
  await guard.start();
  return { guard, port, dataDir };
}
