/**
 * Pointing an Open vSwitch bridge at ofguard, and back, as plans: the ovs-vsctl commands
 * of one transaction (all or nothing), computed from what the bridge holds now. Nothing
 * here runs a command, so every choice is tested without Open vSwitch.
 *
 * Choices, and why:
 * - ofguard's controller is added beside the bridge's other controllers (never
 *   `set-controller`, which would replace them and reset their sessions).
 * - OpenFlow13 is added to an explicit protocol list; an empty list already enables 1.0
 *   to 1.5 in Open vSwitch (1.3 included), so it is left alone.
 * - fail mode: 'secure' by default (FAIL_MODE_MEANING says what each means to the operator):
 *   protection outlives a controller outage; 'standalone' trades it for connectivity.
 * - connection mode: 'out-of-band' by default. In-band control makes Open vSwitch add
 *   hidden flows, above every OpenFlow table, that let traffic to and from the
 *   controller's address through; they would bypass ofguard's guard table, and a
 *   controller on the same host (127.0.0.1) or a management network does not need them.
 *   'in-band' stays available for controllers reachable only through the bridge itself.
 * - What ofguard changed is recorded in the bridge's external_ids so `disconnect` puts it
 *   back; a second `connect` does not overwrite the record of the original settings.
 */
import ipaddr from 'ipaddr.js';
import { OvsError } from './errors.js';
import type { BridgeState, SslState } from './state.js';

export type FailMode = 'secure' | 'standalone';
export type ConnectionMode = 'out-of-band' | 'in-band';

export const DEFAULT_TARGET = 'tcp:127.0.0.1:6653';
export const REQUIRED_PROTOCOL = 'OpenFlow13';

/** Keys ofguard keeps in Bridge external_ids. */
export const EXT = {
  /** The controller target ofguard added. */
  target: 'ofguard-target',
  /** The fail mode before ofguard's connect ('unset' when there was none). */
  prevFailMode: 'ofguard-prev-fail-mode',
  /** The protocols before ofguard added OpenFlow13 (only recorded when it did). */
  prevProtocols: 'ofguard-prev-protocols',
} as const;

const UNSET = 'unset';

export interface Plan {
  /** ovs-vsctl commands, run as one transaction (`cmd -- cmd -- …`). */
  commands: string[][];
  /** What the plan does and means, for people. */
  notes: string[];
}

export interface ParsedTarget {
  kind: 'tcp' | 'ssl';
  host: string;
  port: number;
}

/** Accepts Open vSwitch active targets `tcp:IP:PORT` and `ssl:IP:PORT` (IPv6 in brackets). */
export function parseTarget(target: string): ParsedTarget {
  const m = target.match(/^(tcp|ssl):(?:\[([0-9a-fA-F:.]+)\]|([0-9.]+)):(\d{1,5})$/);
  const host = m?.[2] ?? m?.[3];
  const port = Number(m?.[4]);
  if (!m || !host || !ipaddr.isValid(host) || (m[3] !== undefined && !ipaddr.IPv4.isValidFourPartDecimal(host)) || port < 1 || port > 65535) {
    throw new OvsError('OVS_BAD_TARGET', `"${target}" is not a controller target like tcp:127.0.0.1:6653 or ssl:192.0.2.1:6653 (IPv6: tcp:[2001:db8::1]:6653)`);
  }
  return { kind: m[1] as 'tcp' | 'ssl', host, port };
}

export const FAIL_MODE_MEANING: Record<FailMode, string> = {
  secure: 'fail mode secure: if ofguard goes away the switch keeps running the flows it holds: blocks and rate limits stay in force and known traffic keeps flowing, but nothing new is learned or accounted, and the switch never forwards on its own (before ofguard first connects, the bridge forwards nothing)',
  standalone: "fail mode standalone: if ofguard is away for three inactivity probes, Open vSwitch puts a hidden learning-switch rule above every flow: traffic keeps flowing, but ofguard's blocks and rate limits are bypassed until it reconnects",
};

export interface ConnectRequest {
  target: string;
  failMode: FailMode;
  connectionMode: ConnectionMode;
  /** Switch-side TLS files for ssl: targets (global to Open vSwitch: `set-ssl`). */
  ssl?: SslState;
}

/** ovsdb string atoms with ':' or other punctuation must be quoted. */
const quoted = (s: string) => JSON.stringify(s);

export function planConnect(bridge: BridgeState, currentSsl: SslState | undefined, req: ConnectRequest): Plan {
  const target = parseTarget(req.target);
  const br = bridge.name;
  const commands: string[][] = [];
  const notes: string[] = [];

  if (target.kind === 'ssl') {
    if (req.ssl) {
      commands.push(['set-ssl', req.ssl.privateKey, req.ssl.certificate, req.ssl.caCert]);
      notes.push(`TLS: the switch presents ${req.ssl.certificate} and trusts controllers signed by ${req.ssl.caCert} (set-ssl is global to this Open vSwitch)`);
    } else if (!currentSsl) {
      throw new OvsError('OVS_SSL_NOT_CONFIGURED', `an ssl: target needs the switch's key, certificate and CA: pass --private-key, --certificate and --ca-cert (see README "Production deployment")`);
    }
  }

  // The record of the original settings is written once, on the first connect.
  const firstConnect = bridge.externalIds[EXT.target] === undefined;
  const previousTarget = bridge.externalIds[EXT.target];
  if (previousTarget !== undefined && previousTarget !== req.target) {
    const stale = bridge.controllers.find((c) => c.target === previousTarget);
    if (stale) {
      commands.push(['remove', 'Bridge', br, 'controller', stale.uuid]);
      notes.push(`ofguard's previous target ${previousTarget} removed`);
    }
  }

  const existing = bridge.controllers.find((c) => c.target === req.target);
  if (existing) {
    commands.push(['set', 'Controller', existing.uuid, `connection_mode=${req.connectionMode}`]);
    notes.push(`controller ${req.target} already set; connection mode ${req.connectionMode}`);
  } else {
    commands.push(['--id=@ofguard', 'create', 'Controller', `target=${quoted(req.target)}`, `connection_mode=${req.connectionMode}`]);
    commands.push(['add', 'Bridge', br, 'controller', '@ofguard']);
    const others = bridge.controllers.filter((c) => c.target !== previousTarget).map((c) => c.target);
    notes.push(`controller ${req.target} added (${req.connectionMode})${others.length ? `; kept: ${others.join(', ')}` : ''}`);
  }

  if (bridge.protocols.length > 0 && !bridge.protocols.includes(REQUIRED_PROTOCOL)) {
    const protocols = [...bridge.protocols, REQUIRED_PROTOCOL].sort();
    commands.push(['set', 'Bridge', br, `protocols=${protocols.join(',')}`]);
    if (bridge.externalIds[EXT.prevProtocols] === undefined) commands.push(['set', 'Bridge', br, `external_ids:${EXT.prevProtocols}=${quoted(bridge.protocols.join(','))}`]);
    notes.push(`protocols ${protocols.join(', ')} (OpenFlow13 added)`);
  } else {
    notes.push(bridge.protocols.length ? `protocols ${bridge.protocols.join(', ')} (OpenFlow13 already there)` : 'protocols: Open vSwitch default (OpenFlow 1.0 to 1.5, 1.3 included), left as is');
  }

  if (bridge.failMode !== req.failMode) commands.push(['set-fail-mode', br, req.failMode]);
  if (firstConnect) commands.push(['set', 'Bridge', br, `external_ids:${EXT.prevFailMode}=${bridge.failMode ?? UNSET}`]);
  commands.push(['set', 'Bridge', br, `external_ids:${EXT.target}=${quoted(req.target)}`]);
  notes.push(FAIL_MODE_MEANING[req.failMode]);
  return { commands, notes };
}

/** The controller(s) on a bridge that are ofguard's: the recorded target, or one of `known`. */
export function ofguardControllers(bridge: BridgeState, known: readonly string[] = []): BridgeState['controllers'] {
  const recorded = bridge.externalIds[EXT.target];
  return bridge.controllers.filter((c) => c.target === recorded || known.includes(c.target));
}

export function planDisconnect(bridge: BridgeState, target?: string): Plan {
  const br = bridge.name;
  const recorded = bridge.externalIds[EXT.target];
  const ours = target ?? recorded;
  if (ours === undefined) {
    throw new OvsError('OVS_NOT_OFGUARD', `${br} has no controller recorded as ofguard's; name it with --target (controllers: ${bridge.controllers.map((c) => c.target).join(', ') || 'none'})`);
  }
  const commands: string[][] = [];
  const notes: string[] = [];
  const controller = bridge.controllers.find((c) => c.target === ours);
  if (controller) {
    commands.push(['remove', 'Bridge', br, 'controller', controller.uuid]);
    notes.push(`controller ${ours} removed${bridge.controllers.length > 1 ? `; kept: ${bridge.controllers.filter((c) => c !== controller).map((c) => c.target).join(', ')}` : ''}`);
  } else {
    notes.push(`controller ${ours} was not on ${br}`);
  }
  const prevFail = bridge.externalIds[EXT.prevFailMode];
  if (prevFail === UNSET) {
    if (bridge.failMode !== undefined) commands.push(['del-fail-mode', br]);
    notes.push('fail mode restored to unset (Open vSwitch default: standalone)');
  } else if (prevFail === 'secure' || prevFail === 'standalone') {
    if (bridge.failMode !== prevFail) commands.push(['set-fail-mode', br, prevFail]);
    notes.push(`fail mode restored to ${prevFail}`);
  } else {
    notes.push(`fail mode left at ${bridge.failMode ?? 'unset'} (no earlier setting recorded)`);
  }
  const prevProtocols = bridge.externalIds[EXT.prevProtocols];
  if (prevProtocols !== undefined) {
    commands.push(prevProtocols === '' ? ['clear', 'Bridge', br, 'protocols'] : ['set', 'Bridge', br, `protocols=${prevProtocols}`]);
    notes.push(`protocols restored to ${prevProtocols || 'the Open vSwitch default'}`);
  }
  const keys = Object.values(EXT).filter((k) => bridge.externalIds[k] !== undefined);
  if (keys.length) commands.push(['remove', 'Bridge', br, 'external_ids', ...keys]);
  return { commands, notes };
}

/** `[a, b, c]` → `a -- b -- c`: one ovs-vsctl transaction. */
export function transactionArgs(commands: readonly string[][]): string[] {
  return commands.flatMap((c, i) => (i === 0 ? c : ['--', ...c]));
}
