/**
 * `ofguard ovs connect | status | disconnect`: point Open vSwitch bridges at ofguard and
 * back, through ovs-vsctl (controller/ovs). Exit codes: 0 ok, 1 error, 2 usage.
 *
 * main.ts calls `registerOvsCommands(program)`.
 */
import { Command, Option, type CommanderError } from 'commander';
import { OvsError } from '../ovs/errors.js';
import { bridgeStatus, connectBridge, disconnectBridge, readOvsState, type BridgeStatus } from '../ovs/manage.js';
import { DEFAULT_TARGET, parseTarget, type ConnectionMode, type FailMode, type Plan } from '../ovs/plan.js';
import { systemVsctl } from '../ovs/vsctl.js';
import { table } from './format.js';

function print(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : text + '\n');
}

function fail(message: string, exitCode: number): never {
  process.stderr.write(`ofguard: ${message}\n`);
  process.exit(exitCode);
}

function run<A extends unknown[]>(fn: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await fn(...args);
    } catch (err) {
      if (!(err instanceof OvsError)) throw err;
      fail(err.message, err.code === 'OVS_BAD_TARGET' ? 2 : 1);
    }
  };
}

function printPlan(bridge: string, plan: Plan, done: string): void {
  print(`${bridge}: ${done}`);
  for (const note of plan.notes) print(`  - ${note}`);
}

export function formatStatus(list: readonly BridgeStatus[]): string {
  if (list.length === 0) return 'no bridges';
  const rows: string[][] = [];
  for (const b of list) {
    const controllers = b.controllers.length ? b.controllers : [undefined];
    for (const c of controllers) {
      rows.push([
        b.bridge, b.failMode, b.protocols,
        c?.target ?? '-',
        c ? (c.connected ? 'yes' : `no${c.lastError ? ` (${c.lastError})` : ''}`) : '-',
        c?.role ?? '-',
        c ? c.connectionMode : '-',
        c?.ofguard ? 'ofguard' : '',
      ]);
    }
  }
  return table(['BRIDGE', 'FAIL-MODE', 'PROTOCOLS', 'CONTROLLER', 'CONNECTED', 'ROLE', 'MODE', ''], rows);
}

interface ConnectFlags {
  target: string;
  failMode: FailMode;
  connectionMode: ConnectionMode;
  privateKey?: string;
  certificate?: string;
  caCert?: string;
}

export function registerOvsCommands(program: Command): void {
  const ovs = program
    .command('ovs')
    .description('point Open vSwitch bridges at ofguard (through ovs-vsctl; root)')
    .exitOverride((err: CommanderError) => process.exit(err.exitCode === 0 ? 0 : 2));

  ovs
    .command('connect')
    .description('make a bridge use ofguard: controller target, OpenFlow13, fail mode (previous settings recorded for disconnect)')
    .argument('<bridge>', 'Open vSwitch bridge, e.g. br0')
    .option('--target <target>', 'where ofguard listens: tcp:IP:PORT or ssl:IP:PORT', DEFAULT_TARGET)
    .addOption(new Option('--fail-mode <mode>', 'what the switch does while ofguard is away (secure keeps protection, standalone keeps connectivity)').choices(['secure', 'standalone']).default('secure'))
    .addOption(new Option('--connection-mode <mode>', 'out-of-band: no hidden in-band flows that would bypass the guard table').choices(['out-of-band', 'in-band']).default('out-of-band'))
    .option('--private-key <file>', 'ssl: the switch\'s private key (PEM), for ovs-vsctl set-ssl')
    .option('--certificate <file>', 'ssl: the switch\'s certificate (PEM)')
    .option('--ca-cert <file>', 'ssl: the CA certificate that signed ofguard\'s certificate (PEM)')
    .action(run(async (bridge: string, flags: ConnectFlags) => {
      parseTarget(flags.target);
      const files = [flags.privateKey, flags.certificate, flags.caCert];
      if (files.some((f) => f !== undefined) && files.some((f) => f === undefined)) fail('--private-key, --certificate and --ca-cert go together', 2);
      const ssl = flags.privateKey && flags.certificate && flags.caCert ? { privateKey: flags.privateKey, certificate: flags.certificate, caCert: flags.caCert } : undefined;
      const plan = await connectBridge(systemVsctl(), bridge, { target: flags.target, failMode: flags.failMode, connectionMode: flags.connectionMode, ...(ssl ? { ssl } : {}) });
      printPlan(bridge, plan, `now points at ofguard (${flags.target})`);
    }));

  ovs
    .command('status')
    .description('every bridge: controller targets, connected, role, fail mode, protocols, and which target is ofguard')
    .option('--target <target...>', 'targets to recognise as ofguard besides the recorded one', [DEFAULT_TARGET])
    .option('--json', 'JSON output for scripts')
    .action(run(async (flags: { target: string[]; json?: boolean }) => {
      const list = bridgeStatus(await readOvsState(systemVsctl()), flags.target);
      print(flags.json ? JSON.stringify(list, null, 2) : formatStatus(list));
    }));

  ovs
    .command('disconnect')
    .description('remove ofguard\'s controller target from a bridge and restore the fail mode (and protocols) it had')
    .argument('<bridge>', 'Open vSwitch bridge')
    .option('--target <target>', 'ofguard\'s target, when the bridge has none recorded')
    .action(run(async (bridge: string, flags: { target?: string }) => {
      const plan = await disconnectBridge(systemVsctl(), bridge, flags.target);
      printPlan(bridge, plan, 'no longer points at ofguard');
    }));
}
