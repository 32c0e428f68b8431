/**
 * The live dashboard in a real headless Chromium against a real Guard with a real Open
 * vSwitch bridge (ofgdash0, userspace datapath, no hosts): the page takes the token, shows
 * the switch, draws traffic pushed over the WebSocket, lists an admin block made through
 * the API, and its Unblock button takes the drop flow out of the bridge. Leaves a
 * screenshot in reports/dashboard.png.
 *
 * Traffic is synthetic (snapshots emitted on the guard, as the stats poller would): real
 * traffic would need hosts behind the bridge, and this test sends nothing on the network.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { dumpFlows, ovsRunning, vsctl, deleteBridges } from '../support/ovs.js';
import { sleep, startGuard, waitFor } from '../support/controller.js';
import { parseConfig } from '../../controller/config/load.js';
import { startApi, type RunningApi } from '../../controller/api/index.js';
import type { Guard } from '../../controller/guard.js';
import type { FlowDelta, TrafficSnapshot } from '../../controller/stats/snapshot.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BRIDGE = 'ofgdash0';
const SCREENSHOT = join(ROOT, 'reports/dashboard.png');
const BLOCKED = '203.0.113.50';
const SYNTHETIC_DPID = '00000000000000f1';

function flow(src: string, dst: string, pps: number, kind: FlowDelta['kind'] = 'accounting'): FlowDelta {
  return {
    dpid: '', table: kind === 'drop' ? 0 : 1, cookie: 0n, kind, src, dst, proto: 6, dstPort: 80,
    packets: pps, bytes: pps * 600, packetRate: pps, byteRate: pps * 600, totalPackets: 0, totalBytes: 0, durationSec: 10,
  };
}

/** What the stats poller would say about a network with one noisy source, once a second. */
function syntheticSnapshot(dpid: string, tick: number): TrafficSnapshot {
  const wave = (base: number, amp: number, phase: number) => Math.round(base + amp * Math.sin(tick / 3 + phase));
  const flows = [
    flow('10.0.0.6', '10.0.0.1', wave(1800, 600, 0)),
    flow('10.0.0.3', '10.0.0.1', wave(220, 80, 1)),
    flow('10.0.0.4', '10.0.0.2', wave(140, 60, 2)),
    flow('10.0.0.5', '10.0.0.2', wave(60, 30, 3)),
    flow(BLOCKED, '10.0.0.2', wave(400, 100, 4), 'drop'),
  ].map((f) => ({ ...f, dpid }));
  return { dpid, now: Date.now(), intervalMs: 1000, pollMs: 3, flows, ports: [], meters: [] };
}

let guard: Guard;
let api: RunningApi;
let context: BrowserContext;
let page: Page;
let dpid: string;
let feeder: NodeJS.Timeout;
const pageErrors: string[] = [];
const profile = mkdtempSync(join(tmpdir(), 'ofguard-chromium-'));

test.before(async () => {
  if (!ovsRunning()) throw new Error('Open vSwitch is not running (`ovs-vsctl show` failed): run `sudo scripts/setup.sh` first');
  // The page the controller serves is the one this checkout builds.
  execFileSync(process.execPath, [join(ROOT, 'scripts/copy-assets.mjs')], { cwd: ROOT, stdio: 'inherit' });
  deleteBridges([BRIDGE]);
  const started = await startGuard();
  guard = started.guard;
  api = await startApi(guard, parseConfig({ dataDir: started.dataDir, api: { port: 0 } }));
  const port = started.port;
  vsctl('add-br', BRIDGE, '--', 'set', 'bridge', BRIDGE, 'datapath_type=netdev', 'protocols=OpenFlow13', 'fail_mode=secure', '--', 'set-controller', BRIDGE, `tcp:127.0.0.1:${port}`);
  dpid = vsctl('get', 'bridge', BRIDGE, 'datapath_id').trim().replace(/"/g, '');
  await waitFor('the bridge connects', () => guard.controller.server.switches.has(dpid), 20_000);
  context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1280, height: 1500 },
  });
  page = context.pages()[0] ?? (await context.newPage());
  page.on('pageerror', (err) => pageErrors.push(err.message));
  page.on('console', (m) => m.type() === 'error' && !/401/.test(m.text()) && pageErrors.push(m.text()));
});

test.after(async () => {
  clearInterval(feeder);
  await context?.close().catch(() => undefined);
  rmSync(profile, { recursive: true, force: true });
  await api?.close();
  await guard?.stop();
  deleteBridges([BRIDGE]);
});

test('the page asks for the token, then goes live and shows the bridge as up', async () => {
  const res = await page.goto(`${api.url}/dashboard`);
  assert.is(res?.status(), 200);
  assert.match(res?.headers()['content-security-policy'] ?? '', /default-src 'self'/);
  await page.locator('#login').waitFor({ state: 'visible' });
  await page.fill('#token', 'wrong-token-' + 'x'.repeat(20));
  await page.click('#login-form button[type=submit]');
  await page.locator('#login-error', { hasText: 'refused' }).waitFor();
  await page.fill('#token', api.token);
  await page.click('#login-form button[type=submit]');
  await page.locator('#conn', { hasText: 'live' }).waitFor();
  assert.ok(await page.isHidden('#login'), 'the token form is gone once the token is accepted');
  const row = page.locator(`#switches tr[data-dpid="${dpid}"]`);
  await row.waitFor();
  assert.is(await row.locator('.badge').textContent(), 'up');
  assert.is(await page.textContent('#kpi-switches'), '1');
  // Browser-side code as strings: this file is compiled without the DOM types.
  assert.is(await page.evaluate(`sessionStorage.getItem('ofguard.token')`), api.token);
});

test('traffic pushed over the WebSocket reaches the numbers and the charts', async () => {
  let tick = 0;
  const feed = () => {
    // Its own dpid: the bridge's real (empty) snapshots would otherwise replace it.
    guard.emit('snapshot', syntheticSnapshot(SYNTHETIC_DPID, tick++));
    if (tick === 3) guard.emit('detections', [{
      src: '10.0.0.6', dst: '10.0.0.1', proto: 6, dstPort: 80, at: Date.now(), pattern: 'single-to-single', attackType: 'syn-flood', confidence: 0.97, severity: 'high',
      connections: 1800, packetRate: 1800, byteRate: 1_080_000, vectors: [], subnetAttack: false, regularTiming: false, features: {}, signals: [],
    }]);
  };
  feed();
  feeder = setInterval(feed, 1000);
  await waitFor('traffic figures', async () => /^[\d.]+ k?pps$/.test((await page.textContent('#kpi-pps')) ?? '') && (await page.textContent('#kpi-pps')) !== '0 pps');
  await page.locator('#chart-sources .u-legend', { hasText: '10.0.0.6' }).waitFor();
  await page.locator('#chart-destinations .u-legend', { hasText: '10.0.0.1' }).waitFor();
  assert.match((await page.textContent('#kpi-dropped')) ?? '', /pps/);
  await page.locator('#timeline', { hasText: 'syn-flood high 10.0.0.6' }).waitFor();
});

test('an admin block shows in the mitigations table; Extend adds time; Unblock takes the drop flow off the bridge', async () => {
  const r = await fetch(`${api.url}/api/decisions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${api.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ src: BLOCKED, reason: 'dashboard test', durationS: 900 }),
  });
  assert.is(r.status, 201);
  const id = ((await r.json()) as { decisions: { id: number }[] }).decisions[0]!.id;
  const row = page.locator(`#mitigations tr[data-id="${id}"]`);
  await row.waitFor();
  assert.match((await row.textContent()) ?? '', new RegExp(BLOCKED.replace(/\./g, '\\.')));
  assert.match((await row.locator('.remaining').textContent()) ?? '', /^1[45]:\d\d$/);
  const onBridge = () => dumpFlows(BRIDGE, 'table=0').filter((l) => l.includes(`nw_src=${BLOCKED}`));
  await waitFor('drop flow on the bridge', () => onBridge().length > 0 || undefined, 10_000);
  assert.ok(onBridge().some((l) => /actions=drop|actions=clear_actions/.test(l)), onBridge().join('\n'));

  await row.locator('button[data-action=extend]').click();
  await waitFor('10 more minutes', async () => /^2[45]:\d\d$/.test((await page.textContent(`#mitigations tr[data-id="${id}"] .remaining`)) ?? ''));

  // Let the charts fill a few more seconds, then keep a picture of the page as an operator sees it.
  await sleep(4000);
  mkdirSync(join(ROOT, 'reports'), { recursive: true });
  await page.screenshot({ path: SCREENSHOT, fullPage: true });

  await page.locator(`#mitigations tr[data-id="${id}"] button[data-action=unblock]`).click();
  await page.locator(`#mitigations tr[data-id="${id}"]`).waitFor({ state: 'detached' });
  await waitFor('drop flow gone from the bridge', () => onBridge().length === 0 || undefined, 10_000);
  await page.locator('#timeline', { hasText: `#${id} drop ${BLOCKED} ended` }).waitFor();
  assert.is(await page.textContent('#kpi-mitigations'), '0');
});

test('the page ran without a script error', () => {
  assert.equal(pageErrors, []);
});

test.run();
