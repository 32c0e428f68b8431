/**
 * Training and evaluation: runs each labeled trace — synthetic ones (synthetic.ts) and the
 * ones ofguard recorded itself in Mininet (traces/, scripts/traces/record-training.ts)
 * — through the same FeatureExtractor the engine uses, pairs every candidate with its ground
 * truth, and trains / scores the classifier. Run directly to regenerate model.json:
 *
 *   node --import tsx controller/detect/train.ts [traces]
 *
 * Recorded sessions whose number is a multiple of 3 are held out: never trained on, only
 * evaluated (their rates, ports and targets are variants the training sessions lack).
 */
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { readTrace, type Trace } from '../replay/read.js';
import type { TraceHeader } from '../replay/codec.js';
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

/** A labeled window of a recorded trace: `src` ran attack `type` from `from` to `to` (trace clock, ms). */
export interface AttackWindow {
  src: string;
  type: AttackType;
  from: number;
  to: number;
}

/** The attack windows in a recorded trace's header (meta.attacks), checked. */
export function attackWindows(header: TraceHeader): AttackWindow[] {
  const attacks = (header.meta as { attacks?: unknown } | undefined)?.attacks;
  if (!Array.isArray(attacks)) throw new Error('trace has no meta.attacks: not a labeled training trace');
  return attacks.map((a: AttackWindow, i) => {
    if (typeof a?.src !== 'string' || !ATTACK_TYPES.includes(a.type) || !(a.from <= a.to)) throw new Error(`meta.attacks[${i}] is not {src, type, from, to}`);
    return a;
  });
}

/** Samples of one recorded trace: a source's candidates inside its attack window are that attack, all else benign. */
export function samplesFromTrace(trace: Trace, config: DetectConfigInput = {}): Sample[] {
  const windows = attackWindows(trace.header);
  const fx = new FeatureExtractor(parseDetectConfig({ maxSources: 8192, ...config }));
  const out: Sample[] = [];
  for (const snap of trace.snapshots) {
    for (const c of fx.ingest(snap)) {
      const w = windows.find((x) => x.src === c.src && c.srcPrefix === undefined && snap.now >= x.from && snap.now <= x.to);
      out.push({ features: c.features, label: w ? w.type : 'benign' });
    }
  }
  return out;
}

/** The recorded training traces in `dir`, split into training and held-out sessions. */
export async function recordedSamples(dir: string): Promise<{ train: Sample[]; heldOut: Sample[]; files: { train: string[]; heldOut: string[] } }> {
  const names = readdirSync(dir).filter((n) => /-\d+\.trace\.jsonl(\.gz)?$/.test(n)).sort();
  const out = { train: [] as Sample[], heldOut: [] as Sample[], files: { train: [] as string[], heldOut: [] as string[] } };
  for (const name of names) {
    const session = Number(name.match(/-(\d+)\.trace/)![1]);
    const held = session % 3 === 0;
    (held ? out.heldOut : out.train).push(...samplesFromTrace(await readTrace(join(dir, name))));
    (held ? out.files.heldOut : out.files.train).push(name);
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
  const recorded = await recordedSamples(process.argv[2] ?? join(import.meta.dirname, '..', '..', 'traces'));
  const synthetic = samplesFromSeeds(TRAIN_SEEDS);
  // Recorded samples are few next to the synthetic ones: repeated so they weigh as much.
  const weight = Math.max(1, Math.round(synthetic.length / Math.max(1, recorded.train.length) / 2));
  const train = [...synthetic, ...Array.from({ length: weight }, () => recorded.train).flat()];
  const model = new Classifier();
  model.train(train, { epochs: 15, seed: 7 });
  writeFileSync(new URL('./model.json', import.meta.url), JSON.stringify(model.toJSON(), null, 1) + '\n');
  const heldSynthetic = evaluate(model, samplesFromSeeds(HELD_OUT_SEEDS));
  console.log(`trained on ${synthetic.length} synthetic samples and ${recorded.train.length} recorded ones (${recorded.files.train.join(', ')}; weight ${weight})`);
  console.log(`held-out synthetic traces: accuracy ${(heldSynthetic.accuracy * 100).toFixed(2)} % over ${heldSynthetic.samples}`);
  console.log(formatConfusion(heldSynthetic));
  if (recorded.heldOut.length) {
    const held = evaluate(model, recorded.heldOut);
    console.log(`held-out recorded traces (${recorded.files.heldOut.join(', ')}): accuracy ${(held.accuracy * 100).toFixed(2)} % over ${held.samples}`);
    console.log(formatConfusion(held));
  }
}
