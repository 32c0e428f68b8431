import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parsePolicyConfig } from '../../controller/policy/config.js';
import { detection } from './detection-fixture.js';
import {
  REPUTATION_FACTORS,
  boundedNormalise,
  decayedScore,
  forgiveReputation,
  learnWeights,
  observationFromDetection,
  observeReputation,
  trendSlope,
  reputationTier,
  type ReputationObservation,
} from '../../controller/policy/reputation.js';

const cfg = parsePolicyConfig().reputation;
const W = cfg.weights;
const MIN = 60_000;
const calm: ReputationObservation = { packetRate: 100, mitigations: 0 };
const sumW = (w: Record<string, number>) => Object.values(w).reduce((a, b) => a + b, 0);

test('weighted factors, explainable: contributions sum to the observed score', () => {
  const r = observeReputation(undefined, { packetRate: 100_000, synAckRatio: 10, icmpErrorRate: 50, mitigations: 5 }, 0, W, cfg);
  const byFactor = Object.fromEntries(r.contributions.map((c) => [c.factor, Math.round(c.points * 10) / 10]));
  assert.equal(byFactor, { packetRateDeviation: 30, synAckRatio: 25, icmpErrorRate: 7.5, geoConsistency: 0, mitigationHistory: 20 });
  assert.ok(Math.abs(r.observed - r.contributions.reduce((a, c) => a + c.points, 0)) < 1e-9);
  assert.is(observeReputation(undefined, calm, 0, W, cfg).score, 0, 'a calm source at its baseline is trusted');
});

test('geolocation changes within the window raise suspicion', () => {
  let s = observeReputation(undefined, { ...calm, country: 'DE' }, 0, W, cfg).state;
  let r = observeReputation(s, { ...calm, country: 'BR' }, MIN, W, cfg);
  r = observeReputation(r.state, { ...calm, country: 'CN' }, 2 * MIN, W, cfg);
  const geo = r.contributions.find((c) => c.factor === 'geoConsistency')!;
  assert.ok(geo.value > 0.6 && geo.points > 0);
  s = r.state;
  const later = observeReputation(s, { ...calm, country: 'CN' }, 3 * 3_600_000, W, cfg);
  assert.is(later.contributions.find((c) => c.factor === 'geoConsistency')!.value, 0, 'old changes leave the window');
});

test('decay: halves every half-life; new evidence raises at once', () => {
  const r = observeReputation(undefined, { packetRate: 100_000, synAckRatio: 10, mitigations: 5 }, 0, W, cfg);
  assert.ok(Math.abs(decayedScore(r.state, cfg.halfLifeMs, cfg) - r.score / 2) < 1e-9);
  assert.ok(decayedScore(r.state, 24 * 3_600_000, cfg) < 1);
  const calmLater = observeReputation(r.state, calm, cfg.halfLifeMs, W, cfg);
  assert.ok(Math.abs(calmLater.score - r.score / 2) < 1e-9, 'calm traffic does not reset it, time does');
});

test('trend: a rising source is shaped before it crosses the line (predictive)', () => {
  assert.is(trendSlope([[0, 10], [MIN, 20], [2 * MIN, 30]]), 10);
  let state;
  let r;
  // Six polls a minute apart: the trend spans the whole 5-minute horizon.
  for (let i = 0; i < 6; i++) {
    r = observeReputation(state, { packetRate: 100, synAckRatio: 1 + i * 2, mitigations: 0 }, i * MIN, W, cfg);
    state = r.state;
  }
  assert.ok(r!.score < cfg.mediumAt, `score ${r!.score}`);
  assert.ok(r!.projected >= cfg.mediumAt, `projected ${r!.projected}`);
  assert.is(r!.tier, 'shape');
});

test('trend: one jump (a download starting) is not extrapolated minutes ahead', () => {
  const start = observeReputation(undefined, calm, 0, W, cfg);
  const jump = observeReputation(start.state, { packetRate: 5_000, mitigations: 0 }, 1000, W, cfg);
  assert.ok(jump.slope > 0);
  assert.is(jump.projected, jump.score, 'two points: no projection');
  const again = observeReputation(jump.state, { packetRate: 5_000, mitigations: 0 }, 2000, W, cfg);
  assert.is(again.projected, again.score, `three points over 2 s: no projection before ${cfg.trendMinSpanMs} ms of evidence`);
  assert.is(again.tier, reputationTier(again.score, again.score, cfg));
});

test('the baseline learns normal traffic but not floods', () => {
  let s = observeReputation(undefined, { ...calm, packetRate: 200 }, 0, W, cfg).state;
  assert.ok(s.baselinePps > cfg.defaultBaselinePps);
  const before = s.baselinePps;
  s = observeReputation(s, { ...calm, packetRate: 1_000_000 }, MIN, W, cfg).state;
  assert.is(s.baselinePps, before);
});

test('learning: worked raises, false positive lowers, bounded and renormalised', () => {
  const r = observeReputation(undefined, { packetRate: 100_000, mitigations: 0 }, 0, W, cfg);
  const up = learnWeights(W, r.contributions, 'effective', cfg);
  assert.ok(up.packetRateDeviation > W.packetRateDeviation);
  assert.ok(Math.abs(sumW(up) - 1) < 1e-9);
  const down = learnWeights(W, r.contributions, 'false-positive', cfg);
  assert.ok(down.packetRateDeviation < W.packetRateDeviation);
  let w = { ...W };
  for (let i = 0; i < 500; i++) w = learnWeights(w, r.contributions, i % 3 ? 'effective' : 'false-positive', cfg);
  for (const f of REPUTATION_FACTORS) assert.ok(w[f] >= cfg.minWeight - 1e-12 && w[f] <= cfg.maxWeight + 1e-12, `${f} ${w[f]}`);
  assert.ok(Math.abs(sumW(w) - 1) < 1e-9);
  const skew = boundedNormalise({ packetRateDeviation: 100, synAckRatio: 0, icmpErrorRate: 0, geoConsistency: 0, mitigationHistory: 0 }, 0.02, 0.6);
  assert.ok(Math.abs(sumW(skew) - 1) < 1e-9 && skew.packetRateDeviation <= 0.6 && skew.synAckRatio >= 0.02);
});

test('false positive forgives points; property: score always 0–100', () => {
  const r = observeReputation(undefined, { packetRate: 1e6, synAckRatio: 50, icmpErrorRate: 1e4, mitigations: 50 }, 0, W, cfg);
  assert.ok(r.score <= 100);
  assert.is(forgiveReputation(r.state, 0, cfg).score, r.score - cfg.falsePositiveBoost);
  assert.is(forgiveReputation({ ...r.state, score: 5 }, 0, cfg).score, 0);
  let state;
  let seed = 3;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  for (let i = 0; i < 300; i++) {
    const x = observeReputation(state, { packetRate: rnd() * 1e5, synAckRatio: rnd() * 30, icmpErrorRate: rnd() * 300, mitigations: Math.floor(rnd() * 9), country: rnd() < 0.5 ? 'A' : 'B' }, i * 10_000, W, cfg);
    assert.ok(x.score >= 0 && x.score <= 100 && x.projected >= 0 && x.projected <= 100);
    state = x.state;
  }
});

test('the detector\'s own feature names feed the factors: synPerReply is the SYN/ACK ratio, icmpErrorRate as is', () => {
  const obs = observationFromDetection(detection({ features: { synPerReply: 40, icmpErrorRate: 12, zScore: 3 } }), 1);
  assert.is(obs.synAckRatio, 40);
  assert.is(obs.icmpErrorRate, 12);
  assert.is(obs.packetRateZ, undefined, 'the policy keeps its own packet-rate baseline');
  assert.is(observationFromDetection(detection({ features: { synAckRatio: 3, synPerReply: 40 } }), 0).synAckRatio, 3, 'an explicit ratio wins');
});

test.run();
