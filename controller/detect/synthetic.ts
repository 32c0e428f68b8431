/**
 * Seeded, labeled synthetic traffic: TrafficSnapshots as the stats poller would emit them
 * for a small network of servers, benign clients and attackers (SYN/UDP/ICMP floods,
 * scans, brute force, distributed floods) at various rates. Used to train the classifier
 * and to evaluate it on held-out seeds; recorded Mininet traces complement it.
 *
 * The model of each actor is deliberately simple but keeps what the counters really show:
 * servers answer (SYN-ACKs to flood sources, RSTs to scanners, ICMP unreachable to UDP
 * floods), benign TCP carries many packets per connection, scans open one short flow per
 * probe, and every rate is jittered per interval.
 */
import type { FlowDelta, FlowKind, TrafficSnapshot } from '../stats/snapshot.js';
import type { AttackType } from './detection.js';
import { formatIPv4 } from './ip.js';
import { intBetween, logUniform, seededRng, uniform, type Rng } from './rng.js';

export interface SyntheticOptions {
  seed: number;
  /** Poll intervals to generate (default 40). */
  intervals?: number;
  intervalMs?: number;
  /** ms since epoch of the first snapshot (default 2025-01-01T00:00:00Z). */
  start?: number;
  dpid?: string;
  /** Actors of each kind (default 4; distributed floods bring 20–120 members each). */
  perKind?: number;
}

export interface LabeledTrace {
  snapshots: TrafficSnapshot[];
  /** Ground truth per source address; servers and benign clients are 'benign'. */
  labels: Map<string, AttackType>;
}

interface FlowSpec {
  src: string;
  dst: string;
  proto: number;
  dstPort?: number;
  icmpType?: number;
  packets: number;
  bytes: number;
  /** The flow appeared during this interval. */
  fresh: boolean;
}

type Emit = (f: FlowSpec, kind?: FlowKind) => void;
/** One actor's traffic during one interval. */
type Actor = (emit: Emit, rng: Rng, tick: number) => void;

const SERVERS = Array.from({ length: 8 }, (_, i) => `10.0.0.${i + 1}`);

export function generateTrace(opts: SyntheticOptions): LabeledTrace {
  const rng = seededRng(opts.seed);
  const intervals = opts.intervals ?? 40;
  const intervalMs = opts.intervalMs ?? 1000;
  const start = opts.start ?? Date.UTC(2025, 0, 1);
  const dpid = opts.dpid ?? '0000000000000001';
  const perKind = opts.perKind ?? 4;
  const labels = new Map<string, AttackType>();
  const actors: { actor: Actor; from: number }[] = [];
  const used = new Set<string>();
  const address = (first: number): string => {
    for (;;) {
      const a = formatIPv4(((first << 24) | (intBetween(rng, 0, 0xffff) << 8) | intBetween(rng, 1, 254)) >>> 0);
      if (!used.has(a)) {
        used.add(a);
        return a;
      }
    }
  };
  const add = (label: AttackType, actor: (src: string) => Actor, src = address(label === 'benign' ? 10 : pick(rng, [172, 198, 203, 45]))): void => {
    labels.set(src, label);
    // Attacks start somewhere in the first third so baselines and onsets both appear.
    actors.push({ actor: actor(src), from: label === 'benign' ? 0 : intBetween(rng, 0, Math.floor(intervals / 3)) });
  };
  for (const s of SERVERS) labels.set(s, 'benign');

  for (let k = 0; k < perKind * 3; k++) add('benign', (src) => webClient(src, rng));
  for (let k = 0; k < perKind; k++) add('benign', (src) => download(src, rng));
  for (let k = 0; k < perKind; k++) add('benign', (src) => dnsClient(src, rng));
  for (let k = 0; k < perKind; k++) add('benign', (src) => pinger(src, rng));
  for (let k = 0; k < perKind; k++) add('benign', (src) => mediaStream(src, rng));
  for (let k = 0; k < perKind; k++) add('benign', (src) => adminSsh(src, rng));
  for (let k = 0; k < perKind; k++) add('benign', (src) => natGateway(src, rng));
  for (let k = 0; k < perKind; k++) add('benign', (src) => upload(src, rng));
  for (let k = 0; k < perKind; k++) add('syn-flood', (src) => synFlood(src, rng, logUniform(rng, 150, 80_000)));
  for (let k = 0; k < perKind; k++) add('udp-flood', (src) => udpFlood(src, rng, logUniform(rng, 300, 80_000)));
  for (let k = 0; k < perKind; k++) add('icmp-flood', (src) => icmpFlood(src, rng, logUniform(rng, 150, 50_000)));
  for (let k = 0; k < perKind; k++) add('scan', (src) => scanner(src, rng));
  for (let k = 0; k < perKind; k++) add('brute-force', (src) => bruteForce(src, rng));
  // Distributed floods: many modest members against one victim.
  for (let k = 0; k < Math.max(1, perKind >> 1); k++) {
    const victim = pick(rng, SERVERS);
    const type = pick(rng, ['syn-flood', 'udp-flood'] as const);
    const members = intBetween(rng, 20, 120);
    const net = intBetween(rng, 1, 0xffff);
    for (let m = 0; m < members; m++) {
      const rate = logUniform(rng, 25, 800);
      const src = formatIPv4(((185 << 24) | (net << 8) | (m + 1)) >>> 0);
      add(type, (s) => (type === 'syn-flood' ? synFlood(s, rng, rate, victim) : udpFlood(s, rng, rate, victim)), src);
    }
  }

  const snapshots: TrafficSnapshot[] = [];
  for (let tick = 0; tick < intervals; tick++) {
    const flows: FlowDelta[] = [];
    const sec = intervalMs / 1000;
    const emit: Emit = (f, kind = 'accounting') => {
      if (f.packets <= 0) return;
      const packets = Math.round(f.packets * sec);
      if (packets <= 0) return;
      const bytes = Math.round(f.bytes * sec);
      const d: FlowDelta = {
        dpid,
        table: 1,
        cookie: 0n,
        kind,
        src: f.src,
        dst: f.dst,
        proto: f.proto,
        packets,
        bytes,
        packetRate: packets / sec,
        byteRate: bytes / sec,
        totalPackets: packets * (tick + 1),
        totalBytes: bytes * (tick + 1),
        durationSec: f.fresh ? sec / 2 : (tick + 1) * sec + 5,
      };
      if (f.dstPort !== undefined) d.dstPort = f.dstPort;
      if (f.icmpType !== undefined) d.icmpType = f.icmpType;
      flows.push(d);
    };
    for (const { actor, from } of actors) if (tick >= from) actor(emit, rng, tick);
    snapshots.push({ dpid, now: start + tick * intervalMs, intervalMs: tick === 0 ? 0 : intervalMs, pollMs: 2, flows, ports: [], meters: [] });
  }
  return { snapshots, labels };
}

function pick<T>(rng: Rng, xs: readonly T[]): T {
  return xs[Math.floor(rng() * xs.length)]!;
}

function jitter(rng: Rng, x: number): number {
  return x * uniform(rng, 0.8, 1.2);
}

/** A TCP connection set: client packets, SYNs among them, server replies. */
function tcp(emit: Emit, src: string, dst: string, port: number, pps: number, conns: number, up: number, down: number, replyRatio: number, fresh = false): void {
  emit({ src, dst, proto: 6, dstPort: port, packets: pps, bytes: pps * up, fresh });
  emit({ src, dst, proto: 6, dstPort: port, packets: conns, bytes: conns * 74, fresh }, 'syn');
  const back = pps * replyRatio;
  // Replies go to the client's ephemeral port: one accounting flow per server→client pair.
  emit({ src: dst, dst: src, proto: 6, dstPort: 49152 + (hashText(src) % 16000), packets: back, bytes: back * down, fresh });
}

function hashText(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (h * 31 + s.charCodeAt(i)) >>> 0;
  return h;
}

function webClient(src: string, rng: Rng): Actor {
  const servers = Array.from({ length: intBetween(rng, 1, 3) }, () => pick(rng, SERVERS));
  const pps = logUniform(rng, 2, 400);
  const port = pick(rng, [80, 443]);
  return (emit, r) => {
    for (const dst of servers) {
      const p = jitter(r, pps / servers.length);
      tcp(emit, src, dst, port, p, Math.max(0, p / uniform(r, 20, 100)), uniform(r, 60, 300), uniform(r, 600, 1400), uniform(r, 0.7, 1.6));
    }
  };
}

function download(src: string, rng: Rng): Actor {
  const dst = pick(rng, SERVERS);
  const pps = logUniform(rng, 300, 8000);
  return (emit, r) => tcp(emit, src, dst, 443, jitter(r, pps), uniform(r, 0, 2), uniform(r, 54, 80), uniform(r, 1200, 1500), uniform(r, 1.5, 2.5));
}

/** Bulk upload (backup, file sync): full-size TCP segments out, small ACKs back. */
function upload(src: string, rng: Rng): Actor {
  const dst = pick(rng, SERVERS);
  const pps = logUniform(rng, 5, 8000);
  return (emit, r) => tcp(emit, src, dst, pick(r, [22, 443, 873]), jitter(r, pps), r() < 0.05 ? 1 : 0, uniform(r, 1000, 1500), uniform(r, 54, 70), uniform(r, 0.3, 0.6));
}

function adminSsh(src: string, rng: Rng): Actor {
  const dst = pick(rng, SERVERS);
  const pps = logUniform(rng, 5, 200);
  return (emit, r) => tcp(emit, src, dst, 22, jitter(r, pps), r() < 0.1 ? 1 : 0, uniform(r, 60, 200), uniform(r, 60, 400), uniform(r, 0.8, 1.3));
}

/** A NAT gateway or proxy: many users' connections to one service, long ones. */
function natGateway(src: string, rng: Rng): Actor {
  const dst = pick(rng, SERVERS);
  const pps = logUniform(rng, 300, 20_000);
  const perConn = uniform(rng, 25, 150);
  return (emit, r) => {
    const p = jitter(r, pps);
    tcp(emit, src, dst, 443, p, p / perConn, uniform(r, 80, 400), uniform(r, 600, 1400), uniform(r, 0.9, 2));
  };
}

function dnsClient(src: string, rng: Rng): Actor {
  const dst = pick(rng, SERVERS);
  const pps = logUniform(rng, 1, 80);
  return (emit, r) => {
    const p = jitter(r, pps);
    emit({ src, dst, proto: 17, dstPort: 53, packets: p, bytes: p * uniform(r, 60, 90), fresh: r() < 0.2 });
    emit({ src: dst, dst: src, proto: 17, dstPort: 40000 + (hashText(src) % 20000), packets: p, bytes: p * uniform(r, 90, 400), fresh: false });
  };
}

function pinger(src: string, rng: Rng): Actor {
  const dst = pick(rng, SERVERS);
  const pps = logUniform(rng, 0.5, 30);
  return (emit, r) => {
    const p = jitter(r, pps);
    emit({ src, dst, proto: 1, icmpType: 8, packets: p, bytes: p * uniform(r, 84, 120), fresh: false });
    emit({ src: dst, dst: src, proto: 1, icmpType: 0, packets: p, bytes: p * uniform(r, 84, 120), fresh: false });
  };
}

/** Voice/video upload: sustained UDP with large packets and a thin RTCP return. */
function mediaStream(src: string, rng: Rng): Actor {
  const dst = pick(rng, SERVERS);
  const pps = logUniform(rng, 30, 1500);
  const size = uniform(rng, 160, 1300);
  return (emit, r) => {
    const p = jitter(r, pps);
    emit({ src, dst, proto: 17, dstPort: 5004, packets: p, bytes: p * size, fresh: false });
    emit({ src: dst, dst: src, proto: 17, dstPort: 5005, packets: Math.max(1, p / 50), bytes: Math.max(1, p / 50) * 90, fresh: false });
  };
}

function synFlood(src: string, rng: Rng, pps: number, victim = pick(rng, SERVERS)): Actor {
  const port = pick(rng, [80, 443, 22, 8080]);
  const answered = uniform(rng, 0, 1.2);
  const size = uniform(rng, 40, 120);
  return (emit, r) => {
    const p = jitter(r, pps);
    emit({ src, dst: victim, proto: 6, dstPort: port, packets: p, bytes: p * size, fresh: false });
    emit({ src, dst: victim, proto: 6, dstPort: port, packets: p, bytes: p * 60, fresh: false }, 'syn');
    // SYN-ACKs (and retransmissions) until the backlog fills.
    emit({ src: victim, dst: src, proto: 6, dstPort: 40000, packets: p * answered, bytes: p * answered * 60, fresh: false });
  };
}

function udpFlood(src: string, rng: Rng, pps: number, victim = pick(rng, SERVERS)): Actor {
  const port = pick(rng, [53, 123, 19, 1900, intBetween(rng, 1024, 65535)]);
  const size = pick(rng, [uniform(rng, 60, 120), uniform(rng, 400, 1472)]);
  return (emit, r) => {
    const p = jitter(r, pps);
    emit({ src, dst: victim, proto: 17, dstPort: port, packets: p, bytes: p * size, fresh: false });
    // Closed ports answer with ICMP port unreachable, rate-limited per peer (Linux
    // icmp_ratelimit: about one a second).
    const unreachable = Math.min(p, uniform(r, 0, 2));
    emit({ src: victim, dst: src, proto: 1, icmpType: 3, packets: unreachable, bytes: 70 * unreachable, fresh: false });
  };
}

function icmpFlood(src: string, rng: Rng, pps: number): Actor {
  const victim = pick(rng, SERVERS);
  const size = uniform(rng, 64, 1500);
  const reply = uniform(rng, 0, 1);
  // Some floods are crafted errors (unreachable / time exceeded) rather than echo.
  const type = rng() < 0.3 ? pick(rng, [3, 11]) : 8;
  return (emit, r) => {
    const p = jitter(r, pps);
    emit({ src, dst: victim, proto: 1, icmpType: type, packets: p, bytes: p * size, fresh: false });
    if (type === 8) emit({ src: victim, dst: src, proto: 1, icmpType: 0, packets: p * reply, bytes: p * reply * size, fresh: false });
  };
}

/** Vertical (many ports, one host) or horizontal (one port, many hosts) SYN or UDP scan. */
function scanner(src: string, rng: Rng): Actor {
  const probes = logUniform(rng, 10, 3000);
  const vertical = rng() < 0.5;
  const udp = rng() < 0.25;
  const host = pick(rng, SERVERS);
  const port = pick(rng, [22, 23, 80, 443, 445, 3389]);
  // Share of probes answered (RST / SYN-ACK); the rest hit filtered addresses.
  const answered = uniform(rng, 0, 0.9);
  const size = uniform(rng, 40, 110);
  let next = 1;
  return (emit, r) => {
    const n = Math.max(1, Math.round(jitter(r, probes)));
    for (let k = 0; k < Math.min(n, 400); k++) {
      // Above 400 probes per interval, batch the rest into the last flows: same counters.
      const weight = k === 399 ? n - 399 : 1;
      const dst = vertical ? host : formatIPv4((((10 << 24) | (next % 65000)) + 1) >>> 0);
      const p = vertical ? (next % 65535) + 1 : port;
      next++;
      if (udp) {
        emit({ src, dst, proto: 17, dstPort: p, packets: weight, bytes: weight * size, fresh: true });
        if (r() < 0.05) emit({ src: dst, dst: src, proto: 1, icmpType: 3, packets: 1, bytes: 70, fresh: true });
      } else {
        emit({ src, dst, proto: 6, dstPort: p, packets: weight, bytes: weight * size, fresh: true });
        emit({ src, dst, proto: 6, dstPort: p, packets: weight, bytes: weight * size, fresh: true }, 'syn');
        if (r() < answered) emit({ src: dst, dst: src, proto: 6, dstPort: 40000, packets: weight, bytes: weight * 54, fresh: true });
      }
    }
  };
}

/** Password guessing: modest connection rate to one service, a dozen packets each. */
function bruteForce(src: string, rng: Rng): Actor {
  const dst = pick(rng, SERVERS);
  const port = pick(rng, [22, 21, 3389, 443, 25]);
  const conns = logUniform(rng, 3, 60);
  const perConn = uniform(rng, 6, 15);
  return (emit, r) => {
    const c = jitter(r, conns);
    tcp(emit, src, dst, port, c * perConn, c, uniform(r, 70, 180), uniform(r, 80, 300), uniform(r, 0.8, 1.2));
  };
}
