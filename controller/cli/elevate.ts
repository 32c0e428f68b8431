/**
 * Commands that build Mininet networks need root. A root shell on a minimal Debian (a
 * container, a cloud image) has no sudo, and a user's shell has sudo but is not root, so
 * the same printed command has to work in both: as root it runs here, otherwise it runs
 * itself again through sudo, and only a non-root shell without sudo is refused.
 */
import { spawn } from 'node:child_process';

/** The command line that started this process, as sudo should run it again. */
export function ownCommandLine(): string[] {
  // execPath and execArgv keep the same Node and loader (`--import tsx` from the sources);
  // the absolute execPath also survives sudo's secure PATH.
  return [process.execPath, ...process.execArgv, ...process.argv.slice(1)];
}

export interface ElevateOptions {
  /** what needs root, for the refusal: "ofguard demo builds a Mininet network" */
  why: string;
  /** the command to print when sudo is missing */
  hint: string;
  uid?: number;
  sudo?: string;
  commandLine?: string[];
  stderr?: (text: string) => void;
}

/**
 * Returns `undefined` when this process already is root (carry on here); otherwise the exit
 * code of the same command run through sudo, or 2 when there is no sudo to run it with.
 */
export async function rerunAsRootUnlessRoot(opts: ElevateOptions): Promise<number | undefined> {
  const uid = opts.uid ?? process.getuid?.();
  if (uid === 0) return undefined;
  const stderr = opts.stderr ?? ((text: string) => process.stderr.write(text));
  const [command, ...args] = opts.commandLine ?? ownCommandLine();
  return new Promise((resolve) => {
    const child = spawn(opts.sudo ?? 'sudo', ['--', command!, ...args], { stdio: 'inherit' });
    // Ctrl-C reaches the child as well (same process group, and sudo relays it); this
    // process only waits so that the child can clean up before the shell comes back.
    const ignore = () => undefined;
    process.on('SIGINT', ignore);
    process.on('SIGTERM', ignore);
    const done = (code: number) => {
      process.off('SIGINT', ignore);
      process.off('SIGTERM', ignore);
      resolve(code);
    };
    child.once('error', (err: NodeJS.ErrnoException) => {
      stderr(err.code === 'ENOENT'
        ? `${opts.why} and needs root; there is no sudo here: run it as root (${opts.hint})\n`
        : `${opts.why} and needs root; sudo failed: ${err.message}\n`);
      done(2);
    });
    child.once('exit', (code, signal) => done(code ?? (signal === 'SIGINT' ? 130 : 1)));
  });
}
