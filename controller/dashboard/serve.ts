/**
 * Serves the dashboard's static files (built by scripts/copy-assets.mjs into dist/dashboard)
 * at GET /dashboard. The page itself needs no token: it holds no data and asks the
 * operator for the token, which it then sends with every API call and the WebSocket.
 * Only the files the build writes are served, by exact name: no path from the URL ever
 * reaches the file system.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export const DASHBOARD_PATH = '/dashboard';

const FILES: Record<string, { file: string; type: string }> = {
  '/dashboard': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/dashboard/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/dashboard/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/dashboard/app.css': { file: 'app.css', type: 'text/css; charset=utf-8' },
  '/dashboard/uplot.css': { file: 'uplot.css', type: 'text/css; charset=utf-8' },
};

/** Everything from this origin only: no CDN, no inline script, no framing. */
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/**
 * Where the build put the assets: dist/dashboard, found from the compiled controller
 * (dist/controller/dashboard/serve.js) or from the source when running with tsx.
 */
export function dashboardDir(): string | undefined {
  const here = fileURLToPath(import.meta.url);
  const compiled = here.includes(`${sep}dist${sep}controller${sep}`);
  const dir = fileURLToPath(new URL(compiled ? '../../dashboard/' : '../../dist/dashboard/', import.meta.url));
  return existsSync(dir + 'index.html') ? dir : undefined;
}

export function isDashboardPath(pathname: string): boolean {
  return pathname === DASHBOARD_PATH || pathname.startsWith(DASHBOARD_PATH + '/');
}

/** Answers a GET/HEAD under /dashboard: the file, 404 for any other name, 503 when not built. */
export function serveDashboard(pathname: string, method: string, res: ServerResponse, dir = dashboardDir()): void {
  const entry = FILES[pathname];
  if (!entry) return plain(res, 404, `no dashboard file ${pathname}`);
  if (!dir) return plain(res, 503, 'the dashboard is not built: run "npm run build"');
  let body: Buffer;
  try {
    body = readFileSync(dir + entry.file);
  } catch {
    return plain(res, 503, `the dashboard build is incomplete (${entry.file} missing): run "npm run build"`);
  }
  res.writeHead(200, {
    'Content-Type': entry.type,
    'Content-Length': body.length,
    'Content-Security-Policy': CSP,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cache-Control': 'no-cache',
  });
  res.end(method === 'HEAD' ? undefined : body);
}

function plain(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(text + '\n');
}
