/** OFPT_ERROR (spec 7.5.4), including the experimenter error form, and readable names for it. */
import { minLength } from './body.js';
import { ErrorType, errorCodeName, errorTypeName } from './constants.js';
import { copyBytes, u16, u32 } from './reader.js';
import type { ErrorMessage } from './types.js';
import type { OfWriter } from './writer.js';

export function decodeError(b: Buffer, o: number, end: number, version: number, xid: number): ErrorMessage {
  minLength('error', end - o, 12, o);
  const errorType = u16(b, o + 8);
  const code = u16(b, o + 10);
  if (errorType === ErrorType.EXPERIMENTER) {
    minLength('experimenter error', end - o, 16, o);
    return { version, type: 'error', xid, errorType, code, experimenter: u32(b, o + 12), data: copyBytes(b, o + 16, end) };
  }
  return { version, type: 'error', xid, errorType, code, data: copyBytes(b, o + 12, end) };
}

export function encodeError(w: OfWriter, m: ErrorMessage): void {
  w.u16(m.errorType);
  w.u16(m.code);
  if (m.errorType === ErrorType.EXPERIMENTER) w.u32(m.experimenter ?? 0);
  w.bytes(m.data);
}

/** "OFPET_BAD_MATCH/OFPBMC_BAD_FIELD", or "OFPET_EXPERIMENTER(experimenter=0x2320, expType=5)". */
export function describeError(m: Pick<ErrorMessage, 'errorType' | 'code' | 'experimenter'>): string {
  if (m.errorType === ErrorType.EXPERIMENTER) {
    return `OFPET_EXPERIMENTER(experimenter=0x${(m.experimenter ?? 0).toString(16)}, expType=${m.code})`;
  }
  return `${errorTypeName(m.errorType)}/${errorCodeName(m.errorType, m.code)}`;
}
