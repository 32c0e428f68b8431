/**
 * Node side of scripts/mininet_driver.py: one Mininet network per instance, driven over
 * JSON lines. Used by the demo, the integration tests and the end-to-end benchmark.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** The checkout's root: found upward from this file, from the sources and from dist/ alike. */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'scripts', 'mininet_driver.py'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot find scripts/mininet_driver.py above ' + fileURLToPath(import.meta.url));
    dir = up;
  }
  return dir;
}

const DRIVER = join(repoRoot(), 'scripts', 'mininet_driver.py');

export interface MininetHost { name: string; ip: string; mac: string }
export interface MininetSwitch { name: string; dpid: string; connected: boolean; ports: Record<string, number> }
export interface StartedNetwork { hosts: MininetHost[]; switches: MininetSwitch[]; links: [string, string, string, string][] }
export interface CmdResult { out: string; rc: number }

export interface StartOptions {
  /** mn-style topology spec: 'single,4', 'linear,4', 'tree,depth=2,fanout=3', 'office', 'campus,edges=3' */
  topo: string;
  port: number;
  failMode?: 'secure' | 'standalone';
  connectTimeout?: number;
}

export class Mininet {
  private child: ChildProcessWithoutNullStreams;
  private nextId = 1;
  private pending = new Map<number, { resolve: (v: any) => void; reject: (e: Error) => void }>();
  private stderr = '';
  network?: StartedNetwork;

  constructor() {
    this.child = spawn('/usr/bin/python3', [DRIVER], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stderr.on('data', (d) => { this.stderr = (this.stderr + d).slice(-8000); });
    createInterface({ input: this.child.stdout }).on('line', (line) => {
      let msg: any;
      try { msg = JSON.parse(line); } catch { return; } // Mininet may print its own lines
      const waiter = this.pending.get(msg.id);
      if (!waiter) return;
      this.pending.delete(msg.id);
      if (msg.ok) waiter.resolve(msg);
      else waiter.reject(new Error(`mininet: ${msg.error}`));
    });
    this.child.on('exit', (code) => {
      for (const w of this.pending.values()) w.reject(new Error(`mininet driver exited (${code}): ${this.stderr}`));
      this.pending.clear();
    });
  }

  /**
   * One request to the driver. Every request has a deadline: a driver that stops answering
   * fails the test that waits on it instead of holding the whole suite.
   */
  private request<T>(op: string, args: Record<string, unknown> = {}, timeoutMs = 120_000): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`mininet: no answer to ${op} within ${timeoutMs} ms; driver stderr: ${this.stderr.slice(-2000)}`));
      }, timeoutMs);
      this.pending.set(id, {
        resolve: (v) => { clearTimeout(timer); resolve(v); },
        reject: (e) => { clearTimeout(timer); reject(e); },
      });
      this.child.stdin.write(JSON.stringify({ op, id, ...args }) + '\n');
    });
  }

  async start(opts: StartOptions): Promise<StartedNetwork> {
    this.network = await this.request<StartedNetwork>('start', { ...opts });
    return this.network;
  }

  host(name: string): MininetHost {
    const h = this.network?.hosts.find((x) => x.name === name);
    if (!h) throw new Error(`no host ${name}`);
    return h;
  }

  pingall(timeout = 2): Promise<{ sent: number; received: number; loss: number }> {
    return this.request('pingall', { timeout }, 300_000);
  }

  /** Runs a command in a host, killed after `timeout` seconds whatever it does. */
  cmd(host: string, cmd: string, timeout = 10): Promise<CmdResult> {
    return this.request('cmd', { host, cmd, timeout }, (timeout + 30) * 1000);
  }

  /** Starts a bounded background command in a host; `wait` collects its output. */
  spawn(host: string, cmd: string, timeout = 60): Promise<{ handle: number; pid: number }> {
    return this.request('spawn', { host, cmd, timeout });
  }

  wait(handle: number, timeout = 30): Promise<CmdResult> {
    return this.request('wait', { handle, timeout }, (timeout + 30) * 1000);
  }

  kill(handle: number): Promise<void> {
    return this.request('kill', { handle });
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    try { await this.request('stop', {}, 60_000); } catch { /* the driver stops the network on exit anyway */ }
    this.child.stdin.end();
    await new Promise<void>((resolve) => {
      if (this.child.exitCode !== null) return resolve();
      const timer = setTimeout(() => { this.child.kill('SIGKILL'); resolve(); }, 20_000);
      this.child.on('exit', () => { clearTimeout(timer); resolve(); });
    });
  }
}
