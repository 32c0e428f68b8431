/**
 * The one error the codec throws. Every malformed, truncated or oversized input ends in an
 * OpenFlowDecodeError (or OpenFlowEncodeError for objects that cannot be put on the wire),
 * never in a RangeError from Buffer, so a connection can catch exactly this and drop the
 * peer. Codes are stable and documented in ERRORS.md (a test keeps the two in step).
 */
export type OpenFlowDecodeErrorCode =
  | 'OFP_TRUNCATED'
  | 'OFP_BAD_LENGTH'
  | 'OFP_BAD_VERSION'
  | 'OFP_BAD_TYPE'
  | 'OFP_BAD_OXM'
  | 'OFP_BAD_MATCH'
  | 'OFP_BAD_ACTION'
  | 'OFP_BAD_INSTRUCTION'
  | 'OFP_BAD_PROPERTY'
  | 'PCAP_BAD_FORMAT';

export type OpenFlowEncodeErrorCode = 'OFP_ENCODE_BAD_VALUE' | 'OFP_ENCODE_TOO_LARGE';

export class OpenFlowDecodeError extends Error {
  override readonly name = 'OpenFlowDecodeError';
  constructor(
    readonly code: OpenFlowDecodeErrorCode,
    /** What was wrong, without the code and offset. */
    readonly detail: string,
    /** Byte offset in the buffer being decoded where the problem was found. */
    readonly offset: number,
  ) {
    super(`${code}: ${detail} (at byte ${offset})`);
  }
}

export class OpenFlowEncodeError extends Error {
  override readonly name = 'OpenFlowEncodeError';
  constructor(
    readonly code: OpenFlowEncodeErrorCode,
    message: string,
  ) {
    super(`${code}: ${message}`);
  }
}
