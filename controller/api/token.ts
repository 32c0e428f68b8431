/**
 * The admin API's bearer token: 32 random bytes, created on first start in
 * `<dataDir>/api-token` with mode 0600 (only the controller's user can read it; the CLI run
 * by the same user or root reads it from there), and reused after.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const TOKEN_FILE = 'api-token';

export function tokenPath(dataDir: string): string {
  return join(dataDir, TOKEN_FILE);
}

/** The token in `dataDir`, created if there is none; an existing file is tightened to 0600. */
export function loadOrCreateToken(dataDir: string): string {
  const path = tokenPath(dataDir);
  mkdirSync(dataDir, { recursive: true });
  try {
    // 'wx': never overwrite a token that another start created in the meantime.
    writeFileSync(path, randomBytes(32).toString('hex') + '\n', { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    if ((statSync(path).mode & 0o077) !== 0) chmodSync(path, 0o600);
  }
  const token = readFileSync(path, 'utf8').trim();
  if (token.length < 16) throw new Error(`${path} holds no usable token (delete it and restart to get a new one)`);
  return token;
}

/** Constant-time check of an `Authorization: Bearer …` header. */
export function bearerMatches(header: string | undefined, token: string): boolean {
  if (!header?.startsWith('Bearer ')) return false;
  const given = Buffer.from(header.slice(7).trim());
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
