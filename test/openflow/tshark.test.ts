/**
 * Cross-check with an independent decoder: every kind of message ofguard sends is written
 * to a pcap and read back by tshark's OpenFlow dissector, which must decode each one as
 * the type we meant and mark none of them malformed.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeMessage, type OfpMessage } from '../../controller/openflow/index.js';
import { ErrorType, Meter, OFP_VERSION, Port, Table } from '../../controller/openflow/constants.js';
import { basePipeline } from '../../controller/forwarding/pipeline.js';
import { accountingFlows, ForwardingApp } from '../../controller/forwarding/app.js';
import { ownerCookie } from '../../flows/layout.js';
import { pcapOfMessages } from '../support/pcap.js';
import { portDesc } from '../support/fake-switch.js';

function tsharkAvailable(): boolean {
  try { execFileSync('tshark', ['--version'], { stdio: 'ignore' }); return true; } catch { return false; }
}

/** Every message type and shape the controller puts on the wire. */
function controllerMessages(): OfpMessage[] {
  const v = OFP_VERSION;
  const app = new ForwardingApp();
  const lldp = app.switchUp('0000000000000001', [portDesc(1), portDesc(2)]);
  return [
    { version: v, type: 'hello', xid: 1, elements: [{ type: 'versionbitmap', bitmaps: [1 << 4] }] },
    { version: v, type: 'features_request', xid: 2 },
    { version: v, type: 'set_config', xid: 3, flags: 0, missSendLen: 128 },
    { version: v, type: 'multipart_request', xid: 4, mpType: 'port_desc', flags: 0, body: null },
    { version: v, type: 'multipart_request', xid: 5, mpType: 'flow', flags: 0, body: { tableId: Table.ALL, outPort: Port.ANY, outGroup: 0xffffffff, ...ownerCookie, match: {} } },
    { version: v, type: 'multipart_request', xid: 6, mpType: 'port_stats', flags: 0, body: { portNo: Port.ANY } },
    { version: v, type: 'multipart_request', xid: 7, mpType: 'meter', flags: 0, body: { meterId: Meter.ALL } },
    { version: v, type: 'multipart_request', xid: 8, mpType: 'meter_config', flags: 0, body: { meterId: Meter.ALL } },
    { version: v, type: 'echo_request', xid: 9, data: Buffer.alloc(0) },
    { version: v, type: 'echo_reply', xid: 10, data: Buffer.from('ping') },
    { version: v, type: 'barrier_request', xid: 11 },
    { version: v, type: 'error', xid: 12, errorType: ErrorType.HELLO_FAILED, code: 0, data: Buffer.from('ofguard speaks OpenFlow 1.3 only') },
    ...basePipeline({ packetInRate: 1000, missSendLen: 128 }),
    ...lldp,
    ...accountingFlows({ src: '10.0.0.1', dst: '10.0.0.2', proto: 6, port: 80, v6: false }, 30),
    ...accountingFlows({ src: 'fe80::1', dst: 'fe80::2', proto: 17, port: 53, v6: true }, 30),
  ] as OfpMessage[];
}

const TYPE_NUMBER: Record<string, number> = {
  hello: 0, error: 1, echo_request: 2, echo_reply: 3, features_request: 5, set_config: 9, packet_out: 13,
  flow_mod: 14, multipart_request: 18, barrier_request: 20, meter_mod: 29,
};

test('tshark decodes every message ofguard sends, none malformed', () => {
  if (!tsharkAvailable()) {
    if (process.env.CI) assert.unreachable('tshark is not installed (scripts/setup.sh installs it)');
    console.log('  (tshark not installed: skipped outside CI)');
    return;
  }
  const msgs = controllerMessages();
  let xid = 100;
  const bytes = msgs.map((m) => encodeMessage({ ...m, xid: m.xid || xid++ } as OfpMessage));
  const dir = mkdtempSync(join(tmpdir(), 'ofguard-tshark-'));
  const file = join(dir, 'controller.pcap');
  writeFileSync(file, pcapOfMessages(bytes));
  const out = execFileSync('tshark', ['-r', file, '-d', 'tcp.port==6653,openflow', '-T', 'fields', '-E', 'separator=;',
    '-e', 'frame.number', '-e', 'openflow_v4.type', '-e', '_ws.malformed', '-e', '_ws.expert.severity'], { encoding: 'utf8' });
  const rows = out.trim().split('\n').map((l) => l.split(';'));
  assert.is(rows.length, msgs.length, 'one frame per message');
  rows.forEach((r, i) => {
    const expected = TYPE_NUMBER[msgs[i].type];
    assert.is(Number(r[1]), expected, `frame ${i + 1} (${msgs[i].type}) decoded as type ${r[1]}`);
    assert.is(r[2], '', `frame ${i + 1} (${msgs[i].type}) marked malformed`);
    // Any expert note at all (e.g. "Unknown match body" for a bad OXM length) is a finding.
    assert.is(r[3], '', `frame ${i + 1} (${msgs[i].type}) has an expert note of severity ${r[3]}`);
  });
  const verbose = execFileSync('tshark', ['-r', file, '-V'], { encoding: 'utf8' });
  assert.not.match(verbose, /Malformed Packet/);
});

test.run();
