import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parsePolicyConfig } from '../../controller/policy/config.js';
import { scoreHit, type HitHistory, type MultiSignalResult } from '../../controller/policy/multi-signal.js';
import { detection } from './detection-fixture.js';

const cfg = parsePolicyConfig().multiSignal;
const MIN = 60_000;
const T0 = 1_700_000_000_000;

function points(r: MultiSignalResult): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of r.signals) out[s.name] = s.points;
  return out;
}
function sum(r: MultiSignalResult): number {
  return r.signals.reduce((a, s) => a + s.points, 0);
}

// ---- the four worked examples of syn-flood-multisignal-scoring.md, verbatim ----

test('Ex1 transient false positive: 25 conns, first detection, clean AbuseIPDB → 15, monitored', () => {
  const r = scoreHit(undefined, detection({ connections: 25, intel: { abuseConfidence: 0 } }), T0, cfg);
  assert.is(r.score, 15);
  assert.equal(points(r), { 'base.connections': 15 });
  assert.is(r.outcome, 'MONITOR');
});

test('Ex2 known malicious actor: 45 conns, AbuseIPDB 80 %, China → 15 + 30 + 5 = 50, high threat', () => {
  const d = detection({ connections: 45, intel: { abuseConfidence: 80, country: 'CN', highRiskCountry: true } });
  const r = scoreHit(undefined, d, T0, cfg);
  assert.is(r.score, 50);
  assert.equal(points(r), { 'base.connections': 15, 'intel.abuseipdb': 30, 'intel.geo': 5 });
  assert.is(r.outcome, 'HIGH_THREAT');
});

test('Ex3 escalating attack: 30 → 60 → 120 conns → 15, 55, 130 → 100 INSTANT_BLOCK', () => {
  const h1 = scoreHit(undefined, detection({ connections: 30 }), T0, cfg);
  assert.is(h1.score, 15);
  assert.is(h1.outcome, 'MONITOR');
  const h2 = scoreHit(h1.history, detection({ connections: 60 }), T0 + MIN, cfg);
  assert.equal(points(h2), { 'history.carried': 15, 'base.connections': 25, escalation: 15 });
  assert.is(h2.score, 55);
  const h3 = scoreHit(h2.history, detection({ connections: 120 }), T0 + 2 * MIN, cfg);
  assert.equal(points(h3), { 'history.carried': 55, 'base.connections': 40, escalation: 25, persistence: 10 });
  assert.is(h3.rawScore, 130);
  assert.is(h3.score, 100);
  assert.is(h3.outcome, 'INSTANT_BLOCK');
});

test('Ex4 persistent botnet: hit 5 → 70, hit 6 → 70 + 25 = 95 AUTO_BLOCK', () => {
  // Hits 1–4: an earlier episode, 40–25 minutes ago, moderate connections.
  let h: HitHistory | undefined;
  for (let i = 0; i < 4; i++) h = scoreHit(h, detection({ connections: 25 }), T0 + i * 5 * MIN, cfg).history;
  const t5 = T0 + 15 * MIN + cfg.episodeGapMs + 1;
  // The /24 has 12 detections in the last hour: 10–19/hour, "high velocity".
  const peers = { lastHour: 12, rapidWindow: 3 };
  const hit5 = scoreHit(h, detection({ connections: 40, subnetAttack: true }), t5, cfg, peers);
  assert.equal(points(hit5), { 'base.connections': 15, persistence: 20, 'velocity.hourly': 20, 'coordinated.subnet': 15 });
  assert.is(hit5.score, 70);
  assert.is(hit5.detections, 5);
  const hit6 = scoreHit(hit5.history, detection({ connections: 55, subnetAttack: true }), t5 + MIN, cfg, { lastHour: 13, rapidWindow: 4 });
  assert.equal(points(hit6), { 'history.carried': 70, 'base.connections': 25 });
  assert.is(hit6.score, 95);
  assert.is(hit6.outcome, 'AUTO_BLOCK');
});

// ---- the rules one by one ----

test('base connection buckets at their boundaries', () => {
  const at = (c: number) => scoreHit(undefined, detection({ connections: c }), T0, cfg).score;
  assert.equal([19, 20, 49, 50, 99, 100, 5000].map(at), [0, 15, 15, 25, 25, 40, 40]);
});

test('AbuseIPDB: ≥75 → 30, ≥50 → 15, below → 0; intel cached for later hits, counted once per episode', () => {
  const at = (a: number) => points(scoreHit(undefined, detection({ connections: 0, intel: { abuseConfidence: a } }), T0, cfg))['intel.abuseipdb'];
  assert.equal([49, 50, 74, 75, 100].map(at), [undefined, 15, 15, 30, 30]);
  const h1 = scoreHit(undefined, detection({ connections: 25, intel: { abuseConfidence: 90 } }), T0, cfg);
  const h2 = scoreHit(h1.history, detection({ connections: 25 }), T0 + MIN, cfg);
  assert.is(points(h2)['intel.abuseipdb'], undefined, 'not counted twice in one episode');
  const h3 = scoreHit(h2.history, detection({ connections: 25 }), T0 + MIN + cfg.episodeGapMs + 1, cfg);
  assert.is(points(h3)['intel.abuseipdb'], 30, 'cached intel counts again in a new episode');
});

test('known-good service is skipped', () => {
  const r = scoreHit(undefined, detection({ connections: 500, intel: { knownGood: true, abuseConfidence: 99 } }), T0, cfg);
  assert.is(r.score, 0);
  assert.is(r.outcome, 'SKIPPED');
  assert.is(r.history, undefined);
});

test('persistence upgrade 10 → 20 adds only the difference', () => {
  let h: HitHistory | undefined;
  const got: Array<number | undefined> = [];
  for (let i = 0; i < 5; i++) {
    const r = scoreHit(h, detection({ connections: 25 }), T0 + i * MIN, cfg);
    got.push(points(r).persistence);
    h = r.history;
  }
  assert.equal(got, [undefined, undefined, 10, undefined, 10]);
});

test('velocity: 10–19/hour → 20, 20+/hour → 30, rapid fire 10 in 5 min adds 15', () => {
  // 12 detections spread 4 min apart: 12/hour, never 10 in 5 min.
  let h: HitHistory | undefined;
  let r!: MultiSignalResult;
  for (let i = 0; i < 12; i++) {
    r = scoreHit(h, detection({ connections: 25 }), T0 + i * 4 * MIN, cfg);
    h = r.history;
  }
  assert.is(r.history!.credited['velocity.hourly'], 20);
  assert.is(r.history!.credited['velocity.rapid-fire'], undefined);
  // 20 detections 10 s apart: 20/hour and 10+ in 5 min.
  h = undefined;
  for (let i = 0; i < 20; i++) {
    r = scoreHit(h, detection({ connections: 25 }), T0 + i * 10_000, cfg);
    h = r.history;
  }
  assert.is(r.history!.credited['velocity.hourly'], 30);
  assert.is(r.history!.credited['velocity.rapid-fire'], 15);
  assert.ok(r.history!.hitTimes.length <= 20, 'history stays bounded');
});

test('coordinated: multiple vectors +20, subnet +15, timing +10', () => {
  const r = scoreHit(undefined, detection({ connections: 25, vectors: ['udp-flood'], subnetAttack: true, regularTiming: true }), T0, cfg);
  assert.equal(points(r), { 'base.connections': 15, 'coordinated.vectors': 20, 'coordinated.subnet': 15, 'coordinated.timing': 10 });
});

test('volumetric UDP flood scores its base by packet rate', () => {
  const at = (pps: number) => scoreHit(undefined, detection({ attackType: 'udp-flood', proto: 17, connections: 0, packetRate: pps }), T0, cfg).score;
  assert.equal([999, 1_000, 10_000, 60_000].map(at), [0, 15, 25, 40]);
});

test('brute force scores its base on attempts against the port threshold (1×, 3×, 10× → 15, 25, 40)', () => {
  const at = (perMinute: number, threshold = 20) =>
    scoreHit(undefined, detection({ attackType: 'brute-force', pattern: 'single-to-single', connections: perMinute / 60, bruteForce: { attemptsPerMinute: perMinute, threshold } }), T0, cfg).score;
  assert.equal([19, 20, 60, 200].map((n) => at(n)), [0, 15, 25, 40]);
  assert.is(at(600, 1_200), 0, 'the same rate is nothing on a web port');
  const r = scoreHit(undefined, detection({ attackType: 'brute-force', connections: 0.5, bruteForce: { attemptsPerMinute: 30, threshold: 20 } }), T0, cfg);
  assert.equal(points(r), { 'base.attempts': 15 });
});

test('a netset listing: +30 once per episode for an attacking source, nothing for a benign-looking one', () => {
  const listed = [{ name: 'netset.firehol_level1', points: 30, detail: '203.0.113.7 listed in firehol_level1' }];
  const hit1 = scoreHit(undefined, detection({ signals: listed, netsets: ['firehol_level1'] }), T0, cfg);
  assert.equal(points(hit1), { 'base.connections': 15, 'intel.netset': 30 });
  const hit2 = scoreHit(hit1.history, detection({ signals: listed, netsets: ['firehol_level1'] }), T0 + 1000, cfg);
  assert.is(points(hit2)['intel.netset'], undefined, 'standing: counted once');
  assert.is(sum(hit2), 60);
  const benign = scoreHit(undefined, detection({ attackType: 'benign', connections: 0, signals: listed, netsets: ['firehol_level1'] }), T0, cfg);
  assert.is(benign.score, 0);
});

test('a new episode after a quiet gap starts from zero', () => {
  const h1 = scoreHit(undefined, detection({ connections: 120 }), T0, cfg);
  const h2 = scoreHit(h1.history, detection({ connections: 120 }), T0 + cfg.episodeGapMs + 1, cfg);
  assert.is(h2.score, 40);
  assert.is(points(h2)['history.carried'], undefined);
});

test('property: score always within 0–100, signals sum to the raw score, input history untouched', () => {
  let seed = 7;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  let h: HitHistory | undefined;
  let t = T0;
  for (let i = 0; i < 500; i++) {
    t += Math.floor(rnd() * 20 * MIN);
    const before = h ? JSON.stringify(h) : '';
    const r = scoreHit(h, detection({
      connections: rnd() * 300,
      packetRate: rnd() * 100_000,
      attackType: rnd() < 0.3 ? 'udp-flood' : 'syn-flood',
      subnetAttack: rnd() < 0.3,
      regularTiming: rnd() < 0.3,
      vectors: rnd() < 0.3 ? ['icmp-flood'] : [],
      intel: rnd() < 0.5 ? { abuseConfidence: Math.floor(rnd() * 100), highRiskCountry: rnd() < 0.5 } : undefined,
    }), t, cfg, { lastHour: Math.floor(rnd() * 30), rapidWindow: Math.floor(rnd() * 15) });
    if (h) assert.is(JSON.stringify(h), before);
    assert.ok(r.score >= 0 && r.score <= 100, `score ${r.score}`);
    assert.is(sum(r), r.rawScore);
    h = r.history;
  }
});

test('amplifiers need a threat: a hit with no volume, escalation or intel gets none', () => {
  // A busy ordinary client reported every interval, in a /24 where an attack is going on.
  let h: HitHistory | undefined;
  let r!: MultiSignalResult;
  for (let i = 0; i < 30; i++) {
    r = scoreHit(h, detection({ connections: 4, subnetAttack: true, regularTiming: true }), T0 + i * 1000, cfg, { lastHour: 40, rapidWindow: 40 });
    h = r.history;
  }
  assert.is(r.score, 0, `score ${r.score}: ${JSON.stringify(r.signals)}`);
  // The same history becomes threatening as soon as a hit has a base of its own.
  r = scoreHit(h, detection({ connections: 25, subnetAttack: true }), T0 + 31_000, cfg, { lastHour: 40, rapidWindow: 40 });
  assert.ok(points(r).persistence! > 0 && points(r)['coordinated.subnet'] === 15, JSON.stringify(r.signals));
});

test.run();
