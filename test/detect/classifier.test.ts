import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ATTACK_TYPES, Classifier, ClassifierError, loadBundledModel } from '../../controller/detect/classifier.js';
import { FEATURE_COUNT } from '../../controller/detect/features.js';
import { HELD_OUT_SEEDS, TRAIN_SEEDS, evaluate, recordedSamples, samplesFromSeeds } from '../../controller/detect/train.js';
import { join } from 'node:path';

// Two held-out seeds (never used by train.ts for model.json) keep the test around a second.
const heldOut = samplesFromSeeds(HELD_OUT_SEEDS.slice(0, 2));

test('shipped model: held-out synthetic accuracy above the bar', () => {
  // Bar: 97 % overall, ≥ 95 % recall on every attack class, ≥ 93 % on benign. Measured on
  // all eight held-out seeds: 99.5 % overall, ≥ 99.9 % per attack class, 97.4 % benign;
  // the benign misses are one-way UDP media uploads, which per-flow counters cannot tell
  // from a low-rate UDP flood (severity stays low there: single→single). The margin
  // absorbs retraining noise; a broken feature or a label mix-up falls far below it (the
  // earlier linear model, for one, scored 86 % on benign).
  const e = evaluate(loadBundledModel(), heldOut);
  assert.ok(e.accuracy >= 0.97, `accuracy ${e.accuracy}`);
  for (const t of ATTACK_TYPES) {
    if (t === 'benign') assert.ok(e.perClassRecall[t] >= 0.93, `benign recall ${e.perClassRecall[t]}`);
    else assert.ok(e.perClassRecall[t] >= 0.95, `${t} recall ${e.perClassRecall[t]}`);
  }
  assert.ok(!TRAIN_SEEDS.some((s) => HELD_OUT_SEEDS.includes(s)));
});

test('shipped model: held-out recorded Mininet traces (traces/office-3, office-6) above the bar', async () => {
  // Traffic ofguard recorded itself (scripts/traces/record-training.ts): real hping3 floods,
  // scans and login loops beside real web, ping and iperf3 users. Sessions 3 and 6 are
  // never trained on; their rates, ports and targets differ from the training sessions.
  // Measured: 98.8 % (426 samples). A model trained on synthetic traces only scored 29 % on
  // session 3 (it called busy web clients brute force and real SYN floods benign), which is
  // why these exist.
  const { heldOut: recorded, files } = await recordedSamples(join(import.meta.dirname, '..', '..', 'traces'));
  assert.ok(files.heldOut.length >= 2 && recorded.length > 300, `held-out recorded samples: ${recorded.length}`);
  for (const t of ['syn-flood', 'udp-flood', 'icmp-flood', 'scan', 'brute-force'] as const) {
    assert.ok(recorded.filter((x) => x.label === t).length >= 10, `held-out ${t} samples`);
  }
  const e = evaluate(loadBundledModel(), recorded);
  assert.ok(e.accuracy >= 0.95, `accuracy ${e.accuracy}`);
  for (const t of ['benign', 'syn-flood', 'udp-flood', 'icmp-flood', 'scan', 'brute-force'] as const) {
    assert.ok(e.perClassRecall[t] >= 0.85, `${t} recall ${e.perClassRecall[t]}`);
  }
});

test('training from scratch learns; an untrained model does not', () => {
  const train = samplesFromSeeds(TRAIN_SEEDS.slice(0, 2));
  const fresh = new Classifier();
  const before = evaluate(fresh, heldOut).accuracy;
  fresh.train(train, { epochs: 4, seed: 3 });
  const after = evaluate(fresh, heldOut).accuracy;
  assert.ok(before < 0.7, `untrained ${before}`);
  assert.ok(after > 0.9, `trained ${after}`);
});

test('partialFit keeps learning from new samples (online)', () => {
  const c = new Classifier();
  const a = samplesFromSeeds([TRAIN_SEEDS[0]!]);
  c.train(a.filter((s) => s.label !== 'scan'), { epochs: 3 });
  const scans = heldOut.filter((s) => s.label === 'scan');
  const before = evaluate(c, scans).accuracy;
  c.partialFit(a.filter((s) => s.label === 'scan' || s.label === 'benign'), { epochs: 3 });
  assert.ok(evaluate(c, scans).accuracy > before, 'learns a class it had never seen');
});

test('toJSON / fromJSON round-trips predictions exactly; wrong shapes are refused', () => {
  const m = loadBundledModel();
  const json = JSON.parse(JSON.stringify(m.toJSON()));
  const back = Classifier.fromJSON(json);
  for (const s of heldOut.slice(0, 300)) assert.equal(back.probabilities(s.features), m.probabilities(s.features));
  assert.throws(() => Classifier.fromJSON({ ...json, format: 'x' }), (e: unknown) => e instanceof ClassifierError && e.code === 'DETECT_MODEL_FORMAT');
  assert.throws(() => Classifier.fromJSON({ ...json, features: json.features.slice(1) }), (e: unknown) => e instanceof ClassifierError && e.code === 'DETECT_MODEL_SHAPE');
});

test('predict: a confidence in (0, 1] and a known type, even for odd input', () => {
  const m = loadBundledModel();
  for (const f of [new Float64Array(FEATURE_COUNT), new Float64Array(FEATURE_COUNT).fill(Infinity), new Float64Array(FEATURE_COUNT).fill(1e12)]) {
    const p = m.predict(f);
    assert.ok(ATTACK_TYPES.includes(p.type));
    assert.ok(p.confidence > 0 && p.confidence <= 1);
  }
});

test.run();
