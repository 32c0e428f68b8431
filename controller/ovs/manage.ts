/**
 * `ofguard ovs connect | status | disconnect`: read what Open vSwitch holds, plan the change
 * (plan.ts, pure), run it as one ovs-vsctl transaction. The plan's notes are returned so
 * the command can tell the operator what changed and what the fail mode means.
 */
import { findBridge, parseOvsState, READ_STATE_ARGS, type BridgeState, type OvsState } from './state.js';
import { ofguardControllers, planConnect, planDisconnect, transactionArgs, type ConnectRequest, type Plan } from './plan.js';
import type { Vsctl } from './vsctl.js';

export async function readOvsState(vsctl: Vsctl): Promise<OvsState> {
  return parseOvsState(await vsctl(READ_STATE_ARGS));
}

async function apply(vsctl: Vsctl, plan: Plan): Promise<Plan> {
  if (plan.commands.length) await vsctl(transactionArgs(plan.commands));
  return plan;
}

export async function connectBridge(vsctl: Vsctl, bridge: string, req: ConnectRequest): Promise<Plan> {
  const state = await readOvsState(vsctl);
  return apply(vsctl, planConnect(findBridge(state, bridge), state.ssl, req));
}

export async function disconnectBridge(vsctl: Vsctl, bridge: string, target?: string): Promise<Plan> {
  const state = await readOvsState(vsctl);
  return apply(vsctl, planDisconnect(findBridge(state, bridge), target));
}

export interface BridgeStatus {
  bridge: string;
  failMode: string;
  protocols: string;
  controllers: Array<{ target: string; connected: boolean; role: string | null; connectionMode: string; state: string | null; lastError: string | null; ofguard: boolean }>;
  /** Some controller of this bridge is ofguard's. */
  ofguard: boolean;
  /** …and the switch has a live session with it. */
  ofguardConnected: boolean;
}

/** Every bridge with its controllers; `known` are targets that are ofguard's even if not recorded (its listen address). */
export function bridgeStatus(state: OvsState, known: readonly string[]): BridgeStatus[] {
  return state.bridges.map((b: BridgeState) => {
    const ours = new Set(ofguardControllers(b, known));
    return {
      bridge: b.name,
      failMode: b.failMode ?? 'unset (standalone)',
      protocols: b.protocols.length ? b.protocols.join(',') : 'default (OpenFlow10-15)',
      controllers: b.controllers.map((c) => ({
        target: c.target, connected: c.connected, role: c.role ?? null, connectionMode: c.connectionMode ?? 'in-band',
        state: c.state ?? null, lastError: c.lastError ?? null, ofguard: ours.has(c),
      })),
      ofguard: ours.size > 0,
      ofguardConnected: [...ours].some((c) => c.connected),
    };
  });
}
