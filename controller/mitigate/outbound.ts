/**
 * The one outbound path of a switch (Faucet's style): a batch is de-duplicated, ordered in
 * stages — flow deletes, meter adds/modifies, flow adds/modifies, meter deletes — with a
 * barrier after each stage, so a flow never points at a meter that does not exist yet and
 * a meter is deleted only once no flow of ours uses it (deleting a meter deletes its flows).
 * Every message is remembered by xid, so an error the switch returns names its cause.
 * Batches of one switch run one after another.
 *
 * Errors the switch returns are handled, never dropped silently: expected ones are ignored
 * or retried on purpose (see `handle`), the rest come back as rejections with a kind the
 * enforcer turns into a fallback or a failed decision, and every one is counted by
 * type/code. A message the codec cannot encode is not sent and comes back on its own
 * (`unencodable`): it never takes the rest of the batch down with it.
 */
import type { ErrorMessage, FlowModMessage, OfpMessage } from '../openflow/index.js';
import { describeError, encodeMessage, OpenFlowEncodeError } from '../openflow/index.js';
import { ErrorType, FlowModCommand, MeterModCommand } from '../openflow/constants.js';
import type { SwitchError } from '../switch/connection.js';
import type { Logger } from '../log.js';
import { meterOf } from './held.js';

type ErrorListener = (err: SwitchError, msg: ErrorMessage) => void;

/** What the outbound path needs of a switch connection (SwitchConnection has it). */
export interface OutboundConnection {
  readonly dpid: string;
  /** Sends in order, assigning xids to messages without one; returns the xids. */
  sendBatch(msgs: OfpMessage[]): number[];
  /** Resolves when the switch has processed everything sent before it. */
  barrier(timeoutMs?: number): Promise<void>;
  on(event: 'switch_error', listener: ErrorListener): unknown;
  off(event: 'switch_error', listener: ErrorListener): unknown;
}

export type Stage = 'flow-delete' | 'meter' | 'flow' | 'meter-delete';
export const STAGES: readonly Stage[] = ['flow-delete', 'meter', 'flow', 'meter-delete'];

/** What a rejection means for the enforcer. */
export type RejectionKind = 'table-full' | 'out-of-meters' | 'unsupported' | 'other';

export interface Rejection {
  message: OfpMessage;
  errorType: number;
  code: number;
  /** e.g. "OFPET_FLOW_MOD_FAILED/OFPFMFC_TABLE_FULL" */
  error: string;
  kind: RejectionKind;
}

/** A message the codec refused: never written to the switch. */
export interface Unencodable {
  message: OfpMessage;
  /** The codec's error, e.g. "OFP_ENCODE_BAD_VALUE: not a valid IPv6 address: ..." */
  error: string;
}

export interface OutboundResult {
  /** Messages written, retries included. */
  sent: number;
  duplicates: number;
  /** Errors expected and ignored on purpose (e.g. deleting a meter already gone). */
  ignored: number;
  /** Errors answered with a retry that worked. */
  retried: number;
  rejected: Rejection[];
  /** Flow-mods not sent because the meter they use was rejected or could not be encoded. */
  withheld: FlowModMessage[];
  unencodable: Unencodable[];
}

export interface OutboundOptions {
  logger: Logger;
  barrierTimeoutMs?: number;
}

const METER_EXISTS = 1;
const UNKNOWN_METER = 3;
const OUT_OF_METERS = 10;
const OUT_OF_BANDS = 11;
const TABLE_FULL = 1;
/** Sent messages remembered for errors that arrive late (after their stage's barrier). */
const RECENT_MEMORY = 1024;

export function stageOf(msg: OfpMessage): Stage {
  if (msg.type === 'flow_mod') {
    return msg.command === FlowModCommand.DELETE || msg.command === FlowModCommand.DELETE_STRICT ? 'flow-delete' : 'flow';
  }
  if (msg.type === 'meter_mod') return msg.command === MeterModCommand.DELETE ? 'meter-delete' : 'meter';
  return 'flow';
}

/** The batch in stage order, identical messages sent once, those the codec refuses set apart. */
export function orderBatch(batch: readonly OfpMessage[]): { stages: OfpMessage[][]; duplicates: number; unencodable: Unencodable[] } {
  const stages: OfpMessage[][] = STAGES.map(() => []);
  const seen = new Set<string>();
  const unencodable: Unencodable[] = [];
  let duplicates = 0;
  for (const msg of batch) {
    let key: string;
    try {
      key = encodeMessage(msg.xid ? { ...msg, xid: 0 } : msg).toString('latin1');
    } catch (err) {
      if (!(err instanceof OpenFlowEncodeError)) throw err;
      unencodable.push({ message: msg, error: err.message });
      continue;
    }
    if (seen.has(key)) {
      duplicates++;
      continue;
    }
    seen.add(key);
    stages[STAGES.indexOf(stageOf(msg))]!.push(msg);
  }
  return { stages, duplicates, unencodable };
}

export function rejectionKind(errorType: number, code: number): RejectionKind {
  if (errorType === ErrorType.FLOW_MOD_FAILED && code === TABLE_FULL) return 'table-full';
  if (errorType === ErrorType.METER_MOD_FAILED && (code === OUT_OF_METERS || code === OUT_OF_BANDS)) return 'out-of-meters';
  if (errorType === ErrorType.BAD_MATCH || errorType === ErrorType.BAD_INSTRUCTION) return 'unsupported';
  return 'other';
}

interface Failure {
  message: OfpMessage;
  error: ErrorMessage;
}

export class Outbound {
  /** Errors by "type/code" name, expected ones included. */
  readonly errorCounts = new Map<string, number>();
  private readonly recent = new Map<number, OfpMessage>();
  /** xids of the exchange in flight → their errors land in `failures`. */
  private current?: Set<number>;
  private failures: Failure[] = [];
  private tail: Promise<unknown> = Promise.resolve();
  private readonly onError: ErrorListener = (_err, msg) => this.errorArrived(msg);

  constructor(private readonly conn: OutboundConnection, private readonly opts: OutboundOptions) {
    conn.on('switch_error', this.onError);
  }

  get dpid(): string {
    return this.conn.dpid;
  }

  /** Stops listening to the connection. */
  close(): void {
    this.conn.off('switch_error', this.onError);
  }

  /** Sends a batch through the stages; resolves once the last barrier is answered. */
  send(batch: readonly OfpMessage[]): Promise<OutboundResult> {
    const run = this.tail.then(() => this.run(batch));
    this.tail = run.catch(() => undefined);
    return run;
  }

  private async run(batch: readonly OfpMessage[]): Promise<OutboundResult> {
    const { stages, duplicates, unencodable } = orderBatch(batch);
    const result: OutboundResult = { sent: 0, duplicates, ignored: 0, retried: 0, rejected: [], withheld: [], unencodable };
    const failedMeters = new Set<number>();
    for (const u of unencodable) {
      if (u.message.type === 'meter_mod' && u.message.command !== MeterModCommand.DELETE) failedMeters.add(u.message.meterId);
      this.opts.logger.warn({ dpid: this.conn.dpid, err: u.error, cause: describeMessage(u.message) }, 'mitigation message not sent: the codec refused it');
    }
    for (const stage of stages) {
      const msgs: OfpMessage[] = [];
      for (const msg of stage) {
        const meterId = msg.type === 'flow_mod' ? meterOf(msg.instructions) : undefined;
        // The switch would refuse it (unknown meter): say why instead of provoking an error.
        if (msg.type === 'flow_mod' && meterId !== undefined && failedMeters.has(meterId)) result.withheld.push(msg);
        else msgs.push(msg);
      }
      if (msgs.length === 0) continue;
      const failures = await this.exchange(msgs);
      result.sent += msgs.length;
      const retries: OfpMessage[] = [];
      for (const f of failures) {
        const verdict = this.handle(f);
        if (verdict === 'ignore') result.ignored++;
        else if (verdict !== 'fail') retries.push(verdict);
        else this.reject(f, result, failedMeters);
      }
      if (retries.length === 0) continue;
      const again = await this.exchange(retries);
      result.sent += retries.length;
      result.retried += retries.length - again.length;
      for (const f of again) this.reject(f, result, failedMeters);
    }
    return result;
  }

  /** What to do about one error: ignore it, retry with another message, or fail. */
  private handle(f: Failure): 'ignore' | 'fail' | OfpMessage {
    const m = f.message;
    if (f.error.errorType !== ErrorType.METER_MOD_FAILED || m.type !== 'meter_mod') return 'fail';
    // Our picture of the switch lagged (a meter left from before a restart, or one the
    // switch dropped): the meter's end state is what matters, so switch add ↔ modify.
    if (f.error.code === METER_EXISTS && m.command === MeterModCommand.ADD) return { ...m, xid: 0, command: MeterModCommand.MODIFY };
    if (f.error.code === UNKNOWN_METER && m.command === MeterModCommand.MODIFY) return { ...m, xid: 0, command: MeterModCommand.ADD };
    // Deleting a meter that is already gone leaves the switch as we want it.
    if (f.error.code === UNKNOWN_METER && m.command === MeterModCommand.DELETE) return 'ignore';
    return 'fail';
  }

  private reject(f: Failure, result: OutboundResult, failedMeters: Set<number>): void {
    const { errorType, code } = f.error;
    const rejection: Rejection = { message: f.message, errorType, code, error: describeError(f.error), kind: rejectionKind(errorType, code) };
    result.rejected.push(rejection);
    if (f.message.type === 'meter_mod' && f.message.command !== MeterModCommand.DELETE) failedMeters.add(f.message.meterId);
    this.opts.logger.warn({ dpid: this.conn.dpid, error: rejection.error, kind: rejection.kind, cause: describeMessage(f.message) },
      'switch rejected a mitigation message');
  }

  private async exchange(msgs: OfpMessage[]): Promise<Failure[]> {
    const xids = this.conn.sendBatch(msgs);
    this.current = new Set(xids);
    this.failures = [];
    for (let i = 0; i < xids.length; i++) this.remember(xids[i]!, msgs[i]!);
    try {
      // The switch answers errors for earlier messages before the barrier reply.
      await this.conn.barrier(this.opts.barrierTimeoutMs);
      return this.failures;
    } finally {
      this.current = undefined;
    }
  }

  private remember(xid: number, msg: OfpMessage): void {
    this.recent.set(xid, msg);
    if (this.recent.size > RECENT_MEMORY) this.recent.delete(this.recent.keys().next().value!);
  }

  private errorArrived(error: ErrorMessage): void {
    const message = this.recent.get(error.xid);
    if (!message) return; // not ours: another module's message
    const name = describeError(error);
    this.errorCounts.set(name, (this.errorCounts.get(name) ?? 0) + 1);
    if (this.current?.has(error.xid)) {
      this.failures.push({ message, error });
      return;
    }
    this.opts.logger.warn({ dpid: this.conn.dpid, error: name, cause: describeMessage(message) }, 'late switch error for a mitigation message');
  }
}

/** A short, loggable description of a flow-mod or meter-mod. */
export function describeMessage(msg: OfpMessage): Record<string, unknown> {
  if (msg.type === 'flow_mod') {
    return { type: msg.type, command: msg.command, cookie: `0x${msg.cookie.toString(16)}`, priority: msg.priority, match: msg.match };
  }
  if (msg.type === 'meter_mod') return { type: msg.type, command: msg.command, meterId: msg.meterId };
  return { type: msg.type };
}
