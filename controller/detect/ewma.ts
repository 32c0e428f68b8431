/**
 * Exponentially weighted mean and variance (West's incremental form) and the z-score
 * against them. State lives in caller-owned typed arrays, two numbers per series
 * (mean at 2i, variance at 2i+1), so a million baselines cost 8 bytes each in Float32.
 */
export type EwmaStore = Float32Array | Float64Array;

/** Folds sample x into series i with smoothing factor alpha (0 < alpha ≤ 1). */
export function ewmaUpdate(store: EwmaStore, i: number, x: number, alpha: number): void {
  const m = 2 * i;
  const mean = store[m]!;
  const diff = x - mean;
  const incr = alpha * diff;
  store[m] = mean + incr;
  store[m + 1] = (1 - alpha) * (store[m + 1]! + diff * incr);
}

/** Seeds series i with its first sample, so the baseline does not start from zero. */
export function ewmaSeed(store: EwmaStore, i: number, x: number): void {
  store[2 * i] = x;
  store[2 * i + 1] = 0;
}

export function ewmaMean(store: EwmaStore, i: number): number {
  return store[2 * i]!;
}

/**
 * How many standard deviations x sits above (positive) or below the baseline. minStd
 * floors the deviation so a perfectly steady source does not turn +1 pps into z = ∞.
 */
export function zScore(store: EwmaStore, i: number, x: number, minStd: number): number {
  const sd = Math.sqrt(Math.max(store[2 * i + 1]!, 0));
  return (x - store[2 * i]!) / Math.max(sd, minStd);
}

/** Smoothing factor whose weights halve every `halfLife` samples. */
export function alphaForHalfLife(halfLife: number): number {
  return 1 - Math.pow(0.5, 1 / Math.max(halfLife, 1e-9));
}
