/** Builders for crafted FlowDeltas and snapshots (test-only). */
import type { FlowDelta, TrafficSnapshot } from '../../controller/stats/snapshot.js';

export const T0 = Date.UTC(2025, 0, 1);

export function flow(p: Partial<FlowDelta> & { src: string; packets: number }): FlowDelta {
  const packets = p.packets;
  const bytes = p.bytes ?? packets * 100;
  return {
    dpid: '0000000000000001',
    table: 1,
    cookie: 0n,
    kind: 'accounting',
    proto: 6,
    packetRate: packets,
    byteRate: bytes,
    totalPackets: packets,
    totalBytes: bytes,
    durationSec: 100,
    ...p,
    bytes,
  };
}

export function snap(sec: number, flows: FlowDelta[], dpid = '0000000000000001', intervalMs = 1000): TrafficSnapshot {
  return { dpid, now: T0 + sec * 1000, intervalMs, pollMs: 1, flows, ports: [], meters: [] };
}
