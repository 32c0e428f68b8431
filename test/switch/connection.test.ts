import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { once } from 'node:events';
import { OpenFlowServer } from '../../controller/switch/server.js';
import { ConnectionClosedError, RequestTimeoutError, SwitchError, type SwitchConnection } from '../../controller/switch/connection.js';
import { silentLogger } from '../../controller/log.js';
import { ErrorType, OFP_VERSION, MultipartFlags } from '../../controller/openflow/constants.js';
import { applyMeter, encodeMessage, gotoTable, type FlowStats, type OfpMessage } from '../../controller/openflow/index.js';
import { FakeSwitch, portDesc } from '../support/fake-switch.js';

async function withServer(opts: Partial<ConstructorParameters<typeof OpenFlowServer>[0]>, fn: (server: OpenFlowServer, port: number) => Promise<void>) {
  const server = new OpenFlowServer({ port: 0, host: '127.0.0.1', logger: silentLogger, ...opts });
  const { port } = await server.listen();
  try {
    await fn(server, port);
  } finally {
    await server.close();
  }
}

const up = (server: OpenFlowServer) => once(server, 'switch_up') as Promise<[SwitchConnection]>;

test('handshake: hello, features, set-config, port-desc → switch_up with dpid and ports', async () => {
  await withServer({}, async (server, port) => {
    const ready = up(server);
    const sw = new FakeSwitch({ port, dpid: 0xabcn, ports: [portDesc(1), portDesc(2), portDesc(3)] });
    const [conn] = await ready;
    assert.is(conn.dpid, '0000000000000abc');
    assert.is(conn.ports.size, 3);
    assert.ok(sw.received.some((m) => m.type === 'set_config'), 'set_config sent');
    assert.is(server.switches.get('0000000000000abc'), conn);
    sw.close();
  });
});

test('a peer without OpenFlow 1.3 gets HELLO_FAILED and is disconnected', async () => {
  await withServer({}, async (server, port) => {
    const rejected = once(server, 'rejected');
    const sw = new FakeSwitch({ port, dpid: 1n, helloVersion: 1 });
    await rejected;
    assert.ok(await sw.waitClosed());
    const err = sw.received.find((m) => m.type === 'error');
    assert.ok(err && err.type === 'error' && err.errorType === ErrorType.HELLO_FAILED, 'HELLO_FAILED error received');
    assert.is(server.switches.size, 0);
  });
});

test('a bitmap that includes 1.3 is accepted even when the header says 1.5', async () => {
  await withServer({}, async (server, port) => {
    const ready = up(server);
    const sw = new FakeSwitch({ port, dpid: 7n, helloVersion: 6, helloBitmap: (1 << 4) | (1 << 6) });
    const [conn] = await ready;
    assert.is(conn.dpid, '0000000000000007');
    sw.close();
  });
});

test('garbage from one switch closes only that switch, with the reason', async () => {
  await withServer({}, async (server, port) => {
    let ready = up(server);
    const good = new FakeSwitch({ port, dpid: 1n });
    await ready;
    ready = up(server);
    const bad = new FakeSwitch({ port, dpid: 2n });
    const [badConn] = await ready;
    const down = once(server, 'switch_down');
    bad.sendRaw(Buffer.from([0x04, 0x0e, 0x00, 0x04, 0, 0, 0, 1])); // length 4 < header size
    const [, reason] = await down;
    assert.match(String(reason), /malformed OpenFlow message/);
    assert.ok(badConn.closed);
    assert.ok(await bad.waitClosed());
    assert.is(server.switches.size, 1);
    assert.ok(server.switches.get('0000000000000001')!.isReady);
    good.close();
  });
});

test('a silent switch is declared dead within 3 echo intervals', async () => {
  await withServer({ echoIntervalMs: 100 }, async (server, port) => {
    const ready = up(server);
    const sw = new FakeSwitch({ port, dpid: 3n, answerEcho: false });
    await ready;
    const started = Date.now();
    const [, reason] = await once(server, 'switch_down');
    const took = Date.now() - started;
    assert.match(String(reason), /no echo reply/);
    assert.ok(took <= 4 * 100 + 150, `detected after ${took} ms`);
    sw.close();
  });
});

test('a reconnect of the same dpid replaces the old session cleanly', async () => {
  await withServer({}, async (server, port) => {
    let ready = up(server);
    const first = new FakeSwitch({ port, dpid: 9n });
    const [firstConn] = await ready;
    const events: string[] = [];
    server.on('switch_down', (c) => events.push(`down:${c === firstConn ? 'first' : 'other'}`));
    server.on('switch_up', (c) => events.push(`up:${c === firstConn ? 'first' : 'second'}`));
    ready = up(server);
    const second = new FakeSwitch({ port, dpid: 9n });
    const [secondConn] = await ready;
    assert.equal(events, ['down:first', 'up:second']);
    assert.is(server.switches.size, 1);
    assert.is(server.switches.get('0000000000000009'), secondConn);
    assert.ok(firstConn.closed);
    assert.ok(await first.waitClosed());
    second.close();
  });
});

test('multipart replies are reassembled across the MORE flag', async () => {
  const entry = (n: number): FlowStats => ({
    tableId: 1, durationSec: n, durationNsec: 0, priority: 2000, idleTimeout: 30, hardTimeout: 0, flags: 0,
    cookie: BigInt(n), packetCount: BigInt(n * 10), byteCount: BigInt(n * 1000), match: { ethType: 0x0800, ipv4Src: `10.0.0.${n}` }, instructions: [],
  });
  await withServer({}, async (server, port) => {
    const ready = up(server);
    const sw = new FakeSwitch({
      port, dpid: 4n,
      onMessage: (msg, s) => {
        if (msg.type === 'multipart_request' && msg.mpType === 'flow') {
          s.send({ version: OFP_VERSION, type: 'multipart_reply', xid: msg.xid, mpType: 'flow', flags: MultipartFlags.REPLY_MORE, body: [entry(1), entry(2)] } as OfpMessage);
          s.send({ version: OFP_VERSION, type: 'multipart_reply', xid: msg.xid, mpType: 'flow', flags: MultipartFlags.REPLY_MORE, body: [entry(3)] } as OfpMessage);
          s.send({ version: OFP_VERSION, type: 'multipart_reply', xid: msg.xid, mpType: 'flow', flags: 0, body: [entry(4)] } as OfpMessage);
        }
      },
    });
    const [conn] = await ready;
    const flows = await conn.multipart('flow', { tableId: 0xff, outPort: 0xffffffff, outGroup: 0xffffffff, cookie: 0n, cookieMask: 0n, match: {} });
    assert.equal(flows.map((f) => f.cookie), [1n, 2n, 3n, 4n]);
    sw.close();
  });
});

test('flow stats on the fast path: every entry of every part visited, errors and garbage handled', async () => {
  const entry = (n: number): FlowStats => ({
    tableId: 1, durationSec: n, durationNsec: 0, priority: 2000, idleTimeout: 30, hardTimeout: 0, flags: 0,
    cookie: BigInt(n), packetCount: BigInt(n * 10), byteCount: BigInt(n * 1000), match: { ethType: 0x0800, ipv4Src: `10.0.0.${n}` },
    instructions: n === 3 ? [applyMeter(9), gotoTable(2)] : [gotoTable(2)],
  });
  let mode: 'parts' | 'error' | 'garbage' = 'parts';
  await withServer({}, async (server, port) => {
    const ready = up(server);
    const sw = new FakeSwitch({
      port, dpid: 6n,
      onMessage: (msg, s) => {
        if (msg.type !== 'multipart_request' || msg.mpType !== 'flow') return;
        if (mode === 'error') return s.send({ version: OFP_VERSION, type: 'error', xid: msg.xid, errorType: ErrorType.BAD_REQUEST, code: 1, data: Buffer.alloc(0) } as OfpMessage);
        if (mode === 'garbage') {
          const bytes = encodeMessage({ version: OFP_VERSION, type: 'multipart_reply', xid: msg.xid, mpType: 'flow', flags: 0, body: [entry(1)] } as OfpMessage);
          bytes.writeUInt16BE(7, 16); // entry length shorter than an entry's fixed part
          return s.sendRaw(bytes);
        }
        s.send({ version: OFP_VERSION, type: 'multipart_reply', xid: msg.xid, mpType: 'flow', flags: MultipartFlags.REPLY_MORE, body: [entry(1), entry(2)] } as OfpMessage);
        s.send({ version: OFP_VERSION, type: 'multipart_reply', xid: msg.xid, mpType: 'flow', flags: 0, body: [entry(3)] } as OfpMessage);
      },
    });
    const [conn] = await ready;
    const request = { tableId: 0xff, outPort: 0xffffffff, outGroup: 0xffffffff, cookie: 0n, cookieMask: 0n, match: {} };
    const seen: Array<[bigint, bigint, string | undefined, number]> = [];
    const count = await conn.visitFlowStats(request, (e) => seen.push([e.cookie, e.packetCount, e.match.ipv4Src, e.meterId]));
    assert.is(count, 3);
    assert.equal(seen, [[1n, 10n, '10.0.0.1', 0], [2n, 20n, '10.0.0.2', 0], [3n, 30n, '10.0.0.3', 9]]);
    mode = 'error';
    const err = await conn.visitFlowStats(request, () => {}).catch((e: Error) => e);
    assert.instance(err, SwitchError, 'a switch error answers the request');
    mode = 'garbage';
    const down = once(server, 'switch_down');
    const closed = conn.visitFlowStats(request, () => {}).catch((e: Error) => e);
    const [, reason] = await down;
    assert.match(String(reason), /malformed OpenFlow message/);
    assert.instance(await closed, ConnectionClosedError);
    sw.close();
  });
});

test('requests time out, and errors are traced back to the request by xid', async () => {
  await withServer({ requestTimeoutMs: 150 }, async (server, port) => {
    const ready = up(server);
    const sw = new FakeSwitch({
      port, dpid: 5n,
      onMessage: (msg, s) => {
        if (msg.type === 'flow_mod') {
          s.send({ version: OFP_VERSION, type: 'error', xid: msg.xid, errorType: ErrorType.FLOW_MOD_FAILED, code: 1, data: Buffer.alloc(0) });
        }
        // barrier requests are never answered by this switch
      },
    });
    const [conn] = await ready;
    const timedOut = await conn.barrier().then(() => undefined, (e: unknown) => e);
    assert.instance(timedOut, RequestTimeoutError);
    const errored = once(conn, 'switch_error');
    const xid = conn.send({ version: OFP_VERSION, type: 'flow_mod', xid: 0, cookie: 0x77n, cookieMask: 0n, tableId: 0, command: 0, idleTimeout: 0, hardTimeout: 0, priority: 1, bufferId: 0xffffffff, outPort: 0xffffffff, outGroup: 0xffffffff, flags: 0, match: {}, instructions: [] });
    const [err] = (await errored) as [SwitchError];
    assert.instance(err, SwitchError);
    assert.is(err.request?.xid, xid);
    assert.match(err.message, /OFPET_FLOW_MOD_FAILED\/OFPFMFC_TABLE_FULL/);
    sw.close();
  });
});

test.run();
