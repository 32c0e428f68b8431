/** OFPT_GET_ASYNC_REPLY / OFPT_SET_ASYNC: which asynchronous messages a controller role receives. */
import { exactLength } from './body.js';
import { u32 } from './reader.js';
import type { GetAsyncReplyMessage, SetAsyncMessage } from './types.js';
import type { OfWriter } from './writer.js';

export function decodeAsyncConfig(
  type: 'get_async_reply' | 'set_async', b: Buffer, o: number, end: number, version: number, xid: number,
): GetAsyncReplyMessage | SetAsyncMessage {
  exactLength(type, end - o, 32, o);
  return {
    version,
    type,
    xid,
    packetInMask: [u32(b, o + 8), u32(b, o + 12)],
    portStatusMask: [u32(b, o + 16), u32(b, o + 20)],
    flowRemovedMask: [u32(b, o + 24), u32(b, o + 28)],
  };
}

export function encodeAsyncConfig(w: OfWriter, m: GetAsyncReplyMessage | SetAsyncMessage): void {
  w.u32(m.packetInMask[0]);
  w.u32(m.packetInMask[1]);
  w.u32(m.portStatusMask[0]);
  w.u32(m.portStatusMask[1]);
  w.u32(m.flowRemovedMask[0]);
  w.u32(m.flowRemovedMask[1]);
}
