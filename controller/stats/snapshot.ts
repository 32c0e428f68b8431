/**
 * The contract between the OpenFlow side (stats poller) and the pure adaptive core
 * (detect → policy). One TrafficSnapshot per switch per poll interval; every counter is a
 * delta over that interval, already corrected for counter resets and removed flows, so
 * the core never sees raw OpenFlow counters. The core takes them a poll round at a time
 * (`PollRound`): every switch's snapshot of one round in one call.
 */

/** What an ofguard flow is for; derived from its table and cookie (see flows/). */
export type FlowKind =
  /** table 1 per-source flow (source, destination, protocol[, port]): the main counters */
  | 'accounting'
  /** table 1 flow that counts only SYN-without-ACK segments of an accounting flow */
  | 'syn'
  /** table 1 flow that counts the RST segments of an accounting flow (answers, not traffic of its own) */
  | 'rst'
  /** table 1 coarse flow used when the per-switch accounting cap is reached */
  | 'aggregate'
  /** table 0 mitigation flows: they keep counting what they drop or meter */
  | 'drop'
  | 'meter'
  /** anything else (table-miss, forwarding) */
  | 'other';

export interface FlowDelta {
  /** Datapath id as 16 lowercase hex digits. */
  dpid: string;
  table: number;
  cookie: bigint;
  kind: FlowKind;
  /** Source address (IPv4 dotted or IPv6 text); '' when the flow is not per-source. */
  src: string;
  /** Prefix length when src is a subnet match (aggregate flows, subnet blocks). */
  srcPrefix?: number;
  dst?: string;
  dstPrefix?: number;
  /** IP protocol number (6 TCP, 17 UDP, 1 ICMP, 58 ICMPv6). */
  proto?: number;
  dstPort?: number;
  srcPort?: number;
  /** ICMP/ICMPv6 type when the match names one. */
  icmpType?: number;
  /** Ingress port of the match, when the flow is scoped to one. */
  inPort?: number;
  /** Sender MAC of the match (accounting flows name it: hosts sharing a port are told apart). */
  ethSrc?: string;
  /**
   * The meter a 'meter' flow sends its packets through. Open vSwitch credits every rule a
   * packet was looked up in, so flows after a meter also count what its band dropped: the
   * meter's own band counters (MeterDelta.droppedPackets) say what got through.
   */
  meterId?: number;
  /** Packets and bytes during this interval (never negative). */
  packets: number;
  bytes: number;
  /** Per second over the snapshot's interval. */
  packetRate: number;
  byteRate: number;
  /** Counters as last read from the switch. */
  totalPackets: number;
  totalBytes: number;
  /** Age of the flow in the switch, seconds. */
  durationSec: number;
  /** The flow left the switch during this interval (idle/hard timeout, delete). */
  removed?: boolean;
}

export interface PortDelta {
  dpid: string;
  portNo: number;
  rxPackets: number;
  txPackets: number;
  rxBytes: number;
  txBytes: number;
  rxDropped: number;
  txDropped: number;
  rxPacketRate: number;
  txPacketRate: number;
  rxByteRate: number;
  txByteRate: number;
  /** The port's current speed (ofp_port.curr_speed, kbit/s); 0 when the switch does not say. */
  speedKbps: number;
}

export interface MeterDelta {
  dpid: string;
  meterId: number;
  flowCount: number;
  /** Packets and bytes that entered the meter during the interval. */
  packets: number;
  bytes: number;
  /** Packets the meter's drop band discarded during the interval. */
  droppedPackets: number;
  packetRate: number;
}

export interface TrafficSnapshot {
  dpid: string;
  /** When the poll completed (ms since epoch, from the injected clock). */
  now: number;
  /** Time since this switch's previous snapshot; 0 for the first one. */
  intervalMs: number;
  /** How long the poll's requests took to answer. */
  pollMs: number;
  flows: FlowDelta[];
  ports: PortDelta[];
  meters: MeterDelta[];
}

/** The snapshots of every switch polled together, handed to the core in one call. */
export interface PollRound {
  /** When the round closed (ms since epoch, from the injected clock). */
  now: number;
  snapshots: TrafficSnapshot[];
}
