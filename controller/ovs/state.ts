/**
 * What Open vSwitch holds, read from `ovs-vsctl --format=json list …` and turned into
 * plain records. Pure: the parser gets ovs-vsctl's text, so it is tested on captured output.
 */
import { OvsError } from './errors.js';

export interface ControllerState {
  uuid: string;
  target: string;
  /** Whether the switch has a live OpenFlow session with this target. */
  connected: boolean;
  /** OpenFlow role the controller holds: 'other', 'master' or 'slave' (unset until connected). */
  role?: string;
  connectionMode?: 'in-band' | 'out-of-band';
  /** Connection state machine, e.g. 'ACTIVE', 'BACKOFF'. */
  state?: string;
  lastError?: string;
}

export interface BridgeState {
  uuid: string;
  name: string;
  /** Unset means Open vSwitch's default, standalone. */
  failMode?: 'secure' | 'standalone';
  /** Empty means Open vSwitch's default: OpenFlow 1.0 to 1.5. */
  protocols: string[];
  controllers: ControllerState[];
  externalIds: Record<string, string>;
}

export interface SslState {
  privateKey: string;
  certificate: string;
  caCert: string;
}

export interface OvsState {
  bridges: BridgeState[];
  /** Open vSwitch's global SSL settings (for ssl: controllers), when set. */
  ssl?: SslState;
}

/** The one ovs-vsctl invocation (after the binary) that reads everything `OvsState` holds. */
export const READ_STATE_ARGS: readonly string[] = [
  '--format=json',
  '--columns=_uuid,name,controller,fail_mode,protocols,external_ids', 'list', 'Bridge',
  '--', '--columns=_uuid,target,is_connected,role,connection_mode,status', 'list', 'Controller',
  '--', '--columns=private_key,certificate,ca_cert', 'list', 'SSL',
];

type Datum = unknown;

interface Table {
  headings: string[];
  data: Datum[][];
}

/** OVSDB JSON: a set of one is written as the bare atom; an empty set means "unset". */
function setOf(d: Datum): Datum[] {
  if (Array.isArray(d) && d[0] === 'set') return d[1] as Datum[];
  return [d];
}

function atom(d: Datum): string | number | boolean | undefined {
  const values = setOf(d);
  if (values.length === 0) return undefined;
  const v = values[0];
  if (Array.isArray(v) && v[0] === 'uuid') return v[1] as string;
  return v as string | number | boolean;
}

function uuids(d: Datum): string[] {
  return setOf(d).map((v) => (v as [string, string])[1]);
}

function mapOf(d: Datum): Record<string, string> {
  const out: Record<string, string> = {};
  if (Array.isArray(d) && d[0] === 'map') for (const [k, v] of d[1] as [string, string][]) out[k] = v;
  return out;
}

function rows(table: Table): Array<Record<string, Datum>> {
  return table.data.map((row) => Object.fromEntries(table.headings.map((h, i) => [h, row[i]])));
}

function parseTables(text: string): Table[] {
  try {
    return text.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as Table);
  } catch (err) {
    throw new OvsError('OVS_BAD_OUTPUT', `ovs-vsctl output is not JSON: ${(err as Error).message}`);
  }
}

/** Parses the output of `ovs-vsctl READ_STATE_ARGS`. */
export function parseOvsState(text: string): OvsState {
  const tables = parseTables(text);
  if (tables.length !== 3) throw new OvsError('OVS_BAD_OUTPUT', `expected 3 tables from ovs-vsctl, got ${tables.length}`);
  const [bridgeTable, controllerTable, sslTable] = tables as [Table, Table, Table];
  const controllers = new Map<string, ControllerState>();
  for (const r of rows(controllerTable)) {
    const status = mapOf(r.status);
    const role = atom(r.role);
    const mode = atom(r.connection_mode);
    const c: ControllerState = { uuid: String(atom(r._uuid)), target: String(atom(r.target)), connected: atom(r.is_connected) === true };
    if (role !== undefined) c.role = String(role);
    if (mode === 'in-band' || mode === 'out-of-band') c.connectionMode = mode;
    if (status.state) c.state = status.state;
    if (status.last_error) c.lastError = status.last_error;
    controllers.set(c.uuid, c);
  }
  const bridges = rows(bridgeTable).map((r): BridgeState => {
    const failMode = atom(r.fail_mode);
    const b: BridgeState = {
      uuid: String(atom(r._uuid)),
      name: String(atom(r.name)),
      protocols: setOf(r.protocols).map(String).sort(),
      controllers: uuids(r.controller).map((u) => controllers.get(u)).filter((c): c is ControllerState => c !== undefined),
      externalIds: mapOf(r.external_ids),
    };
    if (failMode === 'secure' || failMode === 'standalone') b.failMode = failMode;
    return b;
  }).sort((a, b) => a.name.localeCompare(b.name));
  const state: OvsState = { bridges };
  const ssl = rows(sslTable)[0];
  if (ssl) {
    const [privateKey, certificate, caCert] = [atom(ssl.private_key), atom(ssl.certificate), atom(ssl.ca_cert)];
    if (privateKey && certificate && caCert) state.ssl = { privateKey: String(privateKey), certificate: String(certificate), caCert: String(caCert) };
  }
  return state;
}

export function findBridge(state: OvsState, name: string): BridgeState {
  const b = state.bridges.find((x) => x.name === name);
  if (!b) throw new OvsError('OVS_NO_SUCH_BRIDGE', `no bridge named ${name} (bridges: ${state.bridges.map((x) => x.name).join(', ') || 'none'})`);
  return b;
}
