/**
 * Attack-type classifier: a small neural network (one tanh hidden layer, softmax output)
 * trained online with SGD on standardised, log-compressed features. A plain softmax
 * regression was tried first: it could not separate a web client (tens of packets per
 * connection, large replies) from slow brute force (a dozen packets per connection) at
 * the same rate; one hidden layer of 24 units can, and still ships as a few kB of JSON
 * (model.json) and keeps learning from labeled traces after deployment (partialFit).
 * "The model decides what is happening": Detection.attackType comes from here.
 */
import { readFileSync } from 'node:fs';
import type { AttackType } from './detection.js';
import { F, FEATURE_COUNT, FEATURE_NAMES } from './features.js';
import { seededRng } from './rng.js';

export const ATTACK_TYPES: readonly AttackType[] = ['benign', 'syn-flood', 'udp-flood', 'icmp-flood', 'scan', 'brute-force'];
const K = ATTACK_TYPES.length;
const D = FEATURE_COUNT;
const H = 24;

export interface Sample {
  features: Float64Array | readonly number[];
  label: AttackType;
}

export interface Prediction {
  type: AttackType;
  confidence: number;
}

export interface TrainOptions {
  epochs?: number;
  learningRate?: number;
  l2?: number;
  seed?: number;
}

export interface ClassifierJSON {
  format: 'ofguard-mlp-v1';
  classes: AttackType[];
  features: string[];
  mean: number[];
  std: number[];
  /** hidden[unit][feature], bias last. */
  hidden: number[][];
  /** output[class][unit], bias last. */
  output: number[][];
  trainedSamples: number;
}

/** Rates and counts span orders of magnitude: compress them before standardising. */
const LOG_FEATURES = new Set<number>([
  F.packetRate, F.byteRate, F.meanPacketSize, F.connRate, F.synPerReply, F.rxTxRatio,
  F.icmpErrorRate, F.distinctDsts, F.distinctPorts, F.packetsPerConn,
]);

export class Classifier {
  private readonly w1 = new Float64Array(H * (D + 1));
  private readonly w2 = new Float64Array(K * (H + 1));
  private readonly mean = new Float64Array(D);
  private readonly std = new Float64Array(D).fill(1);
  private trained = 0;
  private readonly x = new Float64Array(D);
  private readonly h = new Float64Array(H);
  private readonly p = new Float64Array(K);
  private readonly dh = new Float64Array(H);

  /** Fits the standardisation on these samples, initialises the weights, runs SGD epochs. */
  train(samples: readonly Sample[], opts: TrainOptions = {}): void {
    if (samples.length === 0) return;
    this.fitScaling(samples);
    const rng = seededRng((opts.seed ?? 1) ^ 0x5eed);
    // Xavier-style uniform initialisation (a zero start would keep all hidden units equal).
    const r1 = Math.sqrt(6 / (D + H));
    for (let i = 0; i < this.w1.length; i++) this.w1[i] = (rng() * 2 - 1) * r1;
    const r2 = Math.sqrt(6 / (H + K));
    for (let i = 0; i < this.w2.length; i++) this.w2[i] = (rng() * 2 - 1) * r2;
    this.trained = 0;
    this.partialFit(samples, opts);
  }

  /**
   * More SGD epochs on new samples, keeping the current scaling and weights: the online
   * path for traces recorded later. Classes are weighted by inverse frequency so rare
   * attacks are not drowned by benign traffic.
   */
  partialFit(samples: readonly Sample[], opts: TrainOptions = {}): void {
    const epochs = opts.epochs ?? 15;
    const lr0 = opts.learningRate ?? 0.02;
    const l2 = opts.l2 ?? 1e-5;
    const rng = seededRng(opts.seed ?? 1);
    const counts = new Float64Array(K);
    const labels = samples.map((s) => classIndex(s.label));
    for (const y of labels) counts[y]!++;
    const classWeight = Array.from(counts, (c) => (c > 0 ? Math.min(samples.length / (K * c), 20) : 0));
    const order = Array.from(samples.keys());
    for (let e = 0; e < epochs; e++) {
      const lr = lr0 / (1 + e * 0.3);
      for (let i = order.length - 1; i > 0; i--) {
        const j = Math.floor(rng() * (i + 1));
        [order[i], order[j]] = [order[j]!, order[i]!];
      }
      for (const i of order) this.step(samples[i]!.features, labels[i]!, classWeight[labels[i]!]! * lr, l2);
    }
    this.trained += samples.length;
  }

  predict(features: Float64Array | readonly number[]): Prediction {
    this.forward(features);
    let best = 0;
    for (let k = 1; k < K; k++) if (this.p[k]! > this.p[best]!) best = k;
    return { type: ATTACK_TYPES[best]!, confidence: this.p[best]! };
  }

  /** Class probabilities in ATTACK_TYPES order (for evaluation and explanations). */
  probabilities(features: Float64Array | readonly number[]): number[] {
    this.forward(features);
    return Array.from(this.p);
  }

  toJSON(): ClassifierJSON {
    const rows = (w: Float64Array, n: number, width: number): number[][] =>
      Array.from({ length: n }, (_, k) => Array.from(w.subarray(k * width, (k + 1) * width), round6));
    return {
      format: 'ofguard-mlp-v1',
      classes: [...ATTACK_TYPES],
      features: [...FEATURE_NAMES],
      mean: Array.from(this.mean, round6),
      std: Array.from(this.std, round6),
      hidden: rows(this.w1, H, D + 1),
      output: rows(this.w2, K, H + 1),
      trainedSamples: this.trained,
    };
  }

  static fromJSON(json: ClassifierJSON): Classifier {
    if (json.format !== 'ofguard-mlp-v1') throw new ClassifierError('DETECT_MODEL_FORMAT', `unknown model format ${String(json.format)}`);
    if (
      json.features.join() !== FEATURE_NAMES.join() ||
      json.classes.join() !== ATTACK_TYPES.join() ||
      json.hidden.length !== H ||
      json.output.length !== K
    ) {
      throw new ClassifierError('DETECT_MODEL_SHAPE', 'model features, classes or layer sizes differ from this build');
    }
    const c = new Classifier();
    c.mean.set(json.mean);
    c.std.set(json.std);
    json.hidden.forEach((row, k) => c.w1.set(row, k * (D + 1)));
    json.output.forEach((row, k) => c.w2.set(row, k * (H + 1)));
    c.trained = json.trainedSamples;
    return c;
  }

  private fitScaling(samples: readonly Sample[]): void {
    const n = samples.length;
    this.mean.fill(0);
    this.std.fill(0);
    for (const s of samples) for (let d = 0; d < D; d++) this.mean[d]! += transform(d, s.features[d]!) / n;
    for (const s of samples) for (let d = 0; d < D; d++) this.std[d]! += (transform(d, s.features[d]!) - this.mean[d]!) ** 2 / n;
    for (let d = 0; d < D; d++) this.std[d] = Math.sqrt(this.std[d]!) || 1;
  }

  private forward(f: Float64Array | readonly number[]): void {
    for (let d = 0; d < D; d++) this.x[d] = (transform(d, f[d]!) - this.mean[d]!) / this.std[d]!;
    for (let j = 0; j < H; j++) {
      const o = j * (D + 1);
      let z = this.w1[o + D]!;
      for (let d = 0; d < D; d++) z += this.w1[o + d]! * this.x[d]!;
      this.h[j] = Math.tanh(z);
    }
    let max = -Infinity;
    for (let k = 0; k < K; k++) {
      const o = k * (H + 1);
      let z = this.w2[o + H]!;
      for (let j = 0; j < H; j++) z += this.w2[o + j]! * this.h[j]!;
      this.p[k] = z;
      if (z > max) max = z;
    }
    let sum = 0;
    for (let k = 0; k < K; k++) sum += this.p[k] = Math.exp(this.p[k]! - max);
    for (let k = 0; k < K; k++) this.p[k]! /= sum;
  }

  /** One SGD step of cross-entropy with L2, backpropagated through the hidden layer. */
  private step(f: Float64Array | readonly number[], y: number, lr: number, l2: number): void {
    this.forward(f);
    this.dh.fill(0);
    for (let k = 0; k < K; k++) {
      const g = this.p[k]! - (k === y ? 1 : 0);
      const o = k * (H + 1);
      for (let j = 0; j < H; j++) {
        this.dh[j]! += g * this.w2[o + j]!;
        this.w2[o + j] = this.w2[o + j]! - lr * (g * this.h[j]! + l2 * this.w2[o + j]!);
      }
      this.w2[o + H] = this.w2[o + H]! - lr * g;
    }
    for (let j = 0; j < H; j++) {
      const g = this.dh[j]! * (1 - this.h[j]! * this.h[j]!);
      const o = j * (D + 1);
      for (let d = 0; d < D; d++) this.w1[o + d] = this.w1[o + d]! - lr * (g * this.x[d]! + l2 * this.w1[o + d]!);
      this.w1[o + D] = this.w1[o + D]! - lr * g;
    }
  }
}

function transform(d: number, v: number): number {
  if (!Number.isFinite(v)) return 0;
  if (d === F.zScore) return Math.max(-10, Math.min(10, v));
  return LOG_FEATURES.has(d) ? Math.log1p(Math.max(0, v)) : v;
}

function classIndex(t: AttackType): number {
  const i = ATTACK_TYPES.indexOf(t);
  if (i < 0) throw new ClassifierError('DETECT_MODEL_LABEL', `unknown label ${t}`);
  return i;
}

function round6(v: number): number {
  return Math.round(v * 1e6) / 1e6;
}

export class ClassifierError extends Error {
  constructor(readonly code: 'DETECT_MODEL_FORMAT' | 'DETECT_MODEL_SHAPE' | 'DETECT_MODEL_LABEL', message: string) {
    super(message);
    this.name = 'ClassifierError';
  }
}

/** The model shipped in the repo (controller/detect/model.json), read once. */
let bundled: ClassifierJSON | undefined;
export function loadBundledModel(): Classifier {
  bundled ??= JSON.parse(readFileSync(new URL('./model.json', import.meta.url), 'utf8')) as ClassifierJSON;
  return Classifier.fromJSON(bundled);
}
