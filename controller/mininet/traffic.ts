/**
 * Legitimate users and attackers inside Mininet hosts: every loop is bounded in count and
 * time and stops by itself (the driver also kills each command at its timeout).
 */
import { join } from 'node:path';
import { repoRoot, type Mininet } from './client.js';

const HTTP_SERVER = join(repoRoot(), 'scripts', 'traffic', 'http-server.mjs');

/** Starts the small HTTP service in a host (stops by itself after `seconds`). */
export function startHttpServer(net: Mininet, host: string, port = 8080, seconds = 120) {
  const ip = net.host(host).ip;
  return net.spawn(host, `${process.execPath} ${HTTP_SERVER} ${ip} ${port} ${seconds}`, seconds + 5);
}

/**
 * A legitimate client: HTTP requests one every `intervalMs`, `count` of them at most and
 * for `seconds` at most; prints one status code per line.
 */
export function startHttpClient(net: Mininet, host: string, url: string, count: number, intervalMs = 200, seconds = Math.ceil(count * (intervalMs / 1000 + 2))) {
  const cmd = `end=$(($(date +%s) + ${seconds})); i=0; while [ $i -lt ${count} ] && [ $(date +%s) -lt $end ]; do curl -s -o /dev/null -w '%{http_code}\\n' --max-time 2 ${url}; i=$((i + 1)); sleep ${intervalMs / 1000}; done`;
  return net.spawn(host, cmd, seconds + 10);
}

/** startHttpClient whose lines are "<epoch ms> <status>", so a test can count what happened after a moment. */
export function startTimedHttpClient(net: Mininet, host: string, url: string, count: number, intervalMs = 200, seconds = Math.ceil(count * (intervalMs / 1000 + 2))) {
  const cmd = `end=$(($(date +%s) + ${seconds})); i=0; while [ $i -lt ${count} ] && [ $(date +%s) -lt $end ]; do t=$(date +%s%3N); c=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 ${url}); echo "$t $c"; i=$((i + 1)); sleep ${intervalMs / 1000}; done`;
  return net.spawn(host, cmd, seconds + 10);
}

/** Of a timed client's requests, those started at or after `sinceMs` (epoch ms): how many, how many answered 200. */
export function successesSince(out: string, sinceMs: number): { ok: number; total: number } {
  const lines = out.split('\n').map((l) => l.trim().match(/^(\d{13}) (\d{3})$/)).filter((m): m is RegExpMatchArray => m !== null && Number(m[1]) >= sinceMs);
  return { ok: lines.filter((m) => m[2] === '200').length, total: lines.length };
}

export function countSuccesses(out: string): { ok: number; total: number } {
  const codes = out.split('\n').map((l) => l.trim()).filter((l) => /^\d{3}$/.test(l));
  return { ok: codes.filter((c) => c === '200').length, total: codes.length };
}

/** hping3 flood for `seconds` (SIGINT so hping3 prints its totals), e.g. flags '-S -p 8080'. */
export function startFlood(net: Mininet, host: string, target: string, flags: string, seconds: number) {
  return net.spawn(host, `timeout -s INT ${seconds} hping3 ${flags} --flood ${target} 2>&1 | tail -3`, seconds + 5);
}

export function packetsSent(hpingOut: string): number {
  return Number(hpingOut.match(/(\d+) packets transmitted/)?.[1] ?? 0);
}
