/** Length checks shared by the message-family decoders. */
import { OpenFlowDecodeError } from './errors.js';

/** A message or structure whose size is fixed by the spec must have exactly that size. */
export function exactLength(what: string, actual: number, expected: number, offset: number): void {
  if (actual !== expected) {
    throw new OpenFlowDecodeError('OFP_BAD_LENGTH', `${what} is ${actual} bytes, expected ${expected}`, offset);
  }
}

/** A structure with a fixed part must be at least that long. */
export function minLength(what: string, actual: number, min: number, offset: number): void {
  if (actual < min) {
    throw new OpenFlowDecodeError('OFP_BAD_LENGTH', `${what} is ${actual} bytes, at least ${min} expected`, offset);
  }
}

/** A list element's own length field: at least `min`, within its container, optionally a multiple of 8. */
export function elementLength(what: string, len: number, min: number, offset: number, end: number, multipleOf8: boolean): void {
  if (len < min || (multipleOf8 && (len & 7) !== 0)) {
    throw new OpenFlowDecodeError('OFP_BAD_LENGTH', `${what} length ${len} is invalid`, offset);
  }
  if (offset + len > end) {
    throw new OpenFlowDecodeError('OFP_TRUNCATED', `${what} of ${len} bytes runs past its container`, offset);
  }
}
