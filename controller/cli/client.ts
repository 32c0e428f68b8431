/**
 * How the operator commands reach a running ofguard: the admin API's address and its
 * bearer token. Address: --api, else OFGUARD_API_URL, else http://127.0.0.1:6680. Token:
 * OFGUARD_API_TOKEN, else the file `<data>/api-token` (--data, else OFGUARD_DATA_DIR,
 * else "data"), which the controller creates with mode 0600 on first start.
 */
import { readFileSync } from 'node:fs';
import { tokenPath } from '../api/token.js';

export const DEFAULT_API_URL = 'http://127.0.0.1:6680';
const TIMEOUT_MS = 10_000;

/** Exit codes: 1 something failed, 2 the command line was wrong. */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    message: string,
    readonly exitCode: 1 | 2 = 1,
    /** The API's error code, when the API refused. */
    readonly apiCode?: string,
  ) {
    super(message);
  }
}

export interface ClientFlags {
  api?: string;
  data?: string;
}

export function notRunningMessage(url: string): string {
  return `cannot reach ofguard at ${url} — is it running? start it with: sudo bin/ofguard start`;
}

export class ApiClient {
  private token?: string;

  constructor(
    readonly url: string,
    private readonly tokenSource: { env?: string; file: string },
  ) {}

  static fromFlags(flags: ClientFlags, env: NodeJS.ProcessEnv = process.env): ApiClient {
    const raw = flags.api ?? env.OFGUARD_API_URL ?? DEFAULT_API_URL;
    let url: string;
    try {
      const u = new URL(raw);
      if (u.protocol !== 'http:') throw new Error('only http:// is served');
      url = u.origin;
    } catch (err) {
      throw new CliError(`--api must be an http:// URL like ${DEFAULT_API_URL}, got "${raw}" (${(err as Error).message})`, 2);
    }
    const dataDir = flags.data ?? env.OFGUARD_DATA_DIR ?? 'data';
    return new ApiClient(url, { ...(env.OFGUARD_API_TOKEN ? { env: env.OFGUARD_API_TOKEN } : {}), file: tokenPath(dataDir) });
  }

  /** One API call; the parsed JSON answer, or a CliError that says what to do. */
  async request<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
    const token = await this.bearer();
    let res: Response;
    try {
      res = await fetch(this.url + path, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch {
      throw new CliError(notRunningMessage(this.url));
    }
    const text = await res.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new CliError(`${this.url} answered ${res.status} with something that is not the ofguard API`);
    }
    if (!res.ok) {
      const e = (json as { error?: { code?: string; message?: string } }).error;
      const hint = res.status === 401 ? ` (the token in ${this.tokenSource.file} does not match this controller: use --data with its state folder)` : '';
      throw new CliError(`${e?.message ?? `HTTP ${res.status}`}${hint}`, 1, e?.code);
    }
    return json as T;
  }

  private async bearer(): Promise<string> {
    if (this.token) return this.token;
    if (this.tokenSource.env) return (this.token = this.tokenSource.env);
    try {
      return (this.token = readFileSync(this.tokenSource.file, 'utf8').trim());
    } catch (err) {
      // No token usually means no controller ever ran here: say that first if nothing answers.
      if (!(await this.reachable())) throw new CliError(notRunningMessage(this.url));
      const why = (err as NodeJS.ErrnoException).code === 'EACCES' ? 'permission denied: run as the user that runs ofguard (or root)' : (err as Error).message;
      throw new CliError(`cannot read the API token ${this.tokenSource.file}: ${why}; pass --data with the controller's state folder or set OFGUARD_API_TOKEN`);
    }
  }

  private async reachable(): Promise<boolean> {
    try {
      const res = await fetch(`${this.url}/health`, { signal: AbortSignal.timeout(TIMEOUT_MS) });
      return res.ok;
    } catch {
      return false;
    }
  }
}
