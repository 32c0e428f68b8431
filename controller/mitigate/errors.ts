/**
 * Errors the enforcer raises on purpose, each with a stable code (callers branch on the
 * code, never on the message). A decision that fails with one of these is marked failed
 * on its own (see failures.ts) while every other decision is installed:
 * - MITIGATE_BAD_TARGET       an address, prefix or address-family mix no flow can match
 * - MITIGATE_BAD_DECISION     a decision missing what its action needs (rate-limit without a
 *                             rate, throttle-victim without a victim)
 * - MITIGATE_NOT_ENCODABLE    the decision's flow-mod or meter-mod cannot be put on the wire
 *                             (the codec refused a field, e.g. an IPv6 address with a zone id)
 * - MITIGATE_SWITCH_REJECTED  a switch answered an OpenFlow error to the decision's flow-mod
 *                             or meter-mod (traced by xid), or has no room for it, and no
 *                             fallback can hold it there
 */
export type MitigateErrorCode = 'MITIGATE_BAD_TARGET' | 'MITIGATE_BAD_DECISION' | 'MITIGATE_NOT_ENCODABLE' | 'MITIGATE_SWITCH_REJECTED';

export const MITIGATE_ERROR_CODES: readonly MitigateErrorCode[] = [
  'MITIGATE_BAD_TARGET', 'MITIGATE_BAD_DECISION', 'MITIGATE_NOT_ENCODABLE', 'MITIGATE_SWITCH_REJECTED',
];

export class MitigateError extends Error {
  override readonly name = 'MitigateError';
  constructor(
    readonly code: MitigateErrorCode,
    /** What went wrong, without the code. */
    readonly detail: string,
  ) {
    super(`${code}: ${detail}`);
  }
}
