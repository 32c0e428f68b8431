/** Reads what Open vSwitch really holds, through its own tools: the independent check. */
import { execFileSync } from 'node:child_process';

function run(cmd: string, args: string[]): string {
  // A flooded accounting table dumps to many megabytes.
  return execFileSync(cmd, args, { encoding: 'utf8', timeout: 20_000, maxBuffer: 256 * 1024 * 1024 });
}

export function dumpFlows(bridge: string, filter?: string): string[] {
  const args = ['-O', 'OpenFlow13', '--no-stats', 'dump-flows', bridge];
  if (filter) args.push(filter);
  return run('ovs-ofctl', args).split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('OFPST_FLOW'));
}

export function dumpFlowsWithStats(bridge: string, filter?: string): string[] {
  const args = ['-O', 'OpenFlow13', 'dump-flows', bridge];
  if (filter) args.push(filter);
  return run('ovs-ofctl', args).split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('OFPST_FLOW'));
}

export function dumpMeters(bridge: string): string {
  return run('ovs-ofctl', ['-O', 'OpenFlow13', 'dump-meters', bridge]);
}

export function vsctl(...args: string[]): string {
  return run('ovs-vsctl', ['--timeout=10', ...args]);
}

export function ovsRunning(): boolean {
  try { vsctl('show'); return true; } catch { return false; }
}

/** Deletes only the bridges a crashed test of ours left behind (never `mn -c`). */
export function deleteBridges(names: string[]): void {
  for (const name of names) {
    try { vsctl('--if-exists', 'del-br', name); } catch { /* already gone */ }
  }
}

/** Sum of n_packets over the flows that match a filter, from ovs-ofctl's own reading. */
export function packetCount(bridge: string, filter?: string): number {
  let sum = 0;
  for (const line of dumpFlowsWithStats(bridge, filter)) {
    const m = line.match(/n_packets=(\d+)/);
    if (m) sum += Number(m[1]);
  }
  return sum;
}
