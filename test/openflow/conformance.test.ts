/**
 * Walks every OpenFlow 1.3 fixture in the conformance folder (Ryu's test vectors, made by
 * Open vSwitch's library, ovs-ofctl and an Erlang codec — never by this codec): each
 * `.packet` decodes, agrees field by field with Ryu's JSON beside it, and re-encodes byte
 * for byte. The flow-mod cut at 64 bytes must fail with OFP_TRUNCATED.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeMessage, encodeMessage, OpenFlowDecodeError } from '../../controller/openflow/index.js';
import { compareWithRyu, parseRyuJson } from './ryu-compare.js';
import { CONFORMANCE_OF13_DIR as dir } from '../support/conformance.js';

const EXPECTED_PAIRS = 104;

test('conformance folder exists', () => {
  assert.ok(existsSync(dir), `missing ${dir}`);
});

test('every .packet decodes, matches Ryu, and re-encodes byte for byte', () => {
  const files = readdirSync(dir).sort();
  const packets = files.filter((f) => f.endsWith('.packet'));
  const failures: string[] = [];
  let walked = 0;
  for (const f of packets) {
    const jsonFile = `${f}.json`;
    assert.ok(files.includes(jsonFile), `${f} has no JSON partner`);
    const bytes = readFileSync(join(dir, f));
    try {
      const msg = decodeMessage(bytes);
      compareWithRyu(parseRyuJson(readFileSync(join(dir, jsonFile), 'utf8')), msg, f);
      const again = encodeMessage(msg);
      if (!again.equals(bytes)) throw new Error(`re-encode differs: ${again.toString('hex')} vs ${bytes.toString('hex')}`);
      assert.equal(decodeMessage(again), msg, `${f}: decode(encode(decode(x))) differs`);
    } catch (err) {
      failures.push(`${f}: ${(err as Error).message}`);
    }
    walked++;
  }
  assert.equal(failures, []);
  assert.is(walked, EXPECTED_PAIRS);
  // Every file in the folder is accounted for: pairs, the truncation marker and its JSON,
  // and the Apache-2.0 license and origin statement that travel with Ryu's data.
  const accounted = new Set(packets.flatMap((p) => [p, `${p}.json`]));
  const rest = files.filter((f) => !accounted.has(f));
  assert.equal(rest, ['LICENSE', 'README.md', 'libofproto-OFP13-flow_mod.packet.truncated64.json', 'libofproto-OFP13-flow_mod.truncated64']);
});

test('truncated64: the first 64 bytes of a flow-mod fail with OFP_TRUNCATED', () => {
  const marker = join(dir, 'libofproto-OFP13-flow_mod.truncated64');
  assert.ok(existsSync(marker));
  const expected = parseRyuJson(readFileSync(join(dir, 'libofproto-OFP13-flow_mod.packet.truncated64.json'), 'utf8')) as Record<string, unknown>;
  assert.ok('OFPTruncatedMessage' in expected);
  const bytes = readFileSync(join(dir, 'libofproto-OFP13-flow_mod.packet')).subarray(0, 64);
  try {
    decodeMessage(bytes);
    assert.unreachable('decoding 64 bytes of a longer message must fail');
  } catch (err) {
    assert.instance(err, OpenFlowDecodeError);
    assert.is((err as OpenFlowDecodeError).code, 'OFP_TRUNCATED');
  }
});

test('the Ryu comparison notices a changed field', () => {
  const f = '4-12-ofp_flow_stats_reply.packet';
  const ryu = parseRyuJson(readFileSync(join(dir, `${f}.json`), 'utf8'));
  const msg = decodeMessage(readFileSync(join(dir, f)));
  assert.ok(msg.type === 'multipart_reply' && msg.mpType === 'flow');
  if (msg.type !== 'multipart_reply' || msg.mpType !== 'flow') return;
  msg.body[2]!.packetCount += 1n;
  assert.throws(() => compareWithRyu(ryu, msg, f), /packet_count/);
  msg.body[2]!.packetCount -= 1n;
  msg.body[2]!.match.inPort = 7;
  assert.throws(() => compareWithRyu(ryu, msg, f), /oxm_fields\[0\]\.value/);
});

test.run();
