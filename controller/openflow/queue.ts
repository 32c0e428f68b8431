/** Queues: queue-get-config reply (packet queues and their properties) and queue statistics. */
import { elementLength, exactLength, minLength } from './body.js';
import { QueuePropType } from './constants.js';
import { OpenFlowDecodeError, OpenFlowEncodeError } from './errors.js';
import { copyBytes, need, u16, u32, u64 } from './reader.js';
import type { PacketQueue, QueueGetConfigReplyMessage, QueueGetConfigRequestMessage, QueueProperty, QueueStats } from './types.js';
import type { OfWriter } from './writer.js';

export const QUEUE_STATS_LEN = 40;

function decodeQueueProperties(b: Buffer, start: number, end: number): QueueProperty[] {
  const props: QueueProperty[] = [];
  let p = start;
  while (p < end) {
    need(p, 8, end, 'queue property header');
    const type = u16(b, p);
    const len = u16(b, p + 2);
    // Not required to be multiples of 8: experimenter properties carry arbitrary data (see the Ryu fixture 4-36).
    elementLength('queue property', len, 8, p, end, false);
    if (type === QueuePropType.MIN_RATE || type === QueuePropType.MAX_RATE) {
      if (len !== 16) throw new OpenFlowDecodeError('OFP_BAD_PROPERTY', `queue rate property length ${len}, expected 16`, p);
      props.push({ type: type === QueuePropType.MIN_RATE ? 'min_rate' : 'max_rate', rate: u16(b, p + 8) });
    } else if (type === QueuePropType.EXPERIMENTER) {
      if (len < 16) throw new OpenFlowDecodeError('OFP_BAD_PROPERTY', `queue experimenter property length ${len} < 16`, p);
      props.push({ type: 'experimenter', experimenter: u32(b, p + 8), data: copyBytes(b, p + 16, p + len) });
    } else {
      props.push({ type: 'unknown', propertyType: type, data: copyBytes(b, p + 8, p + len) });
    }
    p += len;
  }
  return props;
}

function encodeQueueProperties(w: OfWriter, props: readonly QueueProperty[]): void {
  for (const prop of props) {
    switch (prop.type) {
      case 'min_rate':
      case 'max_rate':
        w.u16(prop.type === 'min_rate' ? QueuePropType.MIN_RATE : QueuePropType.MAX_RATE);
        w.u16(16);
        w.zeros(4);
        w.u16(prop.rate);
        w.zeros(6);
        break;
      case 'experimenter':
        w.u16(QueuePropType.EXPERIMENTER);
        w.u16(16 + prop.data.length);
        w.zeros(4);
        w.u32(prop.experimenter);
        w.zeros(4);
        w.bytes(prop.data);
        break;
      case 'unknown':
        w.u16(prop.propertyType);
        w.u16(8 + prop.data.length);
        w.zeros(4);
        w.bytes(prop.data);
        break;
      default:
        throw new OpenFlowEncodeError('OFP_ENCODE_BAD_VALUE', `unknown queue property ${(prop as { type: unknown }).type}`);
    }
  }
}

export function decodePacketQueues(b: Buffer, start: number, end: number): PacketQueue[] {
  const queues: PacketQueue[] = [];
  let p = start;
  while (p < end) {
    need(p, 16, end, 'packet queue');
    const len = u16(b, p + 8);
    elementLength('packet queue', len, 16, p, end, false);
    queues.push({ queueId: u32(b, p), port: u32(b, p + 4), properties: decodeQueueProperties(b, p + 16, p + len) });
    p += len;
  }
  return queues;
}

export function encodePacketQueues(w: OfWriter, queues: readonly PacketQueue[]): void {
  for (const q of queues) {
    const start = w.pos;
    w.u32(q.queueId);
    w.u32(q.port);
    w.u16(0);
    w.zeros(6);
    encodeQueueProperties(w, q.properties);
    w.patch16(start + 8, w.pos - start);
  }
}

export function decodeQueueStats(b: Buffer, o: number): QueueStats {
  return {
    portNo: u32(b, o),
    queueId: u32(b, o + 4),
    txBytes: u64(b, o + 8),
    txPackets: u64(b, o + 16),
    txErrors: u64(b, o + 24),
    durationSec: u32(b, o + 32),
    durationNsec: u32(b, o + 36),
  };
}

export function encodeQueueStats(w: OfWriter, s: QueueStats): void {
  w.u32(s.portNo);
  w.u32(s.queueId);
  w.u64(s.txBytes);
  w.u64(s.txPackets);
  w.u64(s.txErrors);
  w.u32(s.durationSec);
  w.u32(s.durationNsec);
}

export function decodeQueueGetConfigRequest(b: Buffer, o: number, end: number, version: number, xid: number): QueueGetConfigRequestMessage {
  exactLength('queue_get_config_request', end - o, 16, o);
  return { version, type: 'queue_get_config_request', xid, port: u32(b, o + 8) };
}

export function encodeQueueGetConfigRequest(w: OfWriter, m: QueueGetConfigRequestMessage): void {
  w.u32(m.port);
  w.zeros(4);
}

export function decodeQueueGetConfigReply(b: Buffer, o: number, end: number, version: number, xid: number): QueueGetConfigReplyMessage {
  minLength('queue_get_config_reply', end - o, 16, o);
  return { version, type: 'queue_get_config_reply', xid, port: u32(b, o + 8), queues: decodePacketQueues(b, o + 16, end) };
}

export function encodeQueueGetConfigReply(w: OfWriter, m: QueueGetConfigReplyMessage): void {
  w.u32(m.port);
  w.zeros(4);
  encodePacketQueues(w, m.queues);
}
