/**
 * The whole ofguard configuration file in one zod schema. Every value has a default, so an
 * empty file (or none) runs the product as the brief describes; operators override leaves.
 * Detection and policy reuse their own schemas: one source of truth for each number.
 *
 * Defaults worth knowing:
 * - openflow.listen 0.0.0.0, port 6653 (IANA OpenFlow port); TLS only when cert and key are set.
 * - openflow.limits: a handshake within 10 s of accept, messages at 16 KiB/s or faster after
 *   a 5 s grace, at most 64 connections per peer address and 1024 in all (switch/limits.ts).
 * - api.listen 127.0.0.1, port 6680: the admin API and /metrics are loopback-only unless
 *   moved on purpose (then protect /metrics, which has no token, by other means).
 * - api.rateLimit: 20 requests/s sustained, bursts of 40, per client address and, once
 *   authenticated, per token too (many addresses sharing a token share its bucket).
 * - api.allowedHosts []: requests whose Host header is not localhost, 127.0.0.1, [::1], the
 *   listen address or one of these are refused (DNS rebinding; api/host-check.ts).
 * - enforcement.scope 'ingress': blocks go to the switch where the source enters.
 * - detect.blocklists [], detect.intel and detect.geo unset: no threat-intel source runs
 *   unless configured (netset files; an AbuseIPDB-compatible {baseUrl, key}; a .mmdb
 *   {database, riskyCountries}). detect.bruteForce: 20 attempts/min on auth ports.
 * - policy.retention: ended decisions and history 30 days, audit 90 days, pruned hourly.
 */
import { z } from 'zod';
import ipaddr from 'ipaddr.js';
import { DetectConfigSchema } from '../detect/config.js';
import { policyConfigSchema } from '../policy/config.js';
import { defaultPortLimits } from '../switch/limits.js';

const ipAddress = z.string().refine((s) => ipaddr.isValid(s), { message: 'must be an IPv4 or IPv6 address' });
const tcpPort = z.number().int().min(0).max(65535);
/** A name or address a client may reach the API by, as its Host header carries it (no port). */
const hostName = z
  .string()
  .refine((s) => ipaddr.isValid(s.replace(/^\[(.*)\]$/, '$1')) || /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*\.?$/i.test(s), {
    message: 'must be a host name or an IP address, without a port',
  });
const WILDCARDS = new Set(['0.0.0.0', '::']);

const tls = z.strictObject({
  /** PEM files. The switch's certificate is checked against `ca` when given. */
  cert: z.string().min(1),
  key: z.string().min(1),
  ca: z.string().min(1).optional(),
});

/** What the OpenFlow port grants a peer (controller/switch/limits.ts says why each exists). */
const portLimits = z
  .strictObject({
    /** From TCP accept (before TLS) to a finished OpenFlow handshake; not extended by anything the peer sends. */
    handshakeTimeoutMs: z.number().int().min(100).max(600_000).default(defaultPortLimits.handshakeTimeoutMs),
    /** A message in progress must arrive at least this fast once its grace is over. */
    minReadBytesPerSec: z.number().int().min(1).default(defaultPortLimits.minReadBytesPerSec),
    /** What any message may take whatever its size. */
    messageGraceMs: z.number().int().min(100).max(600_000).default(defaultPortLimits.messageGraceMs),
    /** Open OpenFlow connections in all; more are refused at accept. */
    maxConnections: z.number().int().min(1).max(1_000_000).default(defaultPortLimits.maxConnections),
    /** Open OpenFlow connections from one address (a host with many bridges opens one per bridge). */
    maxConnectionsPerPeer: z.number().int().min(1).max(1_000_000).default(defaultPortLimits.maxConnectionsPerPeer),
  })
  .refine((l) => l.maxConnectionsPerPeer <= l.maxConnections, { message: 'maxConnectionsPerPeer must not exceed maxConnections', path: ['maxConnectionsPerPeer'] })
  .prefault({});

const severity = z.enum(['low', 'medium', 'high', 'critical']);

/** One alert receiver. Its URL may hold a secret (Slack's do): logs and metrics use `name`. */
const webhook = z.strictObject({
  url: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }),
  /** 'json': ofguard's generic body; 'slack': a Slack incoming-webhook message. */
  format: z.enum(['json', 'slack']).default('json'),
  /** Alerts below this severity are not sent here. */
  minSeverity: severity.default('high'),
  /** Extra request headers, e.g. an Authorization for the receiver. */
  headers: z.record(z.string(), z.string()).optional(),
  /** Label in logs and metrics; default 'webhook-N' (N its index). */
  name: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'letters, digits, _ . - (at most 64)').optional(),
});

export const configSchema = z
  .strictObject({
    openflow: z
      .strictObject({
        listen: ipAddress.default('0.0.0.0'),
        port: tcpPort.default(6653),
        tls: tls.optional(),
        limits: portLimits,
      })
      .prefault({}),
    /** How often each switch is asked for flow, port and meter statistics. */
    pollIntervalMs: z.number().int().min(100).max(60_000).default(1000),
    /** State folder: SQLite database, API token, traces. */
    dataDir: z.string().min(1).default('data'),
    api: z
      .strictObject({
        enabled: z.boolean().default(true),
        listen: ipAddress.default('127.0.0.1'),
        port: tcpPort.default(6680),
        rateLimit: z
          .strictObject({
            /** Sustained requests per second per client address, and per token. */
            perSecond: z.number().positive().default(20),
            /** Requests a client may send at once before the sustained rate applies. */
            burst: z.number().int().min(1).default(40),
          })
          .prefault({}),
        /** Host names (or addresses) clients use besides localhost and the listen address. */
        allowedHosts: z.array(hostName).default([]),
      })
      .prefault({}),
    logging: z
      .strictObject({
        level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal']).default('info'),
        /** Human-readable logs; default: when stdout is a terminal. */
        pretty: z.boolean().optional(),
      })
      .prefault({}),
    detect: DetectConfigSchema.prefault({}),
    policy: policyConfigSchema,
    /** Detections and decisions of high severity or above, POSTed to webhooks (controller/alerts). */
    alerts: z
      .strictObject({
        webhooks: z.array(webhook).default([]),
        /** The same alert (offender, attack, victim; or decision and action) is sent once per window. */
        dedupeWindowS: z.number().int().min(0).default(300),
        /** Tries per alert and webhook before giving up (the first included). */
        maxAttempts: z.number().int().min(1).max(20).default(5),
        /** First retry after about this long, doubling each time up to 5 minutes. */
        retryBaseMs: z.number().int().min(1).default(1000),
        /** Alerts waiting per webhook; beyond it new alerts are dropped and counted. */
        queueSize: z.number().int().min(1).max(10_000).default(100),
        /** A receiver that does not answer within this is a failed try. */
        timeoutMs: z.number().int().min(100).max(60_000).default(5000),
      })
      .prefault({}),
    enforcement: z
      .strictObject({
        /** 'ingress': only where the source enters; 'all': every switch. */
        scope: z.enum(['ingress', 'all']).default('ingress'),
        /** What a rate limit becomes on a switch with no meter left. */
        meterFallback: z.enum(['selective-drop', 'drop']).default('selective-drop'),
      })
      .prefault({}),
  })
  // Two listeners on one port: the second would fail at start with "already in use".
  .refine(
    (c) => !c.api.enabled || c.api.port === 0 || c.api.port !== c.openflow.port || (c.api.listen !== c.openflow.listen && !WILDCARDS.has(c.api.listen) && !WILDCARDS.has(c.openflow.listen)),
    { message: 'openflow.port already takes this port on this address', path: ['api', 'port'] },
  )
  .prefault({});

export type Config = z.infer<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;
