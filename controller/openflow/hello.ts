/** OFPT_HELLO with its elements (spec 7.5.1); the version bitmap drives version negotiation. */
import { elementLength } from './body.js';
import { HelloElemType } from './constants.js';
import { OpenFlowDecodeError } from './errors.js';
import { copyBytes, need, u16, u32 } from './reader.js';
import type { HelloElement } from './types.js';
import type { OfWriter } from './writer.js';

export function decodeHelloElements(b: Buffer, start: number, end: number): HelloElement[] {
  const elements: HelloElement[] = [];
  let p = start;
  while (p < end) {
    need(p, 4, end, 'hello element header');
    const type = u16(b, p);
    const len = u16(b, p + 2);
    elementLength('hello element', len, 4, p, end, false);
    // Each element is padded to 8 bytes and the padding is not counted in its length.
    const padded = (len + 7) & ~7;
    need(p, padded, end, 'hello element padding');
    if (type === HelloElemType.VERSIONBITMAP) {
      if ((len & 3) !== 0) throw new OpenFlowDecodeError('OFP_BAD_LENGTH', `version bitmap length ${len} is not a multiple of 4`, p);
      const bitmaps: number[] = [];
      for (let q = p + 4; q < p + len; q += 4) bitmaps.push(u32(b, q));
      elements.push({ type: 'versionbitmap', bitmaps });
    } else {
      elements.push({ type: 'unknown', elementType: type, data: copyBytes(b, p + 4, p + len) });
    }
    p += padded;
  }
  return elements;
}

export function encodeHelloElements(w: OfWriter, elements: readonly HelloElement[]): void {
  for (const e of elements) {
    const start = w.pos;
    if (e.type === 'versionbitmap') {
      w.u16(HelloElemType.VERSIONBITMAP);
      w.u16(4 + 4 * e.bitmaps.length);
      for (const bm of e.bitmaps) w.u32(bm);
    } else {
      w.u16(e.elementType);
      w.u16(4 + e.data.length);
      w.bytes(e.data);
    }
    w.padTo8(start);
  }
}

/** The versions a hello's bitmap elements advertise (bit n of bitmap i is version 32*i+n). */
export function helloVersions(elements: readonly HelloElement[]): number[] {
  const versions: number[] = [];
  for (const e of elements) {
    if (e.type !== 'versionbitmap') continue;
    e.bitmaps.forEach((bm, i) => {
      for (let bit = 0; bit < 32; bit++) if ((bm >>> bit) & 1) versions.push(32 * i + bit);
    });
  }
  return versions;
}

/** A version bitmap element list advertising exactly `versions`. */
export function versionBitmap(versions: readonly number[]): HelloElement {
  const bitmaps: number[] = [];
  for (const v of versions) {
    const i = v >>> 5;
    while (bitmaps.length <= i) bitmaps.push(0);
    bitmaps[i] = (bitmaps[i]! | (1 << (v & 31))) >>> 0;
  }
  return { type: 'versionbitmap', bitmaps };
}
