/**
 * Training and evaluation on synthetic traces: runs each labeled trace through the same
 * FeatureExtractor the engine uses, pairs every candidate with its ground truth, and
 * trains / scores the classifier. Run directly to regenerate model.json:
 *
 *   node --import tsx controller/detect/train.ts
 */
import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { ATTACK_TYPES, Classifier, type Sample } from './classifier.js';
import { parseDetectConfig, type DetectConfigInput } from './config.js';
import type { AttackType } from './detection.js';
import { FeatureExtractor } from './features.js';
import { generateTrace, type SyntheticOptions } from './synthetic.js';

/** Seeds the shipped model is trained on; evaluation uses seeds outside this range. */
export const TRAIN_SEEDS = Array.from({ length: 24 }, (_, i) => 1 + i);
export const HELD_OUT_SEEDS = Array.from({ length: 8 }, (_, i) => 1001 + i);

export function samplesFromSeeds(seeds: readonly number[], trace: Omit<SyntheticOptions, 'seed'> = {}, config: DetectConfigInput = {}): Sample[] {
  const out: Sample[] = [];
  for (const seed of seeds) {
    const { snapshots, labels } = generateTrace({ ...trace, seed });
    const fx = new FeatureExtractor(parseDetectConfig({ maxSources: 8192, ...config }));
    for (const snap of snapshots) {
      for (const c of fx.ingest(snap)) {
        // Every attacker is labeled; anything else (servers, scanned hosts answering) is benign.
        out.push({ features: c.features, label: labels.get(c.src) ?? 'benign' });
      }
    }
  }
  return out;
}

export interface Evaluation {
  accuracy: number;
  /** Rows: true class, columns: predicted class, both in ATTACK_TYPES order. */
  confusion: number[][];
  perClassRecall: Record<AttackType, number>;
  samples: number;
}

export function evaluate(model: Classifier, samples: readonly Sample[]): Evaluation {
  const K = ATTACK_TYPES.length;
  const confusion = Array.from({ length: K }, () => new Array<number>(K).fill(0));
  let correct = 0;
  for (const s of samples) {
    const y = ATTACK_TYPES.indexOf(s.label);
    const p = ATTACK_TYPES.indexOf(model.predict(s.features).type);
    confusion[y]![p]!++;
    if (y === p) correct++;
  }
  const perClassRecall = Object.fromEntries(
    ATTACK_TYPES.map((t, i) => {
      const row = confusion[i]!;
      const n = row.reduce((a, b) => a + b, 0);
      return [t, n ? row[i]! / n : NaN];
    }),
  ) as Record<AttackType, number>;
  return { accuracy: samples.length ? correct / samples.length : NaN, confusion, perClassRecall, samples: samples.length };
}

export function formatConfusion(e: Evaluation): string {
  const w = 12;
  const head = 'true \\ pred'.padEnd(w) + ATTACK_TYPES.map((t) => t.padStart(w)).join('');
  const rows = e.confusion.map((row, i) => ATTACK_TYPES[i]!.padEnd(w) + row.map((v) => String(v).padStart(w)).join(''));
  return [head, ...rows].join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const train = samplesFromSeeds(TRAIN_SEEDS);
  const model = new Classifier();
  model.train(train, { epochs: 15, seed: 7 });
  const held = evaluate(model, samplesFromSeeds(HELD_OUT_SEEDS));
  writeFileSync(new URL('./model.json', import.meta.url), JSON.stringify(model.toJSON(), null, 1) + '\n');
  console.log(`trained on ${train.length} samples; held-out accuracy ${(held.accuracy * 100).toFixed(2)} % over ${held.samples}`);
  console.log(formatConfusion(held));
}
