/**
 * Every request body, query and path parameter of the admin API, checked with zod before
 * anything runs: a wrong field is answered 400 with its name and nothing changes.
 */
import { z } from 'zod';
import { ACTION_STAGES } from '../policy/response.js';
import { parseAddress, sourceKey } from '../policy/address.js';

function isAddress(text: string): boolean {
  try {
    parseAddress(text);
    return true;
  } catch {
    return false;
  }
}

/** An address, or a network as "address/prefix": split into the policy's src + srcPrefix. */
export const sourceText = z
  .string()
  .trim()
  .transform((text, ctx) => {
    const slash = text.indexOf('/');
    const src = slash < 0 ? text : text.slice(0, slash);
    const prefixText = slash < 0 ? undefined : text.slice(slash + 1);
    const prefix = prefixText === undefined ? undefined : Number(prefixText);
    const max = src.includes(':') ? 128 : 32;
    if (!isAddress(src)) {
      ctx.addIssue({ code: 'custom', message: `not an IPv4 or IPv6 address or network: ${JSON.stringify(text)}` });
      return z.NEVER;
    }
    if (prefix !== undefined && !(Number.isInteger(prefix) && prefix >= 0 && prefix <= max)) {
      ctx.addIssue({ code: 'custom', message: `prefix length must be 0-${max}, got ${JSON.stringify(prefixText)}` });
      return z.NEVER;
    }
    return prefix === undefined ? { src } : { src, srcPrefix: prefix };
  });

const boolText = z.enum(['true', 'false']).transform((v) => v === 'true');
const MAX_DURATION_S = 30 * 24 * 3600;

export const blockBody = z.strictObject({
  src: sourceText,
  /** Network prefix when `src` is a bare address ("src/prefix" works too). */
  prefix: z.number().int().min(0).max(128).optional(),
  action: z.enum(ACTION_STAGES).optional(),
  /** Omitted: the policy computes the duration (offence, trust); always capped by durations.maxMs. */
  durationS: z.number().positive().max(MAX_DURATION_S).optional(),
  proto: z.number().int().min(0).max(255).optional(),
  dstPort: z.number().int().min(0).max(65535).optional(),
  reason: z.string().trim().min(1).max(500),
});

export const extendBody = z.strictObject({
  seconds: z.number().positive().max(MAX_DURATION_S),
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
  reason: z.string().trim().min(1).max(500).optional(),
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
export const listAddress = sourceText.transform((s) => sourceKey(s.src, s.srcPrefix));

const ifVersion = z.number().int().min(0);
const changeReason = z.string().trim().min(1).max(500);

/** PUT and PATCH /api/policy: the policy (whole or partial) is checked by the policy schema itself. */
export const policyBody = z.strictObject({
  policy: z.record(z.string(), z.unknown()),
  ifVersion: ifVersion.optional(),
  reason: changeReason.optional(),
});

export const listAddBody = z.strictObject({
  address: listAddress,
  comment: z.string().trim().min(1).max(200).optional(),
  ifVersion: ifVersion.optional(),
  reason: changeReason.optional(),
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
