/** Switch-level configuration: features reply, get/set config, table-mod. */
import { exactLength } from './body.js';
import { u16, u32, u64 } from './reader.js';
import type { FeaturesReplyMessage, GetConfigReplyMessage, SetConfigMessage, TableModMessage } from './types.js';
import type { OfWriter } from './writer.js';

export function decodeFeaturesReply(b: Buffer, o: number, end: number, version: number, xid: number): FeaturesReplyMessage {
  exactLength('features_reply', end - o, 32, o);
  return {
    version,
    type: 'features_reply',
    xid,
    dpid: u64(b, o + 8),
    nBuffers: u32(b, o + 16),
    nTables: b[o + 20]!,
    auxiliaryId: b[o + 21]!,
    capabilities: u32(b, o + 24),
    reserved: u32(b, o + 28),
  };
}

export function encodeFeaturesReply(w: OfWriter, m: FeaturesReplyMessage): void {
  w.u64(m.dpid);
  w.u32(m.nBuffers);
  w.u8(m.nTables);
  w.u8(m.auxiliaryId);
  w.zeros(2);
  w.u32(m.capabilities);
  w.u32(m.reserved);
}

export function decodeSwitchConfig(
  type: 'get_config_reply' | 'set_config', b: Buffer, o: number, end: number, version: number, xid: number,
): GetConfigReplyMessage | SetConfigMessage {
  exactLength(type, end - o, 12, o);
  return { version, type, xid, flags: u16(b, o + 8), missSendLen: u16(b, o + 10) };
}

export function encodeSwitchConfig(w: OfWriter, m: GetConfigReplyMessage | SetConfigMessage): void {
  w.u16(m.flags);
  w.u16(m.missSendLen);
}

export function decodeTableMod(b: Buffer, o: number, end: number, version: number, xid: number): TableModMessage {
  exactLength('table_mod', end - o, 16, o);
  return { version, type: 'table_mod', xid, tableId: b[o + 8]!, config: u32(b, o + 12) };
}

export function encodeTableMod(w: OfWriter, m: TableModMessage): void {
  w.u8(m.tableId);
  w.zeros(3);
  w.u32(m.config);
}
