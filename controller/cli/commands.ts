/**
 * The operator subcommands of `ofguard`, over the admin API of a running controller:
 * status, switches, decisions list|add|delete, block, unblock, reputation, top, audit,
 * policy get|set|versions, allow, whitelist|blocklist list|add|rm, and `config check FILE`
 * (offline). Human tables by default, `--json` for scripts.
 * Exit codes: 0 ok, 1 error (the API refused, the controller is not running), 2 usage.
 * Addresses are read by the policy's one strict parser before anything is sent: a typo
 * ("10.1.2.3/") is a usage error, and a network wider than /8 (IPv4) or /16 (IPv6), /0
 * included, needs --force.
 *
 * main.ts calls `registerOperatorCommands(program)`.
 */
import { Command, Option, type CommanderError } from 'commander';
import { ConfigError, formatProblem, loadConfig, type ConfigProblem, type LoadedConfig } from '../config/load.js';
import { listenWarnings } from '../config/preflight.js';
import type { DecisionView } from '../api/views.js';
import { ApiClient, CliError, type ClientFlags } from './client.js';
import { clip, decisionTable, enforcementText, flattenLeaves, formatSeconds, parseAssignment, parseDuration, table } from './format.js';
import { setPath } from '../config/paths.js';
import { isWide, readCidr, wideMessage } from '../policy/address.js';

interface CommonFlags extends ClientFlags {
  json?: boolean;
}

const ACTIONS = ['monitor', 'rate-limit', 'selective-drop', 'drop'];

function print(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : text + '\n');
}

function printJson(value: unknown): void {
  print(JSON.stringify(value, null, 2));
}

/** Runs an action; a CliError becomes its message on stderr and its exit code. */
function run<A extends unknown[]>(fn: (...args: A) => Promise<void> | void): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await fn(...args);
    } catch (err) {
      if (!(err instanceof CliError)) throw err;
      process.stderr.write(`ofguard: ${err.message}\n`);
      process.exit(err.exitCode);
    }
  };
}

/** Commander's own errors (unknown option, missing argument) are usage errors: exit 2; help is 0. */
function usageExits(cmd: Command): Command {
  return cmd.exitOverride((err: CommanderError) => process.exit(err.exitCode === 0 ? 0 : 2));
}

function withClient(cmd: Command): Command {
  return usageExits(cmd)
    .option('--api <url>', 'admin API address (default OFGUARD_API_URL or http://127.0.0.1:6680)')
    .option('--data <dir>', 'state folder holding api-token (default OFGUARD_DATA_DIR or data)')
    .option('--json', 'JSON output for scripts');
}

function durationOption(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const s = parseDuration(text);
  if (s === undefined) throw new CliError(`--duration must be like 90s, 10m, 4h or 1d, got "${text}"`, 2);
  return s;
}

/** An address or network argument as the policy will read it: refused here (exit 2) when it is not one, or is wide and `allowWide` is false. */
function addressArgument(text: string, allowWide: boolean): void {
  const c = readCidr(text);
  if (typeof c === 'string') throw new CliError(c, 2);
  if (!allowWide && isWide(c)) throw new CliError(wideMessage(c, '--force'), 2);
}

function intOption(text: string | undefined, flag: string, min: number, max: number): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max) throw new CliError(`${flag} must be an integer ${min}-${max}, got "${text}"`, 2);
  return n;
}

function printChange(flags: CommonFlags, r: { decisions: DecisionView[]; ended: DecisionView[] }): void {
  if (flags.json) return printJson(r);
  for (const d of r.ended) print(`ended     #${d.id} ${d.source} ${d.action}: ${d.endReason ?? ''}`);
  for (const d of r.decisions) {
    print(`in force  #${d.id} ${d.source} ${d.action} (${d.scope}) for ${formatSeconds(d.remainingS)}`);
    const failure = enforcementText(d);
    if (failure) print(`          not enforced: ${failure}`);
  }
}

interface BlockFlags extends CommonFlags {
  action?: string;
  duration?: string;
  reason?: string;
  proto?: string;
  port?: string;
  force?: boolean;
  ingress?: string;
  dst?: string;
  mac?: string;
  allTcp?: boolean;
}

/** IP protocols whose destination port a flow can match. */
const PORT_PROTOCOLS: readonly number[] = [6, 17, 132];

/** `ofguard block --ingress s1:5 --dst 10.0.0.100`: whatever the sources, where a flood enters. */
async function blockEntry(flags: BlockFlags & { ingress: string }): Promise<void> {
  if (!flags.dst) throw new CliError('--ingress needs --dst: the victim the flood is aimed at', 2);
  if (flags.port !== undefined || flags.force) throw new CliError('--ingress blocks by entry point: --port and --force are for a source', 2);
  if (flags.action !== undefined && flags.action !== 'drop' && flags.action !== 'rate-limit') throw new CliError('--ingress takes --action drop or rate-limit', 2);
  const durationS = durationOption(flags.duration);
  const proto = intOption(flags.proto, '--proto', 0, 255);
  const client = ApiClient.fromFlags(flags);
  const r = await client.request<{ decisions: DecisionView[]; ended: DecisionView[] }>('POST', '/api/decisions/ingress', {
    ingress: flags.ingress,
    dst: flags.dst,
    reason: flags.reason ?? 'manual block from the ofguard CLI',
    ...(flags.mac ? { mac: flags.mac } : {}),
    ...(flags.allTcp ? { allTcp: true } : {}),
    ...(flags.action ? { action: flags.action } : {}),
    ...(durationS !== undefined ? { durationS } : {}),
    ...(proto !== undefined ? { proto } : {}),
  });
  printChange(flags, r);
}

async function block(src: string | undefined, flags: BlockFlags): Promise<void> {
  if (flags.ingress !== undefined) {
    if (src !== undefined) throw new CliError('give a source address or --ingress, not both', 2);
    return blockEntry({ ...flags, ingress: flags.ingress });
  }
  if (src === undefined) throw new CliError('give a source address to block, or --ingress <switch>:<port> --dst <victim>', 2);
  addressArgument(src, flags.force === true);
  const durationS = durationOption(flags.duration);
  const proto = intOption(flags.proto, '--proto', 0, 255);
  const dstPort = intOption(flags.port, '--port', 0, 65535);
  if (dstPort !== undefined && (proto === undefined || !PORT_PROTOCOLS.includes(proto))) throw new CliError('--port needs --proto 6 (tcp), 17 (udp) or 132 (sctp)', 2);
  const client = ApiClient.fromFlags(flags);
  const r = await client.request<{ decisions: DecisionView[]; ended: DecisionView[] }>('POST', '/api/decisions', {
    src,
    reason: flags.reason ?? 'manual block from the ofguard CLI',
    ...(flags.force ? { force: true } : {}),
    ...(flags.action ? { action: flags.action } : {}),
    ...(durationS !== undefined ? { durationS } : {}),
    ...(proto !== undefined ? { proto } : {}),
    ...(dstPort !== undefined ? { dstPort } : {}),
  });
  printChange(flags, r);
}

function addBlockOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--action <action>', 'graduated response').choices(ACTIONS).default('drop'))
    .option('--duration <d>', 'how long, e.g. 30m, 4h, 1d (default: computed by the policy from history and trust)')
    .option('--reason <text>', 'why (kept in the audit log)')
    .option('--proto <n>', 'only this IP protocol (6 tcp, 17 udp, 1 icmp)')
    .option('--port <n>', 'only this destination port (with --proto 6, 17 or 132)')
    .option('--force', 'the source is meant to be wider than /8 (IPv4) or /16 (IPv6), /0 included')
    .option('--ingress <switch:port>', 'instead of a source: whatever enters at this switch (datapath id or bridge name) and port, toward --dst')
    .option('--dst <address>', 'with --ingress: the victim')
    .option('--mac <mac>', 'with --ingress: only this sender MAC (other hosts share the port)')
    .option('--all-tcp', 'with --ingress and TCP: every segment, not only connection attempts');
}

interface UnblockFlags extends CommonFlags {
  falsePositive?: boolean;
  reason?: string;
}

async function unblock(target: string, flags: UnblockFlags): Promise<void> {
  const q = new URLSearchParams();
  if (flags.falsePositive) q.set('falsePositive', 'true');
  if (flags.reason) q.set('reason', flags.reason);
  let path: string;
  if (/^\d+$/.test(target)) path = `/api/decisions/${target}`;
  else {
    q.set('src', target);
    path = '/api/decisions';
  }
  const query = q.toString();
  const client = ApiClient.fromFlags(flags);
  printChange(flags, await client.request('DELETE', query ? `${path}?${query}` : path));
}

function addUnblockOptions(cmd: Command): Command {
  return cmd.option('--false-positive', 'the block was a mistake: the source gets its reputation back and the policy learns').option('--reason <text>', 'why (kept in the audit log)');
}

export function registerOperatorCommands(program: Command): void {
  withClient(program.command('status').description('state of the running controller: switches, polling, decisions, counters')).action(
    run(async (flags: CommonFlags) => {
      const s = await ApiClient.fromFlags(flags).request<any>('GET', '/api/status');
      if (flags.json) return printJson(s);
      const byAction = Object.entries(s.decisions.byAction as Record<string, number>).map(([a, n]) => `${a} ${n}`).join(', ');
      print(
        [
          `up ${formatSeconds(s.uptimeS)}, ${s.switches.length} switch(es), ${s.decisions.active} active decision(s)${byAction ? ` (${byAction})` : ''}${s.decisions.failed ? `, ${s.decisions.failed} not enforced (see decisions list)` : ''}`,
          `polling every ${s.poll.intervalMs} ms; snapshots ${s.counters.snapshots}, detections ${s.counters.detections}, decisions ${s.counters.decisions}, ended ${s.counters.ended}, apply failures ${s.counters.applyFailures}`,
          `tracked sources ${s.detect.trackedSources}, destinations ${s.detect.trackedDestinations}; packet-ins ${s.forwarding.packetIns} (shed ${s.forwarding.shedPacketIns})`,
          ...s.switches.map((sw: any) => {
            const poll = s.poll.last.find((p: any) => p.dpid === sw.dpid);
            return `  ${sw.dpid}  ${sw.remote}  ${sw.ports} ports  rtt ${sw.echoRttMs} ms${poll ? `  last poll ${poll.pollMs} ms, ${poll.flows} flows` : ''}`;
          }),
        ].join('\n'),
      );
    }),
  );

  withClient(program.command('switches').description('connected switches with ports, echo round trip and last poll')).action(
    run(async (flags: CommonFlags) => {
      const r = await ApiClient.fromFlags(flags).request<{ switches: any[] }>('GET', '/api/switches');
      if (flags.json) return printJson(r);
      if (r.switches.length === 0) return print('no switch connected');
      print(
        table(
          ['DPID', 'REMOTE', 'TABLES', 'PORTS', 'RTT', 'LAST POLL', 'FLOWS'],
          r.switches.map((s) => [s.dpid, s.remote, String(s.tables ?? '?'), String(s.ports.length), `${s.echoRttMs} ms`, s.lastPoll ? `${s.lastPoll.pollMs} ms` : '-', s.lastPoll ? String(s.lastPoll.flows) : '-']),
        ),
      );
    }),
  );

  const decisions = usageExits(program.command('decisions').description('list, add and delete mitigation decisions'));
  withClient(decisions.command('list').alias('ls').description('decisions in force (or the history of one source)'))
    .option('--src <ip>', 'only this source address or network')
    .addOption(new Option('--action <action>', 'only this action').choices([...ACTIONS, 'throttle-victim']))
    .addOption(new Option('--origin <origin>', 'only auto (policy) or admin decisions').choices(['auto', 'admin']))
    .option('--all', 'ended decisions too (of every source, or of --src)')
    .option('--limit <n>', 'at most this many', '100')
    .action(
      run(async (flags: CommonFlags & { src?: string; action?: string; origin?: string; all?: boolean; limit: string }) => {
        const limit = intOption(flags.limit, '--limit', 1, 1000)!;
        const q = new URLSearchParams({ limit: String(limit), active: flags.all ? 'all' : 'true' });
        if (flags.src) q.set('src', flags.src);
        if (flags.action) q.set('action', flags.action);
        if (flags.origin) q.set('origin', flags.origin);
        const r = await ApiClient.fromFlags(flags).request<{ decisions: DecisionView[] }>('GET', `/api/decisions?${q}`);
        if (flags.json) return printJson(r);
        if (r.decisions.length === 0) return print('no decisions');
        print(decisionTable(r.decisions));
      }),
    );
  addBlockOptions(withClient(decisions.command('add').description('add an admin decision (block, rate-limit or monitor a source)')))
    .requiredOption('--ip <ip>', 'source address or network (203.0.113.7 or 203.0.113.0/24)')
    .action(run(async (flags: BlockFlags & { ip: string }) => block(flags.ip, flags)));
  addUnblockOptions(withClient(decisions.command('delete').alias('rm').description('end a decision by id (unblock)')))
    .argument('<id>', 'decision id (see decisions list)')
    .action(
      run(async (id: string, flags: UnblockFlags) => {
        if (!/^\d+$/.test(id)) throw new CliError(`decision id must be a number, got "${id}"`, 2);
        await unblock(id, flags);
      }),
    );

  addBlockOptions(withClient(program.command('block').description('block a source now, or whatever enters at a switch port toward a victim (admin decision, audited)')))
    .argument('[ip]', 'source address or network (203.0.113.7 or 203.0.113.0/24); omitted with --ingress')
    .action(run(async (ip: string | undefined, flags: BlockFlags) => block(ip, flags)));
  addUnblockOptions(withClient(program.command('unblock').description('end the decision of a source, or a decision by id')))
    .argument('<ip-or-id>', 'source address/network, or a decision id')
    .action(run(async (target: string, flags: UnblockFlags) => unblock(target, flags)));

  withClient(program.command('reputation').description('what ofguard knows about a source: reputation, trust, history'))
    .argument('<ip>', 'source address or network')
    .action(
      run(async (ip: string, flags: CommonFlags) => {
        const r = await ApiClient.fromFlags(flags).request<any>('GET', `/api/reputation/${encodeURIComponent(ip)}`);
        if (flags.json) return printJson(r);
        const lines = [
          `${r.source}: ${r.known ? '' : 'never scored; '}reputation ${r.reputation}/100, trust ${r.trust ?? '-'}, offences ${r.offences}, false positives ${r.falsePositives}, admin overrides ${r.adminOverrides}`,
          r.activeDecision ? `in force: #${r.activeDecision.id} ${r.activeDecision.action} for ${formatSeconds(r.activeDecision.remainingS)} — ${r.activeDecision.reason}` : 'no decision in force',
        ];
        if (r.hits.length) {
          lines.push('', 'recent detections:', table(['AT', 'ATTACK', 'PATTERN', 'PPS', 'SCORE', 'OUTCOME', 'LEVEL'], r.hits.map((h: any) => [new Date(h.at).toISOString(), h.attackType, h.pattern, String(Math.round(h.packetRate)), String(h.score), h.outcome, h.level])));
        }
        if (r.decisions.length) lines.push('', 'decisions:', decisionTable(r.decisions));
        print(lines.join('\n'));
      }),
    );

  withClient(program.command('top').description('busiest sources now, with reputation and action; busiest destinations'))
    .option('--limit <n>', 'how many', '20')
    .action(
      run(async (flags: CommonFlags & { limit: string }) => {
        const limit = intOption(flags.limit, '--limit', 1, 100)!;
        const r = await ApiClient.fromFlags(flags).request<{ sources: any[]; destinations: any[] }>('GET', `/api/top?limit=${limit}`);
        if (flags.json) return printJson(r);
        print(
          [
            r.sources.length === 0 ? 'no active sources' : table(['SOURCE', 'PPS', 'KBPS', 'REPUTATION', 'TRUST', 'ACTION'], r.sources.map((s) => [s.src, String(Math.round(s.packetRate)), String(Math.round((s.byteRate * 8) / 1000)), String(s.reputation), String(s.trust), s.action ?? '-'])),
            '',
            r.destinations.length === 0 ? 'no active destinations' : table(['DESTINATION', 'PPS', 'SOURCES/60s', 'Z', 'UNDER ATTACK'], r.destinations.map((d) => [d.dst, String(Math.round(d.packetRate)), String(d.uniqueIps), d.zScore.toFixed(1), d.underAttack ? 'yes' : 'no'])),
          ].join('\n'),
        );
      }),
    );

  withClient(program.command('audit').description('who changed what: admin actions and policy decisions, oldest first'))
    .option('--since <d>', 'entries newer than this, e.g. 1h, 1d', '1d')
    .option('--limit <n>', 'at most this many', '100')
    .action(
      run(async (flags: CommonFlags & { since: string; limit: string }) => {
        const ago = parseDuration(flags.since);
        if (ago === undefined) throw new CliError(`--since must be like 30m, 4h or 1d, got "${flags.since}"`, 2);
        const limit = intOption(flags.limit, '--limit', 1, 1000)!;
        const since = Math.max(0, Math.floor(Date.now() - ago * 1000));
        const r = await ApiClient.fromFlags(flags).request<{ entries: any[] }>('GET', `/api/audit?since=${since}&limit=${limit}`);
        if (flags.json) return printJson(r);
        if (r.entries.length === 0) return print('no audit entries');
        print(
          table(
            ['AT', 'ACTOR', 'ACTION', 'TARGET', 'DECISION'],
            r.entries.map((e) => [new Date(e.at).toISOString(), e.actor, e.action, e.target, e.after?.id !== undefined ? `#${e.after.id} ${e.after.action}` : '-']),
          ),
        );
      }),
    );

  registerPolicyCommands(program);

  const config = usageExits(program.command('config').description('configuration file tools'));
  usageExits(
    config
      .command('check')
      .description(
        'check a config file (JSON, or YAML for .yaml/.yml) as start would load it (OFGUARD_* variables included), TLS files, dataDir and free ports too: ' +
          'prints "ok" or each problem as "path: reason (line N)" (exit 2); a port in use now is a warning',
      ),
  )
    .argument('<file>', 'config file')
    .option('--json', 'problems as JSON')
    .action(async (file: string, flags: { json?: boolean }) => {
      const bare = (p: ConfigProblem) => ({ path: p.path, reason: p.reason, ...(p.line !== undefined ? { line: p.line } : {}) });
      let loaded: LoadedConfig;
      try {
        // The one loader start uses, with the same environment: what passes here, start accepts.
        loaded = loadConfig({ file, env: process.env });
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        if (flags.json) printJson({ ok: false, code: err.code, problems: err.problems.map(bare) });
        else for (const p of err.problems) print(formatProblem(p));
        process.exit(2);
      }
      // Only a warning: the port may be free by the time start runs (start then names it, exit 2).
      const warnings = await listenWarnings(loaded.config);
      if (flags.json) return printJson({ ok: true, problems: [], warnings: warnings.map(bare) });
      for (const w of warnings) print(`warning: ${formatProblem(w)}`);
      print('ok');
    });
}

interface PolicyState {
  version: number;
  policy: Record<string, unknown>;
  changedAt: number | null;
  actor: string;
  reason: string;
}

interface PolicyChangeReply {
  version: number;
  changes: string[];
  decisions: DecisionView[];
  ended: DecisionView[];
  entries?: Array<{ address: string; comment?: string }>;
}

interface ChangeFlags extends CommonFlags {
  reason?: string;
  ifVersion?: string;
  force?: boolean;
}

function addChangeOptions(cmd: Command): Command {
  return cmd
    .option('--reason <text>', 'why (kept with the version and in the audit log)')
    .option('--if-version <n>', 'refuse (exit 1) unless the policy is still at this version');
}

function changeFields(flags: ChangeFlags): { reason?: string; ifVersion?: number; force?: true } {
  const ifVersion = intOption(flags.ifVersion, '--if-version', 0, Number.MAX_SAFE_INTEGER);
  return { ...(flags.reason ? { reason: flags.reason } : {}), ...(ifVersion !== undefined ? { ifVersion } : {}), ...(flags.force ? { force: true as const } : {}) };
}

/** For the commands that add whitelist or blocklist entries (allow, add, policy set): a wide entry is refused without it. */
function addForceOption(cmd: Command): Command {
  return cmd.option('--force', 'an entry wider than /8 (IPv4) or /16 (IPv6), /0 included, is meant');
}

function printPolicyChange(flags: CommonFlags, what: string, r: PolicyChangeReply): void {
  if (flags.json) return printJson(r);
  print(r.changes.length === 0 ? `nothing changed (policy version ${r.version})` : `policy version ${r.version}: ${what} (changed ${r.changes.join(', ')})`);
  printChange(flags, r);
}

function entryRows(entries: ReadonlyArray<{ address: string; comment?: string }>): string[][] {
  return entries.map((e) => [e.address, e.comment ?? '']);
}

type ListName = 'whitelist' | 'blocklist';

async function listEntries(list: ListName, flags: CommonFlags): Promise<void> {
  const r = await ApiClient.fromFlags(flags).request<{ version: number; entries: Array<{ address: string; comment?: string }> }>('GET', `/api/${list}`);
  if (flags.json) return printJson(r);
  if (r.entries.length === 0) return print(`the ${list} is empty (policy version ${r.version})`);
  print(table(['ADDRESS', 'COMMENT'], entryRows(r.entries)));
}

async function addEntry(list: ListName, address: string, flags: ChangeFlags & { comment?: string }): Promise<void> {
  addressArgument(address, flags.force === true);
  const body = { address, ...(flags.comment ? { comment: flags.comment } : {}), ...changeFields(flags) };
  const r = await ApiClient.fromFlags(flags).request<PolicyChangeReply>('POST', `/api/${list}`, body);
  printPolicyChange(flags, `${address} added to the ${list}`, r);
}

async function removeEntry(list: ListName, address: string, flags: ChangeFlags): Promise<void> {
  // Taking an entry off is never refused for its width.
  addressArgument(address, true);
  const f = changeFields(flags);
  const q = new URLSearchParams({ address });
  if (f.reason) q.set('reason', f.reason);
  if (f.ifVersion !== undefined) q.set('ifVersion', String(f.ifVersion));
  const r = await ApiClient.fromFlags(flags).request<PolicyChangeReply>('DELETE', `/api/${list}?${q}`);
  printPolicyChange(flags, `${address} removed from the ${list}`, r);
}

function registerListCommands(program: Command, list: ListName, description: string): void {
  const group = usageExits(program.command(list).description(description));
  withClient(group.command('list').alias('ls').description(`entries of the ${list}`)).action(run(async (flags: CommonFlags) => listEntries(list, flags)));
  addForceOption(addChangeOptions(withClient(group.command('add').description(`add an address or network to the ${list} (a new policy version)`))))
    .argument('<address>', 'address or network (203.0.113.7 or 203.0.113.0/24)')
    .option('--comment <text>', 'why it is listed (shown by list)')
    .action(run(async (address: string, flags: ChangeFlags & { comment?: string }) => addEntry(list, address, flags)));
  addChangeOptions(withClient(group.command('rm').alias('remove').description(`take an address or network off the ${list}`)))
    .argument('<address>', 'address or network as listed')
    .action(run(async (address: string, flags: ChangeFlags) => removeEntry(list, address, flags)));
}

function registerPolicyCommands(program: Command): void {
  addForceOption(addChangeOptions(withClient(program.command('allow').description('whitelist a source: never blocked, its decision ends now (--remove takes it off)'))))
    .argument('<src>', 'address or network (203.0.113.7 or 203.0.113.0/24)')
    .option('--comment <text>', 'why it is trusted (shown by whitelist list)')
    .option('--remove', 'take it off the whitelist instead')
    .action(
      run(async (src: string, flags: ChangeFlags & { comment?: string; remove?: boolean }) => {
        if (flags.remove && flags.comment) throw new CliError('--comment goes with adding, not with --remove', 2);
        await (flags.remove ? removeEntry('whitelist', src, flags) : addEntry('whitelist', src, flags));
      }),
    );
  registerListCommands(program, 'whitelist', 'addresses and networks never blocked');
  registerListCommands(program, 'blocklist', 'addresses and networks dropped for as long as they are listed');

  const policy = usageExits(program.command('policy').description('the policy in force: thresholds, durations, weights, lists; versioned'));
  withClient(policy.command('get').description('the policy in force, one field per line')).action(
    run(async (flags: CommonFlags) => {
      const r = await ApiClient.fromFlags(flags).request<PolicyState>('GET', '/api/policy');
      if (flags.json) return printJson(r);
      const origin = r.changedAt === null ? 'from the config file' : `changed ${new Date(r.changedAt).toISOString()} by ${r.actor}: ${r.reason}`;
      print([`policy version ${r.version}, ${origin}`, '', table(['FIELD', 'VALUE'], flattenLeaves(r.policy))].join('\n'));
    }),
  );
  addForceOption(addChangeOptions(withClient(policy.command('set').description('change fields: PATH=VALUE (value as JSON when it parses), e.g. durations.lowMs=120000'))))
    .argument('<assignments...>', 'PATH=VALUE pairs')
    .action(
      run(async (assignments: string[], flags: ChangeFlags) => {
        const patch: Record<string, unknown> = {};
        for (const text of assignments) {
          const a = parseAssignment(text);
          if (!a) throw new CliError(`expected PATH=VALUE like durations.lowMs=120000, got "${text}"`, 2);
          setPath(patch, a[0], a[1]);
        }
        const r = await ApiClient.fromFlags(flags).request<PolicyChangeReply>('PATCH', '/api/policy', { policy: patch, ...changeFields(flags) });
        printPolicyChange(flags, assignments.join(' '), r);
      }),
    );
  withClient(policy.command('versions').description('the history of policy changes, newest first'))
    .option('--limit <n>', 'at most this many', '20')
    .action(
      run(async (flags: CommonFlags & { limit: string }) => {
        const limit = intOption(flags.limit, '--limit', 1, 1000)!;
        const r = await ApiClient.fromFlags(flags).request<{ current: number; versions: Array<{ version: number; at: number; actor: string; reason: string; changes: string[] }> }>(
          'GET',
          `/api/policy/versions?limit=${limit}`,
        );
        if (flags.json) return printJson(r);
        if (r.versions.length === 0) return print('policy version 0 (the config file): never changed at run time');
        print(
          table(
            ['VERSION', 'AT', 'ACTOR', 'REASON', 'CHANGED'],
            r.versions.map((v) => [`${v.version}${v.version === r.current ? '*' : ''}`, new Date(v.at).toISOString(), v.actor, clip(v.reason, 40), clip(v.changes.join(', '), 60)]),
          ),
        );
      }),
    );
}
