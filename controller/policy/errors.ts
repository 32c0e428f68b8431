/**
 * Errors the policy throws on purpose, each with a stable code (callers and the admin API
 * branch on the code, never on the message):
 * - POLICY_BAD_ADDRESS      a source, CIDR or victim that is not an IPv4/IPv6 address
 * - POLICY_WHITELISTED      an admin block aimed at a whitelisted address or network
 * - POLICY_UNKNOWN_DECISION an admin operation named a decision that is not active
 * - POLICY_BAD_DURATION     a requested duration that is not a positive finite number
 * - POLICY_BLOCKLISTED      an unblock of a source on the operator's blocklist (take it off the list instead)
 */
export type PolicyErrorCode = 'POLICY_BAD_ADDRESS' | 'POLICY_WHITELISTED' | 'POLICY_UNKNOWN_DECISION' | 'POLICY_BAD_DURATION' | 'POLICY_BLOCKLISTED';

export const POLICY_ERROR_CODES: readonly PolicyErrorCode[] = ['POLICY_BAD_ADDRESS', 'POLICY_WHITELISTED', 'POLICY_UNKNOWN_DECISION', 'POLICY_BAD_DURATION', 'POLICY_BLOCKLISTED'];

export class PolicyError extends Error {
  override readonly name = 'PolicyError';
  constructor(
    readonly code: PolicyErrorCode,
    message: string,
    /** The request field the error is about, when it is not the obvious one (see api/errors.ts). */
    readonly field?: string,
  ) {
    super(`${code}: ${message}`);
  }
}
