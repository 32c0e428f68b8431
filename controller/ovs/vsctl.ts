/** Running ovs-vsctl: the one edge of controller/ovs that touches the system. */
import { execFile } from 'node:child_process';
import { classifyVsctlFailure } from './errors.js';

/** Runs ovs-vsctl with these arguments and resolves to its stdout; rejects with an OvsError. */
export type Vsctl = (args: readonly string[]) => Promise<string>;

/** ovs-vsctl's own deadline (it waits for ovs-vswitchd to apply a change); ours is a little longer. */
const VSCTL_TIMEOUT_S = 10;

export function systemVsctl(binary = 'ovs-vsctl'): Vsctl {
  return (args) =>
    new Promise((resolve, reject) => {
      execFile(binary, [`--timeout=${VSCTL_TIMEOUT_S}`, ...args], { encoding: 'utf8', timeout: (VSCTL_TIMEOUT_S + 5) * 1000 }, (err, stdout, stderr) => {
        if (!err) return resolve(stdout);
        const e = err as NodeJS.ErrnoException & { killed?: boolean; signal?: string | null };
        reject(classifyVsctlFailure({ errno: typeof e.code === 'string' ? e.code : undefined, stderr: stderr || e.message, signal: e.signal ?? null, timedOut: e.killed === true }));
      });
    });
}
