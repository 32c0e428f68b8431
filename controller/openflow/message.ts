/**
 * The message layer: the 8-byte ofp_header, and dispatch to each family's codec.
 * decodeMessage takes exactly one complete message (the framer cuts the stream);
 * encodeMessage fills the header length in after the body is written.
 */
import { decodeAsyncConfig, encodeAsyncConfig } from './async.js';
import { exactLength, minLength } from './body.js';
import { MessageType, OFP_HEADER_LEN, OFP_VERSION } from './constants.js';
import { decodeError, encodeError } from './error.js';
import { OpenFlowDecodeError, OpenFlowEncodeError } from './errors.js';
import { decodeFlowMod, decodeFlowRemoved, encodeFlowMod, encodeFlowRemoved } from './flow-mod.js';
import { decodeGroupMod, encodeGroupMod } from './group.js';
import { decodeHelloElements, encodeHelloElements } from './hello.js';
import { decodeMeterMod, encodeMeterMod } from './meter.js';
import { decodeMultipartReply, decodeMultipartRequest, encodeMultipartReply, encodeMultipartRequest } from './multipart.js';
import { decodePacketIn, decodePacketOut, encodePacketIn, encodePacketOut } from './packet.js';
import { decodePortMod, decodePortStatus, encodePortMod, encodePortStatus } from './port.js';
import { decodeQueueGetConfigReply, decodeQueueGetConfigRequest, encodeQueueGetConfigReply, encodeQueueGetConfigRequest } from './queue.js';
import { copyBytes, u16, u32 } from './reader.js';
import { decodeRole, encodeRole } from './role.js';
import { decodeFeaturesReply, decodeSwitchConfig, decodeTableMod, encodeFeaturesReply, encodeSwitchConfig, encodeTableMod } from './switch-config.js';
import { MESSAGE_TYPE_NAMES } from './types.js';
import type { OfpMessage, OfpMessageType } from './types.js';
import { OfWriter } from './writer.js';

const TYPE_CODES = new Map<string, number>(MESSAGE_TYPE_NAMES.map((name, code) => [name, code]));

/** Hello and error are the only messages a peer may send in a version other than 1.3 (negotiation). */
export function versionAllowed(version: number, type: number): boolean {
  return version === OFP_VERSION || (version > 0 && (type === MessageType.HELLO || type === MessageType.ERROR));
}

/** Checks an ofp_header at `o` against the bytes available; returns the message length. */
export function checkHeader(b: Buffer, o: number, available: number): number {
  if (available < OFP_HEADER_LEN) {
    throw new OpenFlowDecodeError('OFP_TRUNCATED', `${available} bytes is shorter than the 8-byte header`, o);
  }
  const version = b[o]!;
  const type = b[o + 1]!;
  const length = u16(b, o + 2);
  if (length < OFP_HEADER_LEN) throw new OpenFlowDecodeError('OFP_BAD_LENGTH', `header length ${length} < 8`, o + 2);
  if (!versionAllowed(version, type)) throw new OpenFlowDecodeError('OFP_BAD_VERSION', `version 0x${version.toString(16)} is not OpenFlow 1.3 (0x04)`, o);
  if (type > MessageType.METER_MOD) throw new OpenFlowDecodeError('OFP_BAD_TYPE', `unknown message type ${type}`, o + 1);
  return length;
}

function headerOnly<T extends OfpMessageType>(type: T, b: Buffer, o: number, end: number, version: number, xid: number): { version: number; type: T; xid: number } {
  exactLength(type, end - o, OFP_HEADER_LEN, o);
  return { version, type, xid };
}

/** Decodes one complete message: `buf` must hold exactly the bytes its header length says. */
export function decodeMessage(buf: Buffer): OfpMessage {
  const length = checkHeader(buf, 0, buf.length);
  if (length > buf.length) throw new OpenFlowDecodeError('OFP_TRUNCATED', `header length ${length} but only ${buf.length} bytes`, 0);
  if (length < buf.length) throw new OpenFlowDecodeError('OFP_BAD_LENGTH', `${buf.length - length} bytes after the message`, length);
  const b = buf;
  const o = 0;
  const end = length;
  const version = b[0]!;
  const xid = u32(b, 4);
  switch (b[1]) {
    case MessageType.HELLO:
      return { version, type: 'hello', xid, elements: decodeHelloElements(b, o + 8, end) };
    case MessageType.ERROR:
      return decodeError(b, o, end, version, xid);
    case MessageType.ECHO_REQUEST:
      return { version, type: 'echo_request', xid, data: copyBytes(b, o + 8, end) };
    case MessageType.ECHO_REPLY:
      return { version, type: 'echo_reply', xid, data: copyBytes(b, o + 8, end) };
    case MessageType.EXPERIMENTER:
      minLength('experimenter', end - o, 16, o);
      return { version, type: 'experimenter', xid, experimenter: u32(b, o + 8), expType: u32(b, o + 12), data: copyBytes(b, o + 16, end) };
    case MessageType.FEATURES_REQUEST:
      return headerOnly('features_request', b, o, end, version, xid);
    case MessageType.FEATURES_REPLY:
      return decodeFeaturesReply(b, o, end, version, xid);
    case MessageType.GET_CONFIG_REQUEST:
      return headerOnly('get_config_request', b, o, end, version, xid);
    case MessageType.GET_CONFIG_REPLY:
      return decodeSwitchConfig('get_config_reply', b, o, end, version, xid);
    case MessageType.SET_CONFIG:
      return decodeSwitchConfig('set_config', b, o, end, version, xid);
    case MessageType.PACKET_IN:
      return decodePacketIn(b, o, end, version, xid);
    case MessageType.FLOW_REMOVED:
      return decodeFlowRemoved(b, o, end, version, xid);
    case MessageType.PORT_STATUS:
      return decodePortStatus(b, o, end, version, xid);
    case MessageType.PACKET_OUT:
      return decodePacketOut(b, o, end, version, xid);
    case MessageType.FLOW_MOD:
      return decodeFlowMod(b, o, end, version, xid);
    case MessageType.GROUP_MOD:
      return decodeGroupMod(b, o, end, version, xid);
    case MessageType.PORT_MOD:
      return decodePortMod(b, o, end, version, xid);
    case MessageType.TABLE_MOD:
      return decodeTableMod(b, o, end, version, xid);
    case MessageType.MULTIPART_REQUEST:
      return decodeMultipartRequest(b, o, end, version, xid);
    case MessageType.MULTIPART_REPLY:
      return decodeMultipartReply(b, o, end, version, xid);
    case MessageType.BARRIER_REQUEST:
      return headerOnly('barrier_request', b, o, end, version, xid);
    case MessageType.BARRIER_REPLY:
      return headerOnly('barrier_reply', b, o, end, version, xid);
    case MessageType.QUEUE_GET_CONFIG_REQUEST:
      return decodeQueueGetConfigRequest(b, o, end, version, xid);
    case MessageType.QUEUE_GET_CONFIG_REPLY:
      return decodeQueueGetConfigReply(b, o, end, version, xid);
    case MessageType.ROLE_REQUEST:
      return decodeRole('role_request', b, o, end, version, xid);
    case MessageType.ROLE_REPLY:
      return decodeRole('role_reply', b, o, end, version, xid);
    case MessageType.GET_ASYNC_REQUEST:
      return headerOnly('get_async_request', b, o, end, version, xid);
    case MessageType.GET_ASYNC_REPLY:
      return decodeAsyncConfig('get_async_reply', b, o, end, version, xid);
    case MessageType.SET_ASYNC:
      return decodeAsyncConfig('set_async', b, o, end, version, xid);
    default:
      return decodeMeterMod(b, o, end, version, xid);
  }
}

function encodeBody(w: OfWriter, m: OfpMessage): void {
  switch (m.type) {
    case 'hello':
      encodeHelloElements(w, m.elements);
      return;
    case 'error':
      encodeError(w, m);
      return;
    case 'echo_request':
    case 'echo_reply':
      w.bytes(m.data);
      return;
    case 'experimenter':
      w.u32(m.experimenter);
      w.u32(m.expType);
      w.bytes(m.data);
      return;
    case 'features_reply':
      encodeFeaturesReply(w, m);
      return;
    case 'get_config_reply':
    case 'set_config':
      encodeSwitchConfig(w, m);
      return;
    case 'packet_in':
      encodePacketIn(w, m);
      return;
    case 'flow_removed':
      encodeFlowRemoved(w, m);
      return;
    case 'port_status':
      encodePortStatus(w, m);
      return;
    case 'packet_out':
      encodePacketOut(w, m);
      return;
    case 'flow_mod':
      encodeFlowMod(w, m);
      return;
    case 'group_mod':
      encodeGroupMod(w, m);
      return;
    case 'port_mod':
      encodePortMod(w, m);
      return;
    case 'table_mod':
      encodeTableMod(w, m);
      return;
    case 'multipart_request':
      encodeMultipartRequest(w, m);
      return;
    case 'multipart_reply':
      encodeMultipartReply(w, m);
      return;
    case 'queue_get_config_request':
      encodeQueueGetConfigRequest(w, m);
      return;
    case 'queue_get_config_reply':
      encodeQueueGetConfigReply(w, m);
      return;
    case 'role_request':
    case 'role_reply':
      encodeRole(w, m);
      return;
    case 'get_async_reply':
    case 'set_async':
      encodeAsyncConfig(w, m);
      return;
    case 'meter_mod':
      encodeMeterMod(w, m);
      return;
    default:
      return; // header-only messages
  }
}

// One writer for the process: encoding is synchronous, so it is never shared mid-message.
const writer = new OfWriter(64 * 1024);

/** Encodes a message; the returned Buffer is the caller's own. */
export function encodeMessage(m: OfpMessage): Buffer {
  const code = TYPE_CODES.get(m.type);
  if (code === undefined) throw new OpenFlowEncodeError('OFP_ENCODE_BAD_VALUE', `unknown message type ${String(m.type)}`);
  const w = writer;
  w.reset();
  w.u8(m.version);
  w.u8(code);
  w.u16(0);
  w.u32(m.xid);
  encodeBody(w, m);
  w.patch16(2, w.pos);
  return w.take(0);
}

