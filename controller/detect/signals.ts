/**
 * Every signal name, in one place: the names a decision's explanation is made of
 * (detection signals, multi-signal scoring, reputation factors, admin actions). Modules
 * name signals through these constants, and nothing branches on a prefix of a name: what
 * a consumer needs to know travels in typed fields of the Detection (`netsets`,
 * `bruteForce`).
 */
import type { ReputationFactor } from '../policy/reputation.js';

export const SIGNAL = {
  // detection (controller/detect)
  patternSingleToMany: 'pattern.single-to-many',
  patternManyToSingle: 'pattern.many-to-single',
  patternCoordinated: 'pattern.coordinated',
  anomalyZScore: 'anomaly.zscore',
  protocolPortZero: 'protocol.port-zero',
  protocolLand: 'protocol.land',
  protocolIcmpErrorFlood: 'protocol.icmp-error-flood',
  volumeConnections: 'volume.connections',
  rateBruteForce: 'rate.brute-force',
  // floods without a trustworthy source (controller/detect/destination-view.ts)
  floodNewSources: 'flood.new-sources',
  floodOneShot: 'flood.one-shot',
  floodSynUnanswered: 'flood.syn-unanswered',
  floodEntropy: 'flood.entropy',
  floodReflection: 'flood.reflection',
  floodUnsolicited: 'flood.unsolicited',
  floodEntry: 'flood.entry',
  // multi-signal scoring (controller/policy/multi-signal.ts)
  historyCarried: 'history.carried',
  baseAttempts: 'base.attempts',
  basePacketRate: 'base.packet-rate',
  baseConnections: 'base.connections',
  escalation: 'escalation',
  intelKnownGood: 'intel.known-good',
  intelAbuseIpdb: 'intel.abuseipdb',
  intelGeo: 'intel.geo',
  intelNetset: 'intel.netset',
  persistence: 'persistence',
  velocityHourly: 'velocity.hourly',
  velocityRapidFire: 'velocity.rapid-fire',
  coordinatedVectors: 'coordinated.vectors',
  coordinatedSubnet: 'coordinated.subnet',
  coordinatedTiming: 'coordinated.timing',
  // admin actions (controller/policy)
  adminBlock: 'admin.block',
  adminBlocklist: 'admin.blocklist',
} as const;

export type SignalName = (typeof SIGNAL)[keyof typeof SIGNAL] | `netset.${string}` | `reputation.${ReputationFactor}`;

/** The detection signal of a source listed in a threat-intel netset file (detect.netsets). */
export const netsetSignal = (list: string): SignalName => `netset.${list}`;

/** A reputation factor's contribution to a decision. */
export const reputationSignal = (factor: ReputationFactor): SignalName => `reputation.${factor}`;
