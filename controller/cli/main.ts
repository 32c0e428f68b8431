/**
 * The `ofguard` command line (commander). Subcommands that talk to a running controller
 * go through its admin API; `start` runs the controller in this process.
 * Exit codes: 0 ok, 1 error, 2 usage or a config start cannot use. Whatever fails, the
 * user gets one `ofguard: ...` line, never a stack trace.
 */
import { Command, Option } from 'commander';
import { readFileSync } from 'node:fs';
import { formatOfpPrint, ofpPrint } from '../openflow/index.js';
import { startCommand } from './start.js';
import { demoCommand } from './demo.js';
import { registerOperatorCommands } from './commands.js';
import { registerOvsCommands } from './ovs.js';
import { registerEventsCommand } from './events.js';
import { readTrace } from '../replay/read.js';
import { formatTimeline, replayTimeline } from '../replay/timeline.js';
import type { PolicyConfigInput } from '../policy/config.js';

const program = new Command();
program
  .name('ofguard')
  .description('OpenFlow 1.3 controller that defends the hosts behind Open vSwitch from floods, scans and brute force')
  .version('0.1.0');

program
  .command('start')
  .description('run the controller in the foreground')
  .option('--config <file>', 'config file (JSON or YAML); OFGUARD_* environment variables and flags override it')
  .option('--port <port>', 'OpenFlow listen port (default 6653)', (v) => parsePort(v, '--port'))
  .option('--listen <address>', 'OpenFlow listen address (default 0.0.0.0)')
  .option('--data <dir>', 'state folder: SQLite database, API token (default data)')
  .option('--poll-interval <ms>', 'statistics poll interval in milliseconds (default 1000)', (v) => parsePositive(v, '--poll-interval'))
  .option('--record <trace>', 'record every stats snapshot to this trace file (for ofguard replay)')
  .addOption(new Option('--log-level <level>', 'log level (default info)').choices(['trace', 'debug', 'info', 'warn', 'error']))
  .action(async (opts) => startCommand(opts));

program
  .command('ofp-print')
  .description('decode a binary OpenFlow message file (or a pcap of port 6653/6633) and print it as JSON')
  .argument('<file>', 'file with one or more OpenFlow messages, or a pcap')
  .option('--json', 'one JSON array of every message (for jq and scripts)')
  .action((file: string, opts: { json?: boolean }) => {
    let bytes: Buffer;
    try {
      bytes = readFileSync(file);
    } catch (err) {
      fail(`cannot read ${file}: ${(err as Error).message}`);
    }
    try {
      const entries = ofpPrint(bytes);
      const text = opts.json ? JSON.stringify(entries, null, 2) : formatOfpPrint(bytes);
      process.stdout.write(text + '\n');
      // Everything decodable was printed; a message that was not makes the exit code say so.
      if (entries.some((e) => e.error)) process.exitCode = 1;
    } catch (err) {
      fail(`${file}: ${(err as Error).message}`);
    }
  });

program
  .command('replay')
  .description('run a recorded trace through detection and policy on simulated time and print the decision timeline')
  .argument('<trace>', 'trace file (JSON Lines, see controller/replay/FORMAT.md)')
  .option('--policy <file>', 'policy config (JSON) to try instead of the defaults')
  .option('--json', 'the timeline as JSON')
  .action(async (file: string, opts: { policy?: string; json?: boolean }) => {
    let policy: PolicyConfigInput | undefined;
    if (opts.policy) {
      try {
        policy = JSON.parse(readFileSync(opts.policy, 'utf8')) as PolicyConfigInput;
      } catch (err) {
        fail(`cannot read policy ${opts.policy}: ${(err as Error).message}`);
      }
    }
    let timeline;
    try {
      timeline = replayTimeline(await readTrace(file), { policy });
    } catch (err) {
      fail((err as Error).message);
    }
    process.stdout.write((opts.json ? JSON.stringify(timeline, (_k, v) => (typeof v === 'bigint' ? v.toString() : v), 2) : formatTimeline(timeline)) + '\n');
  });

program
  .command('demo')
  .description('attack-replay demo: a Mininet office network defended by ofguard while attacks are replayed; writes a report')
  .option('--out <dir>', 'where the report, chart and logs go', 'reports/demo')
  .option('--scale <factor>', 'stretch or shrink every phase', (v) => parsePositive(v, '--scale'), 1)
  .addOption(new Option('--log-level <level>', 'controller log level (to the log file)').choices(['trace', 'debug', 'info', 'warn', 'error']).default('info'))
  .action(async (opts: { out: string; scale: number; logLevel: string }) => {
    try {
      await demoCommand(opts);
      process.exit(0);
    } catch (err) {
      fail(`demo failed: ${(err as Error).message}`);
    }
  });

function fail(message: string, exitCode: 1 | 2 = 1): never {
  process.stderr.write(`ofguard: ${message}\n`);
  process.exit(exitCode);
}

function parsePort(v: string, flag: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 65535) fail(`${flag} must be a TCP port 1-65535, got "${v}"`, 2);
  return n;
}

function parsePositive(v: string, flag: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) fail(`${flag} must be a positive number, got "${v}"`, 2);
  return n;
}

registerOperatorCommands(program);
registerOvsCommands(program);
registerEventsCommand(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  // Every command reports its own failures; anything else still ends as one line.
  fail(err instanceof Error ? err.message : String(err));
}
