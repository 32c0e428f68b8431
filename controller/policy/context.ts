/**
 * The books the policy's parts share. The engine owns them; the scorer reads, the
 * lifecycle, the blocklist and the admin commands write — each through these books only.
 */
import type { ChangeBatch } from './change-batch.js';
import type { PolicyConfig } from './config.js';
import type { DecisionBook } from './decision-book.js';
import type { WeightLearner } from './learning.js';
import type { SourceBook } from './source-book.js';
import type { ThresholdBook } from './threshold-book.js';
import type { Whitelist } from './whitelist.js';
import type { AdminBlocklist } from './blocklist.js';
import type { EnforceCheck } from './enforceable.js';

export interface PolicyContext {
  /** The policy in force (it changes at run time: read it on every use). */
  readonly config: PolicyConfig;
  readonly batch: ChangeBatch;
  readonly book: DecisionBook;
  readonly sources: SourceBook;
  readonly thresholds: ThresholdBook;
  readonly learner: WeightLearner;
  readonly whitelist: Whitelist;
  readonly blocklist: AdminBlocklist;
  /** What the enforcer can express: asked before an admin decision is issued. */
  readonly enforceable: EnforceCheck;
}
