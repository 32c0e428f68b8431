/** OFPT_ROLE_REQUEST / OFPT_ROLE_REPLY (multiple controllers). */
import { exactLength } from './body.js';
import { u32, u64 } from './reader.js';
import type { RoleReplyMessage, RoleRequestMessage } from './types.js';
import type { OfWriter } from './writer.js';

export function decodeRole(
  type: 'role_request' | 'role_reply', b: Buffer, o: number, end: number, version: number, xid: number,
): RoleRequestMessage | RoleReplyMessage {
  exactLength(type, end - o, 24, o);
  return { version, type, xid, role: u32(b, o + 8), generationId: u64(b, o + 16) };
}

export function encodeRole(w: OfWriter, m: RoleRequestMessage | RoleReplyMessage): void {
  w.u32(m.role);
  w.zeros(4);
  w.u64(m.generationId);
}
