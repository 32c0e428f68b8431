/** Hand-written fixtures: decode, encode, round trip and stream (split at every offset, coalesced). */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeMessage, encodeMessage, MessageFramer, OpenFlowDecodeError } from '../../controller/openflow/index.js';
import { fixtures } from './fixtures.js';

for (const f of fixtures) {
  test(`${f.name}: decode`, () => {
    assert.equal(decodeMessage(f.bytes), f.message);
  });
  test(`${f.name}: encode`, () => {
    assert.is(encodeMessage(f.message).toString('hex'), f.bytes.toString('hex'));
  });
  test(`${f.name}: round trip`, () => {
    assert.equal(decodeMessage(encodeMessage(f.message)), f.message);
    assert.ok(encodeMessage(decodeMessage(f.bytes)).equals(f.bytes));
  });
  test(`${f.name}: stream split at every offset`, () => {
    for (let cut = 0; cut <= f.bytes.length; cut++) {
      const framer = new MessageFramer();
      const out = [...framer.push(f.bytes.subarray(0, cut)), ...framer.push(f.bytes.subarray(cut))];
      assert.is(out.length, 1, `cut at ${cut}`);
      assert.equal(decodeMessage(out[0]!), f.message);
      assert.is(framer.pendingBytes, 0);
    }
  });
}

test('stream: all fixtures coalesced in one chunk, then byte by byte', () => {
  const all = Buffer.concat(fixtures.map((f) => f.bytes));
  const framer = new MessageFramer();
  assert.equal(framer.push(all).map((b) => decodeMessage(b)), fixtures.map((f) => f.message));
  const slow = new MessageFramer();
  const frames: Buffer[] = [];
  for (let i = 0; i < all.length; i++) frames.push(...slow.push(all.subarray(i, i + 1)));
  assert.equal(frames.map((b) => decodeMessage(b)), fixtures.map((f) => f.message));
});

test('framer: a message in one chunk is returned without copying', () => {
  const chunk = Buffer.concat([fixtures[0]!.bytes, fixtures[1]!.bytes]);
  const [a, b] = new MessageFramer().push(chunk);
  assert.is(a!.buffer, chunk.buffer);
  assert.is(b!.byteOffset, chunk.byteOffset + fixtures[0]!.bytes.length);
});

function framingError(bytes: Buffer): OpenFlowDecodeError {
  try {
    new MessageFramer().push(bytes);
  } catch (err) {
    assert.instance(err, OpenFlowDecodeError);
    return err as OpenFlowDecodeError;
  }
  throw new Error('expected a framing error');
}

test('framer: rejects header length < 8, bad version and bad type, with stream offsets', () => {
  assert.is(framingError(Buffer.from('0400000400000000', 'hex')).code, 'OFP_BAD_LENGTH');
  const v = framingError(Buffer.concat([fixtures[1]!.bytes, Buffer.from('0305000800000000', 'hex')]));
  assert.is(v.code, 'OFP_BAD_VERSION');
  assert.is(v.offset, 8);
  assert.is(framingError(Buffer.from('04ff000800000000', 'hex')).code, 'OFP_BAD_TYPE');
  // Hello in another version is allowed: version negotiation needs it.
  assert.is(new MessageFramer().push(Buffer.from('0600000800000000', 'hex')).length, 1);
});

test('framer: stays failed after an error', () => {
  const framer = new MessageFramer();
  assert.throws(() => framer.push(Buffer.from('0400000400000000', 'hex')), (e: unknown) => e instanceof OpenFlowDecodeError);
  assert.throws(() => framer.push(fixtures[0]!.bytes), (e: unknown) => e instanceof OpenFlowDecodeError);
});

test('decodeMessage: truncated, trailing bytes, wrong fixed size', () => {
  const codeOf = (b: Buffer): string => {
    try {
      decodeMessage(b);
    } catch (err) {
      return (err as OpenFlowDecodeError).code;
    }
    return 'none';
  };
  const fm = fixtures[3]!.bytes;
  assert.is(codeOf(fm.subarray(0, 40)), 'OFP_TRUNCATED');
  assert.is(codeOf(Buffer.concat([fm, Buffer.alloc(1)])), 'OFP_BAD_LENGTH');
  assert.is(codeOf(Buffer.from('0405000c0000000000000000', 'hex')), 'OFP_BAD_LENGTH');
  assert.is(codeOf(Buffer.from('0400', 'hex')), 'OFP_TRUNCATED');
});

test.run();
