/** recurringU64: cached BigInts are always the value at the offset, collisions included. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { recurringU64 } from '../../controller/openflow/reader.js';

test('reads every 64-bit value exactly, first and second time', () => {
  const values = [0n, 1n, 0xffff_ffff_ffff_ffffn, 0x0f6d_0200_0000_0001n, 2n ** 63n, 0x8000_0000n, 12345678901234567n];
  const buf = Buffer.alloc(8 * values.length);
  values.forEach((v, i) => buf.writeBigUInt64BE(v, 8 * i));
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  for (let round = 0; round < 2; round++) values.forEach((v, i) => assert.is(recurringU64(view, 8 * i), v));
});

test('values sharing a slot never answer for each other', () => {
  // 5,000 distinct values through a 1,024-slot cache: most slots are shared.
  const buf = Buffer.alloc(8 * 5000);
  for (let i = 0; i < 5000; i++) buf.writeBigUInt64BE(0x0f6d_0000_0000_0000n + BigInt(i) * 0x1_0000_0001n, 8 * i);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  for (let round = 0; round < 2; round++) {
    for (let i = 0; i < 5000; i++) assert.is(recurringU64(view, 8 * i), buf.readBigUInt64BE(8 * i));
  }
});

test.run();
