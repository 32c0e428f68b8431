/**
 * Errors the enforcer raises on purpose, each with a stable code (callers branch on the
 * code, never on the message):
 * - MITIGATE_BAD_TARGET    an address, prefix or address-family mix no flow can match
 * - MITIGATE_BAD_DECISION  a decision missing what its action needs (rate-limit without a
 *                          rate, throttle-victim without a victim)
 */
export type MitigateErrorCode = 'MITIGATE_BAD_TARGET' | 'MITIGATE_BAD_DECISION';

export const MITIGATE_ERROR_CODES: readonly MitigateErrorCode[] = ['MITIGATE_BAD_TARGET', 'MITIGATE_BAD_DECISION'];

export class MitigateError extends Error {
  override readonly name = 'MitigateError';
  constructor(
    readonly code: MitigateErrorCode,
    message: string,
  ) {
    super(`${code}: ${message}`);
  }
}
