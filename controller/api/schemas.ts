/**
 * Every request body, query and path parameter of the admin API, checked with zod before
 * anything runs: a wrong field is answered 400 with its name and nothing changes.
 * Addresses go through the one strict parser (policy/address.ts); durations are at least
 * a second; a destination port needs a protocol that has ports; text is well-formed Unicode.
 */
import { z } from 'zod';
import { ACTION_STAGES } from '../policy/response.js';
import { cidrTarget, cidrText, readCidr } from '../policy/address.js';
import { isWellFormed, NOT_WELL_FORMED } from '../unicode.js';

/** An address, or a network as "address/prefix": the policy's src + srcPrefix, normalised. */
export const sourceText = z.string().transform((text, ctx) => {
  const c = readCidr(text);
  if (typeof c === 'string') {
    ctx.addIssue({ code: 'custom', message: c });
    return z.NEVER;
  }
  return cidrTarget(c);
});

/** Operator text (reasons, comments): trimmed, bounded, no lone surrogate (stored, logged, sent as JSON). */
function text(max: number) {
  return z.string().trim().min(1).max(max).refine(isWellFormed, NOT_WELL_FORMED);
}

const boolText = z.enum(['true', 'false']).transform((v) => v === 'true');
const MAX_DURATION_S = 30 * 24 * 3600;
/** A decision shorter than a second expires before a switch has it (and `1e-300` used to pass). */
const MIN_DURATION_S = 1;

/** IP protocols whose destination port a flow can match (TCP, UDP, SCTP). */
const PORT_PROTOCOLS: readonly number[] = [6, 17, 132];

export const blockBody = z
  .strictObject({
    src: z.string(),
    /** Network prefix when `src` is a bare address ("src/prefix" works too). */
    prefix: z.number().int().min(0).max(128).optional(),
    action: z.enum(ACTION_STAGES).optional(),
    /** Omitted: the policy computes the duration (offence, trust); always capped by durations.maxMs. */
    durationS: z.number().min(MIN_DURATION_S).max(MAX_DURATION_S).optional(),
    proto: z.number().int().min(0).max(255).optional(),
    /** Needs `proto` 6 (TCP), 17 (UDP) or 132 (SCTP): for any other protocol no flow can match a port. */
    dstPort: z.number().int().min(0).max(65535).optional(),
    reason: text(500),
    /** A source wider than /8 (IPv4) or /16 (IPv6), /0 included, is refused unless forced. */
    force: z.boolean().optional(),
  })
  .superRefine((b, ctx) => {
    if (b.dstPort !== undefined && (b.proto === undefined || !PORT_PROTOCOLS.includes(b.proto))) {
      ctx.addIssue({ code: 'custom', path: ['dstPort'], message: 'a destination port needs proto 6 (TCP), 17 (UDP) or 132 (SCTP)' });
    }
    if (b.prefix !== undefined && b.src.includes('/')) {
      ctx.addIssue({ code: 'custom', path: ['prefix'], message: 'src already has a prefix: give it once' });
    }
  })
  .transform((b, ctx) => {
    const parsed = sourceText.safeParse(b.prefix === undefined ? b.src : `${b.src}/${b.prefix}`);
    if (!parsed.success) {
      ctx.addIssue({ code: 'custom', path: [b.prefix === undefined ? 'src' : 'prefix'], message: parsed.error.issues[0]!.message });
      return z.NEVER;
    }
    const { prefix: _prefix, src: _src, ...rest } = b;
    return { ...rest, src: parsed.data };
  });

/**
 * A block where a flood enters (POST /api/decisions/ingress): "<switch>:<port>", the switch
 * by datapath id (hex) or bridge name, toward one victim; TCP blocks connection attempts
 * only unless allTcp.
 */
export const entryBlockBody = z.strictObject({
  ingress: z.string().regex(/^[A-Za-z0-9_.-]{1,64}:[1-9][0-9]{0,9}$/, 'expected "<switch>:<port>": a datapath id (hex) or bridge name, a colon, a port number'),
  mac: z.string().regex(/^([0-9a-fA-F]{2}:){5}[0-9a-fA-F]{2}$/, 'expected a MAC address like 02:00:00:00:00:09').optional(),
  dst: z.string(),
  proto: z.number().int().refine((p) => [1, 6, 17, 58].includes(p), 'proto must be 1 (ICMP), 6 (TCP), 17 (UDP) or 58 (ICMPv6)').default(6),
  allTcp: z.boolean().optional(),
  action: z.enum(['rate-limit', 'drop']).optional(),
  durationS: z.number().min(MIN_DURATION_S).max(MAX_DURATION_S).optional(),
  reason: text(500),
}).superRefine((b, ctx) => {
  if (b.allTcp && b.proto !== 6) ctx.addIssue({ code: 'custom', path: ['allTcp'], message: 'allTcp is for proto 6 (TCP)' });
});

export const extendBody = z.strictObject({
  seconds: z.number().min(MIN_DURATION_S).max(MAX_DURATION_S),
});

export const decisionId = z.coerce.number().int().positive();

export const decisionsQuery = z.strictObject({
  src: sourceText.optional(),
  action: z.enum(['monitor', 'rate-limit', 'throttle-victim', 'selective-drop', 'drop']).optional(),
  origin: z.enum(['auto', 'admin']).optional(),
  /** 'true' (default): in force now; 'false': ended ones; 'all': both. */
  active: z.enum(['true', 'false', 'all']).default('true'),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

export const unblockQuery = z.strictObject({
  falsePositive: boolText.default(false),
  reason: text(500).optional(),
});

export const unblockBySourceQuery = unblockQuery.extend({ src: sourceText });

export const topQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(20),
});

export const auditQuery = z.strictObject({
  /** Epoch ms; entries at or after it, oldest first. */
  since: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

export const emptyQuery = z.strictObject({});

/** A whitelist or blocklist entry, normalised: "10.1.2.3/8" → "10.0.0.0/8". */
export const listAddress = z.string().transform((entry, ctx) => {
  const c = readCidr(entry);
  if (typeof c === 'string') {
    ctx.addIssue({ code: 'custom', message: c });
    return z.NEVER;
  }
  return cidrText(c);
});

const ifVersion = z.number().int().min(0);
const changeReason = text(500);
/** Entries wider than /8 (IPv4) or /16 (IPv6), /0 included, are refused unless forced. */
const force = z.boolean().optional();

/** PUT and PATCH /api/policy: the policy (whole or partial) is checked by the policy schema itself. */
export const policyBody = z.strictObject({
  policy: z.record(z.string(), z.unknown()),
  ifVersion: ifVersion.optional(),
  reason: changeReason.optional(),
  force,
});

export const listAddBody = z.strictObject({
  address: listAddress,
  comment: text(200).optional(),
  ifVersion: ifVersion.optional(),
  reason: changeReason.optional(),
  force,
});

export const listRemoveQuery = z.strictObject({
  address: listAddress,
  ifVersion: z.coerce.number().pipe(ifVersion).optional(),
  reason: changeReason.optional(),
});

export const versionsQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

export const policyVersion = z.coerce.number().int().min(1);
