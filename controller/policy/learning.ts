/**
 * Learning from outcomes (reputation-scoring.md "Automated Learning"): a block that
 * stopped traffic raises the weights of the factors behind it, a false positive lowers
 * them. The learned weights are versioned in the store with the config they apply to.
 * Configured weights win: when the operator changes them, learning starts over from them.
 */
import type { ChangeBatch } from './change-batch.js';
import type { PolicyConfig, ReputationWeights } from './config.js';
import { learnWeights } from './reputation.js';
import type { SourceRecord } from './state.js';

export type Outcome = 'effective' | 'false-positive';

export class WeightLearner {
  private learned: ReputationWeights;

  constructor(private readonly config: () => PolicyConfig, private readonly batch: ChangeBatch) {
    this.learned = { ...config().reputation.weights };
  }

  get weights(): ReputationWeights {
    return this.learned;
  }

  /** The weights of the latest stored version. */
  restore(weights: ReputationWeights): void {
    this.learned = { ...weights };
  }

  /** A new config: its weights replace the learned ones only if the configured weights changed. */
  reconfigured(previous: PolicyConfig, next: PolicyConfig): void {
    if (JSON.stringify(next.reputation.weights) !== JSON.stringify(previous.reputation.weights)) this.learned = { ...next.reputation.weights };
  }

  learn(src: SourceRecord, outcome: Outcome, now: number): void {
    if (src.contributions.length === 0) return;
    const config = this.config();
    this.learned = learnWeights(this.learned, src.contributions, outcome, config.reputation);
    this.batch.version({ at: now, actor: 'learning', reason: `${outcome} (${src.key})`, config, weights: this.learned });
  }
}
