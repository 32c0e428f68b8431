/**
 * What `ofguard start` needs from this machine beyond a config the schema accepts, checked
 * the same way by `config check` and by `start` (through loadConfig), so the two never
 * disagree about a config:
 * - openflow.tls: the cert, key and CA files readable, PEM, the key the cert's, and a set
 *   OpenSSL accepts (the files' bytes are handed to start, which reads nothing again);
 * - dataDir: a folder this user can write, or one it can create;
 * - detect.geo.database: a MaxMind database that opens.
 * Listening is different: a port in use now may be free when start runs, so `config check`
 * only warns (listenWarnings) and start reports the real bind error with the same words
 * (listenProblem). Every problem names its field, for one line per problem.
 *
 * Checks run as the user who runs them: run `config check` as the user ofguard runs as.
 */
import { accessSync, constants, readFileSync, statSync, type Stats } from 'node:fs';
import { createServer } from 'node:net';
import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';
import { createSecureContext } from 'node:tls';
import { dirname, resolve } from 'node:path';
import { GeoDatabase } from '../detect/geo.js';
import type { ConfigProblem } from './load.js';
import type { Config } from './schema.js';

/** The PEM bytes of openflow.tls, read and checked once. */
export interface TlsFiles {
  key: Buffer;
  cert: Buffer;
  ca?: Buffer;
}

export interface Preflight {
  problems: ConfigProblem[];
  /** Set when openflow.tls is set and every file in it passed. */
  tls?: TlsFiles;
}

const FS_REASONS: Record<string, string> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied for this user',
  EISDIR: 'it is a folder',
  ENOTDIR: 'a parent is not a folder',
  ELOOP: 'too many symbolic links',
};

function fsReason(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code ?? '';
  return FS_REASONS[code] ? `${FS_REASONS[code]} (${code})` : (err as Error).message;
}

function problem(at: Array<string | number>, reason: string): ConfigProblem {
  return { path: at.join('.'), reason, at };
}

function readFile(at: string[], path: string, out: ConfigProblem[]): Buffer | undefined {
  try {
    return readFileSync(path);
  } catch (err) {
    out.push(problem(at, `cannot read ${path}: ${fsReason(err)}`));
    return undefined;
  }
}

function certificate(at: string[], path: string, bytes: Buffer, out: ConfigProblem[]): X509Certificate | undefined {
  try {
    return new X509Certificate(bytes);
  } catch {
    out.push(problem(at, `${path} holds no PEM certificate`));
    return undefined;
  }
}

/** PKCS#8 and the older OpenSSL form both say so in the clear. */
const ENCRYPTED_PEM = /-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type: 4,ENCRYPTED/;

function privateKey(at: string[], path: string, bytes: Buffer, out: ConfigProblem[]): KeyObject | undefined {
  if (ENCRYPTED_PEM.test(bytes.toString('latin1'))) {
    out.push(problem(at, `${path} is an encrypted key (ofguard takes no passphrase)`));
    return undefined;
  }
  try {
    return createPrivateKey(bytes);
  } catch {
    out.push(problem(at, `${path} holds no PEM private key`));
    return undefined;
  }
}

function checkTls(tls: NonNullable<Config['openflow']['tls']>, out: ConfigProblem[]): TlsFiles | undefined {
  const before = out.length;
  const certAt = ['openflow', 'tls', 'cert'];
  const keyAt = ['openflow', 'tls', 'key'];
  const caAt = ['openflow', 'tls', 'ca'];
  const cert = readFile(certAt, tls.cert, out);
  const key = readFile(keyAt, tls.key, out);
  const ca = tls.ca !== undefined ? readFile(caAt, tls.ca, out) : undefined;
  const x509 = cert && certificate(certAt, tls.cert, cert, out);
  const keyObject = key && privateKey(keyAt, tls.key, key, out);
  if (ca) certificate(caAt, tls.ca!, ca, out);
  if (x509 && keyObject && !x509.checkPrivateKey(keyObject)) out.push(problem(keyAt, `${tls.key} is not the key of the certificate in ${tls.cert}`));
  if (out.length > before || !cert || !key) return undefined;
  try {
    // What the TLS server will do with them: OpenSSL's own limits (key size, digest) apply here.
    createSecureContext({ cert, key, ...(ca ? { ca } : {}) });
  } catch (err) {
    out.push(problem(certAt, `OpenSSL refuses ${tls.cert} with ${tls.key}: ${(err as Error).message}`));
    return undefined;
  }
  return { cert, key, ...(ca ? { ca } : {}) };
}

function writable(path: string): boolean {
  try {
    accessSync(path, constants.W_OK | constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** dataDir is a folder this user may write, or the nearest existing parent is one (start creates the rest). */
function checkDataDir(dataDir: string, out: ConfigProblem[]): void {
  const at = ['dataDir'];
  let path = resolve(dataDir);
  let stats: Stats | undefined;
  for (;;) {
    try {
      stats = statSync(path);
      break;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') return void out.push(problem(at, `cannot look at ${path}: ${fsReason(err)}`));
      if (dirname(path) === path) return;
      path = dirname(path);
    }
  }
  const exists = path === resolve(dataDir);
  const prefix = exists ? '' : `cannot be created: `;
  if (!stats.isDirectory()) out.push(problem(at, `${prefix}${path} is not a folder`));
  else if (!writable(path)) out.push(problem(at, `${prefix}${path} is not writable by this user`));
}

/** Everything start reads from the disk before it listens, as problems naming their fields. */
export function preflight(config: Config): Preflight {
  const problems: ConfigProblem[] = [];
  const tls = config.openflow.tls ? checkTls(config.openflow.tls, problems) : undefined;
  checkDataDir(config.dataDir, problems);
  const geo = config.detect.geo;
  if (geo) {
    try {
      GeoDatabase.openSync(geo.database);
    } catch (err) {
      problems.push(problem(['detect', 'geo', 'database'], (err as Error).message));
    }
  }
  return { problems, ...(tls ? { tls } : {}) };
}

/** The two sockets start listens on. */
export type Listener = 'openflow' | 'api';

function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * A failed listen as a problem naming the field (undefined when the error is not about
 * listening). The same words for start's real error and for check's warning.
 */
export function listenProblem(listener: Listener, host: string, port: number, err: unknown): ConfigProblem | undefined {
  const e = err as NodeJS.ErrnoException;
  if (e?.syscall !== 'listen' && e?.syscall !== 'bind') return undefined;
  const where = hostPort(host, port);
  switch (e.code) {
    case 'EADDRINUSE':
      return problem([listener, 'port'], `${where} is already in use`);
    case 'EACCES':
      return problem([listener, 'port'], `no permission to listen on ${where} (ports below 1024 need root or CAP_NET_BIND_SERVICE)`);
    case 'EADDRNOTAVAIL':
      return problem([listener, 'listen'], `${host} is not an address of this machine`);
    default:
      return problem([listener, 'port'], `cannot listen on ${where}: ${e.code ?? e.message}`);
  }
}

function tryListen(host: string, port: number): Promise<unknown> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', resolve);
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(undefined)));
  });
}

/** Ports start would listen on that cannot be listened on now (port 0, any free port, is never checked). */
export async function listenWarnings(config: Config): Promise<ConfigProblem[]> {
  const listeners: Array<[Listener, string, number]> = [['openflow', config.openflow.listen, config.openflow.port]];
  if (config.api.enabled) listeners.push(['api', config.api.listen, config.api.port]);
  const out: ConfigProblem[] = [];
  for (const [listener, host, port] of listeners) {
    if (port === 0) continue;
    const found = listenProblem(listener, host, port, await tryListen(host, port));
    if (found) out.push(found);
  }
  return out;
}
