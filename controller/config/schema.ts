/**
 * The whole ofguard configuration file in one zod schema. Every value has a default, so an
 * empty file (or none) runs the product as the brief describes; operators override leaves.
 * Detection and policy reuse their own schemas: one source of truth for each number.
 *
 * Defaults worth knowing:
 * - openflow.listen 0.0.0.0, port 6653 (IANA OpenFlow port); TLS only when cert and key are set.
 * - api.listen 127.0.0.1, port 6680: the admin API and /metrics are loopback-only unless
 *   moved on purpose (then protect /metrics, which has no token, by other means).
 * - api.rateLimit: 20 requests/s sustained, bursts of 40, per client address.
 * - enforcement.scope 'ingress': blocks go to the switch where the source enters.
 */
import { z } from 'zod';
import ipaddr from 'ipaddr.js';
import { DetectConfigSchema } from '../detect/config.js';
import { policyConfigSchema } from '../policy/config.js';

const ipAddress = z.string().refine((s) => ipaddr.isValid(s), { message: 'must be an IPv4 or IPv6 address' });
const tcpPort = z.number().int().min(0).max(65535);

const tls = z.strictObject({
  /** PEM files. The switch's certificate is checked against `ca` when given. */
  cert: z.string().min(1),
  key: z.string().min(1),
  ca: z.string().min(1).optional(),
});

export const configSchema = z
  .strictObject({
    openflow: z
      .strictObject({
        listen: ipAddress.default('0.0.0.0'),
        port: tcpPort.default(6653),
        tls: tls.optional(),
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
            /** Sustained requests per second per client address. */
            perSecond: z.number().positive().default(20),
            /** Requests a client may send at once before the sustained rate applies. */
            burst: z.number().int().min(1).default(40),
          })
          .prefault({}),
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
    enforcement: z
      .strictObject({
        /** 'ingress': only where the source enters; 'all': every switch. */
        scope: z.enum(['ingress', 'all']).default('ingress'),
        /** What a rate limit becomes on a switch with no meter left. */
        meterFallback: z.enum(['selective-drop', 'drop']).default('selective-drop'),
      })
      .prefault({}),
  })
  .prefault({});

export type Config = z.infer<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;
