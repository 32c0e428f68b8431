/**
 * The event stream's wire protocol (`GET /api/events`, WebSocket): what the controller's
 * event hub sends and what a client may send back. Shared by the hub, `ofguard events`
 * and the dashboard page, so this file imports nothing: the browser bundle and the Node
 * side compile it alike.
 *
 * Server → client: one JSON object per message, `{kind, at, ...}` (`at`: ms since epoch,
 * from the controller's clock). The first message is always `hello` with the current
 * state; after that only the kinds the client subscribed to (all by default).
 * Client → server: `{"subscribe": ["decision", "traffic"]}` replaces the filter.
 */

/** The kinds a client can subscribe to. */
export const EVENT_KINDS = ['decision', 'detection', 'switch_up', 'switch_down', 'traffic'] as const;
export type EventKind = (typeof EVENT_KINDS)[number];

/** Offered by browsers next to `bearer.<token>`; the hub selects it. */
export const EVENTS_SUBPROTOCOL = 'ofguard.v1';
/** Browsers cannot set headers on a WebSocket: the token rides in a subprotocol. */
export const BEARER_SUBPROTOCOL_PREFIX = 'bearer.';

export interface WireSignal {
  name: string;
  points: number;
  detail?: string;
}

/** A decision as the stream shows it (a subset of the API's DecisionView). */
export interface WireDecision {
  id: number;
  /** Policy key of the target: "203.0.113.7", "203.0.113.0/24", "victim:10.0.0.5"; "spoofed sources" or "reflectors" for a flood. */
  source: string;
  /** What part of the traffic it covers, for people: "tcp/22 at 1:3", "at 1:5 → 10.0.0.100 tcp-syn". */
  scope: string;
  action: string;
  rate?: { unit: 'pktps' | 'kbps'; rate: number; burst?: number };
  target: { src: string; srcPrefix?: number; dst?: string; proto?: number; dstPort?: number; dpid?: string; inPort?: number };
  threatLevel: string;
  score: number;
  trust: number;
  signals: WireSignal[];
  reason: string;
  origin: 'auto' | 'admin';
  offence: number;
  createdAt: number;
  expiresAt: number;
  /** Seconds until expiry at `at`; 0 once ended. */
  remainingS: number;
  endedAt?: number;
  endReason?: string;
}

export interface WireSwitch {
  dpid: string;
  remote: string;
  connectedAt: number;
}

export interface HelloEvent {
  kind: 'hello';
  at: number;
  switches: WireSwitch[];
  decisions: WireDecision[];
  /** What this connection currently receives. */
  subscribed: EventKind[];
}

export interface DecisionEvent {
  kind: 'decision';
  at: number;
  /** new: first time this id is seen; updated: same id, later expiry or stronger meter; ended. */
  change: 'new' | 'updated' | 'ended';
  decision: WireDecision;
}

export interface DetectionEvent {
  kind: 'detection';
  at: number;
  src: string;
  srcPrefix?: number;
  dst?: string;
  proto?: number;
  dstPort?: number;
  dpid?: string;
  pattern: string;
  attackType: string;
  severity: string;
  confidence: number;
  packetRate: number;
  signals: WireSignal[];
}

export interface SwitchUpEvent {
  kind: 'switch_up';
  at: number;
  dpid: string;
  remote: string;
}

export interface SwitchDownEvent {
  kind: 'switch_down';
  at: number;
  dpid: string;
  reason: string;
}

export interface TrafficEntry {
  /** Source key ("10.0.0.6", "10.0.0.0/24") or destination address. */
  addr: string;
  /** Packets and bits per second. */
  pps: number;
  bps: number;
  /** Of pps, what the switches' drop flows discarded (sources only; 0 for destinations). */
  droppedPps: number;
}

export interface TrafficEvent {
  kind: 'traffic';
  at: number;
  /** Switches whose latest snapshot went into this summary. */
  switches: number;
  totalPps: number;
  totalBps: number;
  droppedPps: number;
  /** Busiest first, at most the hub's top-N. */
  sources: TrafficEntry[];
  destinations: TrafficEntry[];
  /** Detections not sent since the previous traffic event (the per-second cap). */
  detectionsSuppressed: number;
}

export interface ErrorEvent {
  kind: 'error';
  at: number;
  /** EVENTS_BAD_MESSAGE: the client sent something that is not a subscribe message. */
  code: 'EVENTS_BAD_MESSAGE';
  message: string;
}

export type StreamEvent = HelloEvent | DecisionEvent | DetectionEvent | SwitchUpEvent | SwitchDownEvent | TrafficEvent | ErrorEvent;

/** Checks a client's message; the kinds it names, or a reason it is refused. */
export function parseSubscribe(text: string): { kinds: EventKind[] } | { error: string } {
  let msg: unknown;
  try {
    msg = JSON.parse(text);
  } catch {
    return { error: 'not JSON' };
  }
  const list = (msg as { subscribe?: unknown } | null)?.subscribe;
  if (!Array.isArray(list)) return { error: 'expected {"subscribe": [kind, ...]}' };
  const kinds: EventKind[] = [];
  for (const k of list) {
    if (!(EVENT_KINDS as readonly unknown[]).includes(k)) return { error: `unknown kind ${JSON.stringify(k)} (known: ${EVENT_KINDS.join(', ')})` };
    if (!kinds.includes(k as EventKind)) kinds.push(k as EventKind);
  }
  return { kinds };
}
