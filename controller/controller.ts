/**
 * The running controller: the I/O shell around the pure parts. It accepts switches, gives
 * each the base pipeline, hands packet-ins to forwarding and sends back what it returns,
 * and polls statistics into snapshots for the adaptive core.
 */
import { EventEmitter } from 'node:events';
import type { TlsOptions } from 'node:tls';
import type { OfpMessage } from './openflow/index.js';
import { PortReason } from './openflow/constants.js';
import { purposeOf, FlowPurpose } from '../flows/layout.js';
import { systemClock, type Clock } from './clock.js';
import type { Logger } from './log.js';
import { OpenFlowServer } from './switch/server.js';
import { defaultPortLimits, type PortLimits } from './switch/limits.js';
import type { SwitchConnection } from './switch/connection.js';
import { ForwardingApp, defaultForwardingOptions, type ForwardingOptions } from './forwarding/app.js';
import { basePipeline } from './forwarding/pipeline.js';
import { StatsPoller } from './stats/poller.js';
import type { PollRound, TrafficSnapshot } from './stats/snapshot.js';

export interface ControllerOptions {
  port: number;
  host?: string;
  tls?: TlsOptions;
  pollIntervalMs: number;
  echoIntervalMs: number;
  packetInRate: number;
  missSendLen: number;
  forwarding: ForwardingOptions;
  /** How often LLDP probes go out again (links can appear after connect). */
  lldpIntervalMs: number;
  /** What the OpenFlow port grants a peer: handshake deadline, read rate, connection caps. */
  limits: PortLimits;
  clock: Clock;
  logger: Logger;
}

export const defaultControllerOptions: Omit<ControllerOptions, 'logger'> = {
  port: 6653,
  pollIntervalMs: 1000,
  echoIntervalMs: 5000,
  packetInRate: 1000,
  missSendLen: 128,
  forwarding: defaultForwardingOptions,
  lldpIntervalMs: 15_000,
  limits: defaultPortLimits,
  clock: systemClock,
};

export interface ControllerEvents {
  switch_up: [SwitchConnection];
  switch_down: [string, string];
  snapshot: [TrafficSnapshot];
  round: [PollRound];
}

export class Controller extends EventEmitter<ControllerEvents> {
  readonly server: OpenFlowServer;
  readonly forwarding: ForwardingApp;
  readonly poller: StatsPoller;
  private lldpTimer?: NodeJS.Timeout;
  /** packet-ins dropped because the switch's socket was backed up */
  shedPacketIns = 0;

  constructor(readonly opts: ControllerOptions) {
    super();
    this.server = new OpenFlowServer({ port: opts.port, host: opts.host, tls: opts.tls, echoIntervalMs: opts.echoIntervalMs, missSendLen: opts.missSendLen, limits: opts.limits, logger: opts.logger });
    this.forwarding = new ForwardingApp(opts.forwarding);
    this.poller = new StatsPoller({ intervalMs: opts.pollIntervalMs, clock: opts.clock, logger: opts.logger });
    this.poller.on('snapshot', (s) => this.emit('snapshot', s));
    this.poller.on('round', (r) => this.emit('round', r));
    this.server.on('switch_up', (conn) => void this.switchUp(conn));
    this.server.on('switch_down', (conn, reason) => {
      this.forwarding.switchDown(conn.dpid);
      this.poller.remove(conn.dpid);
      this.emit('switch_down', conn.dpid, reason);
    });
  }

  get log(): Logger {
    return this.opts.logger;
  }

  async start(): Promise<{ port: number }> {
    const addr = await this.server.listen();
    this.poller.start();
    this.lldpTimer = setInterval(() => {
      for (const conn of this.server.switches.values()) this.send(conn, this.forwarding.probeLinks(conn.dpid));
    }, this.opts.lldpIntervalMs);
    this.lldpTimer.unref();
    return { port: addr.port };
  }

  async stop(): Promise<void> {
    clearInterval(this.lldpTimer);
    this.poller.stop();
    await this.server.close();
  }

  /** Sends a handler's output as one write; nothing goes to a closed switch. */
  send(conn: SwitchConnection, msgs: OfpMessage[]): void {
    if (msgs.length === 0 || conn.closed) return;
    conn.sendBatch(msgs);
  }

  private async switchUp(conn: SwitchConnection): Promise<void> {
    const dpid = conn.dpid;
    conn.on('packet_in', (msg) => {
      if (!conn.writable) {
        // Shed load: the switch is not reading what we send; new flows wait for the next packet.
        this.shedPacketIns++;
        return;
      }
      this.send(conn, this.forwarding.packetIn(dpid, msg, this.opts.clock.now()));
      // A surge of new conversations (a flood of new sources beginning) is read at once: the
      // flow-mods just sent are ahead of the stats request on the same connection.
      if (this.forwarding.takeSurge(dpid)) this.poller.pollSoon();
    });
    conn.on('flow_removed', (msg) => {
      const purpose = purposeOf(msg.cookie);
      if (purpose === FlowPurpose.aggregate) this.forwarding.aggregateRemoved(dpid, msg.match);
      else this.forwarding.flowRemoved(dpid, msg.cookie);
      this.poller.flowRemoved(dpid, msg);
    });
    conn.on('port_status', (msg) => {
      this.send(conn, this.forwarding.portChanged(dpid, msg.port, msg.reason === PortReason.DELETE));
    });
    conn.on('switch_error', (err) => {
      this.log.warn({ dpid, err: err.message }, 'switch reported an error');
    });
    try {
      this.send(conn, basePipeline({ packetInRate: this.opts.packetInRate, missSendLen: this.opts.missSendLen }));
      await conn.barrier();
      this.send(conn, this.forwarding.switchUp(dpid, conn.ports.values()));
      // Neighbours probed before this switch had its LLDP flow: probe again so both ends of
      // every link learn that their port is transit.
      for (const other of this.server.switches.values()) {
        if (other !== conn) this.send(other, this.forwarding.probeLinks(other.dpid));
      }
      this.poller.add(conn);
      this.log.info({ dpid }, 'pipeline installed');
      this.emit('switch_up', conn);
    } catch (err) {
      this.log.error({ dpid, err: (err as Error).message }, 'could not install the pipeline');
    }
  }
}
