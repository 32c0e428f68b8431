/**
 * ofguard's flow-table layout as data: which table does what, the priorities inside each,
 * and the cookie that marks a flow as ours and names the decision it belongs to. The
 * forwarding module, the stats poller (to classify flows) and the enforcer all read this;
 * nothing else hard-codes a table number or a priority.
 *
 *   table 0  guard        LLDP → controller; whitelist allow > full drop > selective drop >
 *                         meter → goto 1 > monitor → goto 1; default goto 1
 *   table 1  accounting   per-source flows (src, dst, proto[, dst port]) with idle timeouts,
 *                         SYN and RST counters beside TCP ones, coarse /24 flows past the cap, transit
 *                         ports skip accounting; table-miss → controller (metered) + goto 2
 *   table 2  forwarding   learned eth_dst → port; table-miss → flood + controller (metered)
 */

export const TABLE = { guard: 0, accounting: 1, forwarding: 2 } as const;

export const PRIORITY = {
  guard: {
    lldp: 65000,
    whitelist: 60000,
    drop: 50000,
    /** + the number of match fields, so a narrower selective drop wins over a wider one */
    selectiveDrop: 40000,
    /** + prefix length (and +200 for per-source meters over victim throttles, +300 + fields for a flood's meter at its entry point): the most specific meter wins */
    meter: 30000,
    /** flagged source: its own flow (own counters) on to accounting; + prefix length */
    monitor: 20000,
    default: 0,
  },
  accounting: {
    /** packets from another switch were accounted at their ingress edge already */
    transit: 3000,
    /** RST segments of a client→service conversation: answers (backscatter, aborts), not traffic of its own */
    rst: 2150,
    syn: 2100,
    perSource: 2000,
    aggregate: 1000,
    nonIp: 100,
    miss: 0,
  },
  forwarding: { learned: 1000, miss: 0 },
} as const;

/**
 * Cookie layout (64 bits): 0x0F6D in the top 16 bits says "ofguard's", the next 8 bits
 * are the FlowPurpose, and the low 40 bits are the decision id (0 when none). A restarted
 * controller reads its flows back with a cookie-masked flow-stats request.
 */
export const COOKIE_MAGIC = 0x0f6dn;
export const COOKIE_OWNER_MASK = 0xffff_0000_0000_0000n;
export const COOKIE_PURPOSE_MASK = 0xffff_ff00_0000_0000n;
const DECISION_MASK = 0xff_ffff_ffffn;

export const FlowPurpose = {
  pipeline: 1,
  accounting: 2,
  syn: 3,
  rst: 7,
  aggregate: 4,
  transit: 5,
  forwarding: 6,
  whitelist: 16,
  monitor: 17,
  rateLimit: 18,
  throttleVictim: 19,
  selectiveDrop: 20,
  drop: 21,
} as const;
export type FlowPurpose = (typeof FlowPurpose)[keyof typeof FlowPurpose];

export function cookieFor(purpose: FlowPurpose, decisionId = 0): bigint {
  return (COOKIE_MAGIC << 48n) | (BigInt(purpose) << 40n) | (BigInt(decisionId) & DECISION_MASK);
}

/** The purpose of one of our cookies, or undefined for a flow that is not ofguard's. */
export function purposeOf(cookie: bigint): FlowPurpose | undefined {
  if (cookie >> 48n !== COOKIE_MAGIC) return undefined;
  return Number((cookie >> 40n) & 0xffn) as FlowPurpose;
}

export function decisionIdOf(cookie: bigint): number {
  return Number(cookie & DECISION_MASK);
}

export const ownerCookie = { cookie: COOKIE_MAGIC << 48n, cookieMask: COOKIE_OWNER_MASK };

/** Timeouts of the flows the pipeline installs (seconds). */
export const TIMEOUTS = {
  /** an accounting flow leaves the switch after this much silence */
  accountingIdle: 30,
  /** learned MAC entries outlive accounting flows so forwarding never floods a live flow */
  forwardingIdle: 300,
  /** a drop/meter flow outlives its decision by this much: the switch unblocks if we die */
  mitigationGrace: 30,
} as const;
