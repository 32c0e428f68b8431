/**
 * Trust levels of adaptive-blocking.md: 0.9 high, 0.7 good, 0.5 neutral, 0.3 poor,
 * 0.1 very poor. The level comes from the reputation score (0 trusted … 100 suspicious),
 * then history moves it: offences lower it, confirmed false positives and admin
 * overrides raise it (bounded, so a history of forgiveness cannot buy full trust).
 */
import type { TrustConfig } from './config.js';

export const TRUST_LEVELS = [0.9, 0.7, 0.5, 0.3, 0.1] as const;
export type TrustLevel = (typeof TRUST_LEVELS)[number];

export interface TrustHistory {
  /** Blocks this source has had. */
  offences: number;
  /** Blocks of this source confirmed as false positives. */
  falsePositives: number;
  /** Admin overrides (unblocks) in this source's favour. */
  adminOverrides: number;
}

export function trustLevel(reputation: number, history: TrustHistory, cfg: TrustConfig): TrustLevel {
  let index = 0;
  while (index < cfg.reputationBounds.length && reputation >= cfg.reputationBounds[index]!) index++;
  if (history.offences >= cfg.offenceStepTwo) index += 2;
  else if (history.offences >= cfg.offenceStepOne) index += 1;
  index -= Math.min(cfg.maxRaiseLevels, history.falsePositives + history.adminOverrides);
  return TRUST_LEVELS[Math.max(0, Math.min(TRUST_LEVELS.length - 1, index))]!;
}
