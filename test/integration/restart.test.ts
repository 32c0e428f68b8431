/**
 * Controller killed with SIGKILL in the middle of an attack and started again: no block is
 * lost while it is away (the switch keeps its flows), and after reconnection the switch
 * holds exactly the flows the decisions persisted in SQLite call for — no duplicates.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Mininet } from '../support/mininet.js';
import { dumpFlows } from '../support/ovs.js';
import { freePort, sleep, waitFor } from '../support/controller.js';
import { startFlood, startHttpServer } from '../support/traffic.js';
import { openStore } from '../../controller/store/store.js';
import { decisionIdOf, purposeOf, FlowPurpose } from '../../flows/layout.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const restart = suite('controller restart');

function startControllerProcess(port: number, dataDir: string): { child: ChildProcess; log: () => string } {
  let log = '';
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'controller/cli/main.ts'), 'start', '--port', String(port), '--listen', '127.0.0.1', '--data', dataDir], {
    cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, OFGUARD_LOG_LEVEL: 'info', OFGUARD_API_ENABLED: 'false' },
  });
  child.stdout!.on('data', (d) => { log += d; });
  child.stderr!.on('data', (d) => { log += d; });
  return { child, log: () => log };
}

const guardFlows = () => dumpFlows('s1', 'table=0').filter((l) => {
  const cookie = BigInt(l.match(/cookie=(0x[0-9a-f]+)/)?.[1] ?? '0');
  const p = purposeOf(cookie);
  return p !== undefined && p >= FlowPurpose.monitor;
});
const cookieOf = (line: string) => BigInt(line.match(/cookie=(0x[0-9a-f]+)/)![1]);

restart('SIGKILL mid-attack: the block stays, and the restarted controller reconciles to exactly its decisions', async () => {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'ofguard-restart-'));
  let first: ReturnType<typeof startControllerProcess> | undefined = startControllerProcess(port, dataDir);
  let second: ReturnType<typeof startControllerProcess> | undefined;
  const net = new Mininet();
  try {
    await waitFor('controller listening', () => /listening for OpenFlow switches/.test(first!.log()) || undefined, 30_000);
    await net.start({ topo: 'office', port });
    await waitFor('pipeline installed', () => /pipeline installed/.test(first!.log()) || undefined, 30_000);
    await startHttpServer(net, 'srv1', 8080, 60);
    const flood = await startFlood(net, 'att1', '10.0.0.1', '-S -p 8080', 45);
    await waitFor('drop flow for the attacker', () => guardFlows().some((l) => l.includes('nw_src=10.0.0.6') && /actions=drop/.test(l)) || undefined, 40_000);
    const before = guardFlows();

    first.child.kill('SIGKILL');
    await new Promise((r) => first!.child.once('exit', r));
    first = undefined;
    await sleep(1500);
    const whileAway = guardFlows();
    assert.ok(whileAway.some((l) => l.includes('nw_src=10.0.0.6') && /actions=drop/.test(l)), 'the block stays in the switch while the controller is away');

    second = startControllerProcess(port, dataDir);
    await waitFor('switch reconnected', () => /pipeline installed/.test(second!.log()) || undefined, 40_000);
    await sleep(3000);
    await net.wait(flood.handle, 60);
    await sleep(1500);
    const after = guardFlows();
    second.child.kill('SIGTERM');
    await new Promise((r) => second!.child.once('exit', r));
    second = undefined;

    const store = openStore(join(dataDir, 'ofguard.db'));
    const active = store.loadPolicyState().activeDecisions;
    store.close();
    const ids = after.map((l) => decisionIdOf(cookieOf(l))).sort((a, b) => a - b);
    console.log(`  before kill: ${before.length} guard flows; while away: ${whileAway.length}; after restart: ${after.length} (decision ids ${ids.join(',')}); active in SQLite: ${active.map((d) => `${d.id}:${d.target.src}:${d.action}`).join(', ')}`);
    assert.is(new Set(ids).size, ids.length, 'one flow per decision, no duplicates');
    const activeIds = new Set(active.map((d) => d.id));
    for (const id of ids) assert.ok(activeIds.has(id), `flow for decision ${id}, which is not active`);
    const attacker = active.filter((d) => d.target.src === '10.0.0.6' && d.action === 'drop');
    assert.is(attacker.length, 1, 'the attacker is still blocked by one decision');
    assert.ok(ids.includes(attacker[0].id), 'and its flow is in the switch');
  } finally {
    first?.child.kill('SIGKILL');
    second?.child.kill('SIGKILL');
    await net.stop();
  }
});

restart.run();
