/**
 * Random and mutated input: decoding may only succeed or throw OpenFlowDecodeError —
 * never another error, never hang. Whatever decodes must re-encode and decode to the same
 * object. Deterministic (seeded) so a failure reproduces.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeMessage, encodeMessage, MessageFramer, OpenFlowDecodeError } from '../../controller/openflow/index.js';
import { fixtures } from './fixtures.js';
import { CONFORMANCE_OF13_DIR as dir } from '../support/conformance.js';

let seed = 0x9e3779b9;
function rand(): number {
  // xorshift32
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) / 0x100000000;
}
const randInt = (n: number): number => Math.floor(rand() * n);

let decoded = 0;
let rejected = 0;

function check(bytes: Buffer, label: string): void {
  let msg;
  try {
    msg = decodeMessage(bytes);
  } catch (err) {
    if (!(err instanceof OpenFlowDecodeError)) throw new Error(`${label}: ${bytes.toString('hex')} threw ${String(err)}`);
    rejected++;
    return;
  }
  decoded++;
  const again = encodeMessage(msg);
  assert.equal(decodeMessage(again), msg, `${label}: ${bytes.toString('hex')} does not survive a round trip`);
}

function withHeader(body: Buffer, type: number): Buffer {
  const b = Buffer.alloc(8 + body.length);
  b[0] = 4;
  b[1] = type;
  b.writeUInt16BE(b.length, 2);
  body.copy(b, 8);
  return b;
}

const seeds: Buffer[] = [
  ...fixtures.map((f) => f.bytes),
  ...readdirSync(dir).filter((f) => f.endsWith('.packet')).map((f) => readFileSync(join(dir, f))),
];

test('random bodies behind valid headers, every message type', () => {
  for (let i = 0; i < 4000; i++) {
    const body = Buffer.alloc(randInt(160));
    for (let k = 0; k < body.length; k++) body[k] = randInt(4) === 0 ? randInt(256) : randInt(3);
    check(withHeader(body, randInt(31)), `random #${i}`);
  }
});

test('fully random buffers', () => {
  for (let i = 0; i < 2000; i++) {
    const b = Buffer.alloc(randInt(64));
    for (let k = 0; k < b.length; k++) b[k] = randInt(256);
    check(b, `raw #${i}`);
  }
});

test('bit flips and truncations of every fixture and conformance packet', () => {
  for (const original of seeds) {
    for (let i = 0; i < 25; i++) {
      const b = Buffer.from(original);
      const flips = 1 + randInt(4);
      // Keep the header sane half the time so mutations reach the body decoders.
      for (let k = 0; k < flips; k++) {
        const at = randInt(b.length);
        b[at]! ^= 1 << randInt(8);
      }
      if (i % 2 === 0) {
        b[0] = 4;
        b[1] = original[1]!;
        b.writeUInt16BE(b.length, 2);
      }
      check(b, 'flip');
      const cut = Buffer.from(original.subarray(0, 8 + randInt(Math.max(1, original.length - 8))));
      cut.writeUInt16BE(cut.length, 2);
      check(cut, 'cut');
    }
  }
  assert.ok(decoded > 100 && rejected > 1000, `decoded ${decoded}, rejected ${rejected}`);
});

test('framer on random streams throws only OpenFlowDecodeError', () => {
  for (let i = 0; i < 500; i++) {
    const framer = new MessageFramer();
    try {
      for (let c = 0; c < 10; c++) {
        const chunk = Buffer.alloc(randInt(40));
        for (let k = 0; k < chunk.length; k++) chunk[k] = k % 8 === 0 ? 4 : randInt(256);
        framer.push(chunk);
      }
    } catch (err) {
      assert.instance(err, OpenFlowDecodeError);
    }
  }
});

test.run();
