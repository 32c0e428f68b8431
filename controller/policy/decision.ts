/**
 * Decisions are data. Policy produces them, SQLite stores them, the enforcer turns them
 * into flows and meters, the API and dashboard show them. Nothing here talks OpenFlow.
 */
import type { Severity, Signal } from '../detect/detection.js';

/** Graduated response, weakest first (adaptive-blocking.md, "Graduated Response System"). */
export type MitigationAction =
  /** no drop: the source is flagged and its accounting raised */
  | 'monitor'
  /** per-source meter */
  | 'rate-limit'
  /** server-level meter on the victim (many→single) */
  | 'throttle-victim'
  /** drop only the offending flows (source + protocol [+ port], or one ingress port) */
  | 'selective-drop'
  /** drop everything from the source (or subnet) */
  | 'drop';

export type ThreatLevel = Severity;

export interface DecisionTarget {
  /** Source address, or network address when srcPrefix is set. */
  src: string;
  srcPrefix?: number;
  dst?: string;
  proto?: number;
  dstPort?: number;
  /** Scope to where the traffic enters: a spoofed trusted address is blocked only there. */
  dpid?: string;
  inPort?: number;
  /**
   * The decision is about the address as it enters at (dpid, inPort) only: the address also
   * enters elsewhere (one of the two may forge it), and each entry point is judged apart.
   */
  entry?: boolean;
  /**
   * A flood whose sources cannot be trusted (forged, or reflected), answered where it
   * enters: any source (src is 0.0.0.0/0 or ::/0) at (dpid, inPort [, ethSrc]) toward dst.
   */
  flood?: 'spoofed' | 'reflection';
  /** The sender's MAC at a port legitimate hosts share: only this MAC's traffic is matched. */
  ethSrc?: string;
  /** Only connection attempts (TCP SYN without ACK): established connections pass. */
  synOnly?: boolean;
  /** Only traffic from this source port (a reflector service: UDP 53, 123, …). */
  srcPort?: number;
  /** Legitimate clients enter where this flood does: it is metered there, never dropped. */
  shared?: boolean;
}

export interface MeterRate {
  unit: 'pktps' | 'kbps';
  rate: number;
  burst?: number;
}

export interface Decision {
  /** Unique, stable id (also encoded in the flow cookie by the enforcer). */
  id: number;
  target: DecisionTarget;
  action: MitigationAction;
  rate?: MeterRate;
  threatLevel: ThreatLevel;
  /** Multi-signal threat score 0–100 at decision time. */
  score: number;
  /** Trust 0.1–0.9 of the source at decision time (adaptive-blocking.md trust levels). */
  trust: number;
  /** Which signals gave how many points. */
  signals: Signal[];
  reason: string;
  origin: 'auto' | 'admin';
  /**
   * The operator forced a target wider than /8 (IPv4) or /16 (IPv6) (policy/address.ts
   * isWide). An unforced decision that wide is refused, and skipped when restored.
   */
  forced?: true;
  /** How many blocks this source has had including this one (repeat offences). */
  offence: number;
  createdAt: number;
  /** Set when the decision was changed in place (same id): expiry refreshed, level or meter raised. */
  updatedAt?: number;
  expiresAt: number;
  /** Set when the decision ended early (unblock, step-down, superseded). */
  endedAt?: number;
  endReason?: string;
}
