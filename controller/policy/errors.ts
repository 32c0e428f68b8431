/**
 * Errors the policy throws on purpose, each with a stable code (callers and the admin API
 * branch on the code, never on the message; api/errors.ts maps each to an HTTP status):
 * - POLICY_BAD_ADDRESS      a source, CIDR or victim that is not an IPv4/IPv6 address or network (policy/address.ts)
 * - POLICY_WIDE_PREFIX      a block or list entry wider than /8 (IPv4) or /16 (IPv6) that was not forced
 * - POLICY_NOT_ENFORCEABLE  a decision or whitelist the enforcer cannot express as flows (refused before anything is stored)
 * - POLICY_WHITELISTED      an admin block aimed at a whitelisted address or network
 * - POLICY_UNKNOWN_DECISION an admin operation named a decision that is not active
 * - POLICY_BAD_DURATION     a requested duration that is not a positive finite number
 * - POLICY_BLOCKLISTED      an unblock of a source on the operator's blocklist (take it off the list instead)
 * - POLICY_INVALID          a policy change that does not pass the policy schema (`field` names the first wrong field)
 * - POLICY_VERSION_CONFLICT a change based on a version that is not the latest (someone changed the policy meanwhile)
 * - POLICY_ALREADY_LISTED   the entry is already in that list (with that comment)
 * - POLICY_NOT_LISTED       the entry is not in that list
 */
export type PolicyErrorCode =
  | 'POLICY_BAD_ADDRESS'
  | 'POLICY_WIDE_PREFIX'
  | 'POLICY_NOT_ENFORCEABLE'
  | 'POLICY_WHITELISTED'
  | 'POLICY_UNKNOWN_DECISION'
  | 'POLICY_BAD_DURATION'
  | 'POLICY_BLOCKLISTED'
  | 'POLICY_INVALID'
  | 'POLICY_VERSION_CONFLICT'
  | 'POLICY_ALREADY_LISTED'
  | 'POLICY_NOT_LISTED';

export const POLICY_ERROR_CODES: readonly PolicyErrorCode[] = [
  'POLICY_BAD_ADDRESS', 'POLICY_WIDE_PREFIX', 'POLICY_NOT_ENFORCEABLE', 'POLICY_WHITELISTED', 'POLICY_UNKNOWN_DECISION',
  'POLICY_BAD_DURATION', 'POLICY_BLOCKLISTED', 'POLICY_INVALID', 'POLICY_VERSION_CONFLICT', 'POLICY_ALREADY_LISTED', 'POLICY_NOT_LISTED',
];

export class PolicyError extends Error {
  override readonly name = 'PolicyError';
  constructor(
    readonly code: PolicyErrorCode,
    /** What went wrong, without the code (the message is "CODE: detail"). */
    readonly detail: string,
    /** The request field the error is about, when it is not the obvious one (see api/errors.ts). */
    readonly field?: string,
  ) {
    super(`${code}: ${detail}`);
  }
}
