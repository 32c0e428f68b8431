/**
 * The plan: what one switch must be sent so that its guard table holds exactly the flows
 * (and meters) of the decisions scoped to it, plus the whitelist. Pure: desired decisions
 * and held state in, OpenFlow messages out; running it again on the state it produces
 * gives no messages.
 *
 * Flows are diffed by the switch's own identity of a flow (priority + match); the cookie,
 * instructions and timeout are its content:
 *   - held, not wanted       → DELETE_STRICT by exact cookie + priority + match
 *   - wanted, not held       → ADD
 *   - held, content differs  → ADD, which replaces the entry with the same priority and
 *     match. Not MODIFY: in OpenFlow 1.3 a modify leaves the hard timeout and cookie alone,
 *     and an extension or a superseding decision needs both changed.
 * Meters follow their decision: the id the switch already uses for it is kept (MODIFY when
 * the rate changed), a new one gets the lowest free id, and meters no wanted flow uses are
 * deleted. Deleting a meter deletes the flows that use it, so meter deletes come last and
 * ids freed in this plan are not reused before the next one.
 */
import type { OfpMessage } from '../openflow/index.js';
import { flowDelete } from '../openflow/index.js';
import { FlowModCommand, MeterModCommand } from '../openflow/constants.js';
import { decisionIdOf, TABLE } from '../../flows/layout.js';
import type { Decision } from '../policy/decision.js';
import { MitigateError } from './errors.js';
import { bandsKey, flowKey, instructionsKey, meterOf, type HeldFlow, type HeldMeter, type HeldState } from './held.js';
import { MeterAllocator } from './meters.js';
import {
  guardFlowMod, guardInstructions, MAX_HARD_TIMEOUT, meterModFor, switchExpiryMs, templateFor, whitelistFlows,
  type GuardFlow, type MeterSpec,
} from './templates.js';

/** A switch's hard timeout and ours may differ by rounding to whole seconds. */
const TOLERANCE_MS = 2000;
/** A flow capped at 65535 s is renewed when less than this is left of it. */
export const RENEW_MARGIN_MS = 3_600_000;
const ALL_COOKIE_BITS = 0xffff_ffff_ffff_ffffn;

export interface PlanContext {
  now: number;
  /** Whitelisted networks (CIDR or address): allow flows above every drop. */
  whitelist?: readonly string[];
  /** The switch's meter limit (meter features max_meter); default OFPM_MAX. */
  maxMeters?: number;
}

export interface PlanResult {
  /** In stage order: flow deletes, meter adds/modifies, flow adds, meter deletes. */
  messages: OfpMessage[];
  /** What the switch holds once every message is accepted. */
  expected: HeldState;
  /** Meter id per decision id, for the decisions that use one. */
  meters: ReadonlyMap<number, number>;
  /** Decisions that need a meter the switch has no room for (nothing sent for them). */
  outOfMeters: Decision[];
  /** Decisions no flow can express. */
  invalid: { decision: Decision; error: MitigateError }[];
}

interface Want {
  flow: GuardFlow;
  decision?: Decision;
  meter?: MeterSpec;
  /** When the switch should drop the flow (ms); Infinity for permanent ones. */
  expiry: number;
}

function timeoutHolds(held: HeldFlow, want: Want, now: number): boolean {
  if (want.flow.hardTimeout === 0) return held.hardTimeout === 0;
  if (held.hardTimeout === 0) return false;
  const heldExpiry = held.installedAt + held.hardTimeout * 1000;
  // Expired but not ended yet: the switch lets it go within a second, nothing to gain.
  if (want.expiry <= now) return heldExpiry <= now + 1000 + TOLERANCE_MS;
  if (heldExpiry > want.expiry + TOLERANCE_MS) return false;
  if (heldExpiry >= want.expiry - TOLERANCE_MS) return true;
  // Installed at the cap because the decision outlasts what a hard timeout can say: keep
  // it until it runs low, then renew.
  return held.hardTimeout === MAX_HARD_TIMEOUT && heldExpiry >= now + RENEW_MARGIN_MS;
}

function deleteStrict(h: HeldFlow): OfpMessage {
  return flowDelete({
    tableId: TABLE.guard, command: FlowModCommand.DELETE_STRICT,
    cookie: h.cookie, cookieMask: ALL_COOKIE_BITS, priority: h.priority, match: h.match,
  });
}

export function plan(desired: readonly Decision[], held: HeldState, ctx: PlanContext): PlanResult {
  const now = ctx.now;
  const invalid: PlanResult['invalid'] = [];
  const outOfMeters: Decision[] = [];

  // Desired flows by key. Two decisions can want the same flow (aggregate fallbacks of
  // sources in one /24): the one that lasts longer carries it.
  const wants = new Map<string, Want>();
  for (const flow of whitelistFlows(ctx.whitelist ?? [])) wants.set(flowKey(flow.priority, flow.match), { flow, expiry: Infinity });
  for (const decision of desired) {
    let template;
    try {
      template = templateFor(decision, now);
    } catch (err) {
      if (!(err instanceof MitigateError)) throw err;
      invalid.push({ decision, error: err });
      continue;
    }
    const key = flowKey(template.flow.priority, template.flow.match);
    const expiry = switchExpiryMs(decision);
    const other = wants.get(key);
    if (other && other.expiry >= expiry) continue;
    wants.set(key, { flow: template.flow, decision, ...(template.meter ? { meter: template.meter } : {}), expiry });
  }

  const heldByKey = new Map<string, HeldFlow>();
  const heldMeterOf = new Map<number, number>();
  for (const h of held.flows) {
    heldByKey.set(flowKey(h.priority, h.match), h);
    const meterId = meterOf(h.instructions);
    if (meterId !== undefined) heldMeterOf.set(decisionIdOf(h.cookie), meterId);
  }
  const heldMeters = new Map<number, HeldMeter>();
  for (const m of held.meters) heldMeters.set(m.meterId, m);
  const allocator = new MeterAllocator([...heldMeters.keys(), ...heldMeterOf.values()], ctx.maxMeters);

  // Meters first: a want that cannot get one is dropped here, before any flow is planned.
  const meters = new Map<number, number>();
  const claimed = new Set<number>();
  const expectedMeters: HeldMeter[] = [];
  const meterAdds: OfpMessage[] = [];
  for (const [key, want] of wants) {
    if (!want.meter || !want.decision) continue;
    const decisionId = want.decision.id;
    let meterId = heldMeterOf.get(decisionId);
    if (meterId === undefined || claimed.has(meterId)) meterId = allocator.allocate();
    if (meterId === undefined) {
      outOfMeters.push(want.decision);
      wants.delete(key);
      continue;
    }
    meters.set(decisionId, meterId);
    claimed.add(meterId);
    const config: HeldMeter = { meterId, flags: want.meter.flags, bands: want.meter.bands };
    expectedMeters.push(config);
    const h = heldMeters.get(meterId);
    if (!h) meterAdds.push(meterModFor(want.meter, meterId, MeterModCommand.ADD));
    else if (bandsKey(h) !== bandsKey(config)) meterAdds.push(meterModFor(want.meter, meterId, MeterModCommand.MODIFY));
  }

  const flowDeletes: OfpMessage[] = [];
  const flowAdds: OfpMessage[] = [];
  const expectedFlows: HeldFlow[] = [];
  for (const [key, want] of wants) {
    const meterId = want.decision ? meters.get(want.decision.id) : undefined;
    const instructions = guardInstructions(want.flow.effect, meterId);
    const h = heldByKey.get(key);
    if (h && h.cookie === want.flow.cookie && instructionsKey(h.instructions) === instructionsKey(instructions) && timeoutHolds(h, want, now)) {
      expectedFlows.push(h);
      continue;
    }
    const mod = guardFlowMod(want.flow, meterId);
    flowAdds.push(mod);
    expectedFlows.push({ cookie: mod.cookie, priority: mod.priority, match: mod.match, instructions: mod.instructions, hardTimeout: mod.hardTimeout, installedAt: now });
  }
  for (const [key, h] of heldByKey) if (!wants.has(key)) flowDeletes.push(deleteStrict(h));

  const meterDeletes: OfpMessage[] = [];
  for (const id of heldMeters.keys()) if (!claimed.has(id)) meterDeletes.push(meterModFor({ flags: 0, bands: [] }, id, MeterModCommand.DELETE));

  return {
    messages: [...flowDeletes, ...meterAdds, ...flowAdds, ...meterDeletes],
    expected: { flows: expectedFlows, meters: expectedMeters },
    meters,
    outOfMeters,
    invalid,
  };
}
