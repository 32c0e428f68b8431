/**
 * Action lists (spec 7.2.5): every OpenFlow 1.3 action, experimenter actions (Nicira
 * and others) as opaque bytes. All action lengths are multiples of 8.
 */
import { ActionType } from './constants.js';
import { OpenFlowDecodeError, OpenFlowEncodeError } from './errors.js';
import { decodeOxmFields, encodeOxmFields } from './match.js';
import { copyBytes, need, u16, u32 } from './reader.js';
import type { Action, Match } from './types.js';
import type { OfWriter } from './writer.js';

function badAction(message: string, offset: number): never {
  throw new OpenFlowDecodeError('OFP_BAD_ACTION', message, offset);
}

function fixedLength(type: number, len: number, expected: number, o: number): void {
  if (len !== expected) badAction(`action type ${type} has length ${len}, expected ${expected}`, o);
}

/** Decodes one action at `o` whose 8-byte-multiple length `len` has been checked. */
function decodeAction(b: Buffer, o: number, type: number, len: number): Action {
  switch (type) {
    case ActionType.OUTPUT:
      fixedLength(type, len, 16, o);
      return { type: 'output', port: u32(b, o + 4), maxLen: u16(b, o + 8) };
    case ActionType.COPY_TTL_OUT:
      fixedLength(type, len, 8, o);
      return { type: 'copy_ttl_out' };
    case ActionType.COPY_TTL_IN:
      fixedLength(type, len, 8, o);
      return { type: 'copy_ttl_in' };
    case ActionType.SET_MPLS_TTL:
      fixedLength(type, len, 8, o);
      return { type: 'set_mpls_ttl', mplsTtl: b[o + 4]! };
    case ActionType.DEC_MPLS_TTL:
      fixedLength(type, len, 8, o);
      return { type: 'dec_mpls_ttl' };
    case ActionType.PUSH_VLAN:
      fixedLength(type, len, 8, o);
      return { type: 'push_vlan', ethertype: u16(b, o + 4) };
    case ActionType.POP_VLAN:
      fixedLength(type, len, 8, o);
      return { type: 'pop_vlan' };
    case ActionType.PUSH_MPLS:
      fixedLength(type, len, 8, o);
      return { type: 'push_mpls', ethertype: u16(b, o + 4) };
    case ActionType.POP_MPLS:
      fixedLength(type, len, 8, o);
      return { type: 'pop_mpls', ethertype: u16(b, o + 4) };
    case ActionType.SET_QUEUE:
      fixedLength(type, len, 8, o);
      return { type: 'set_queue', queueId: u32(b, o + 4) };
    case ActionType.GROUP:
      fixedLength(type, len, 8, o);
      return { type: 'group', groupId: u32(b, o + 4) };
    case ActionType.SET_NW_TTL:
      fixedLength(type, len, 8, o);
      return { type: 'set_nw_ttl', nwTtl: b[o + 4]! };
    case ActionType.DEC_NW_TTL:
      fixedLength(type, len, 8, o);
      return { type: 'dec_nw_ttl' };
    case ActionType.PUSH_PBB:
      fixedLength(type, len, 8, o);
      return { type: 'push_pbb', ethertype: u16(b, o + 4) };
    case ActionType.POP_PBB:
      fixedLength(type, len, 8, o);
      return { type: 'pop_pbb' };
    case ActionType.SET_FIELD: {
      // One OXM then zero padding to 8: the padding must be shorter than 8 bytes, or the
      // re-encoded action would be shorter than the original.
      const oxmEnd = o + 8 + b[o + 7]!;
      if (oxmEnd > o + len || o + len - oxmEnd >= 8) badAction(`set_field length ${len} does not fit its OXM`, o);
      const field: Match = {};
      decodeOxmFields(b, o + 4, oxmEnd, field);
      return { type: 'set_field', field };
    }
    case ActionType.EXPERIMENTER:
      return { type: 'experimenter', experimenter: u32(b, o + 4), data: copyBytes(b, o + 8, o + len) };
    default:
      return { type: 'unknown', actionType: type, data: copyBytes(b, o + 4, o + len) };
  }
}

/**
 * Decodes the actions in [start, end). Most lists hold one or two actions: they are kept
 * in locals and returned as an exact-size array literal (see decodeInstructions for why).
 */
export function decodeActions(b: Buffer, start: number, end: number): Action[] {
  let first: Action | undefined;
  let second: Action | undefined;
  let more: Action[] | undefined;
  let count = 0;
  let p = start;
  while (p < end) {
    need(p, 8, end, 'action header');
    const type = (b[p]! << 8) | b[p + 1]!;
    const len = (b[p + 2]! << 8) | b[p + 3]!;
    if (len < 8 || (len & 7) !== 0) throw new OpenFlowDecodeError('OFP_BAD_LENGTH', `action length ${len} is not a positive multiple of 8`, p);
    // The name is built only on failure: a template literal argument would allocate a string per action.
    if (p + len > end) need(p, len, end, `action type ${type}`);
    const action = decodeAction(b, p, type, len);
    if (count === 0) first = action;
    else if (count === 1) second = action;
    else (more ??= []).push(action);
    count++;
    p += len;
  }
  switch (count) {
    case 0:
      return [];
    case 1:
      return [first!];
    case 2:
      return [first!, second!];
    default:
      return [first!, second!, ...more!];
  }
}

function header8(w: OfWriter, type: number): void {
  w.u16(type);
  w.u16(8);
}

function encodeAction(w: OfWriter, a: Action): void {
  switch (a.type) {
    case 'output':
      w.u16(ActionType.OUTPUT);
      w.u16(16);
      w.u32(a.port);
      w.u16(a.maxLen);
      w.zeros(6);
      return;
    case 'copy_ttl_out':
      header8(w, ActionType.COPY_TTL_OUT);
      w.zeros(4);
      return;
    case 'copy_ttl_in':
      header8(w, ActionType.COPY_TTL_IN);
      w.zeros(4);
      return;
    case 'set_mpls_ttl':
      header8(w, ActionType.SET_MPLS_TTL);
      w.u8(a.mplsTtl);
      w.zeros(3);
      return;
    case 'dec_mpls_ttl':
      header8(w, ActionType.DEC_MPLS_TTL);
      w.zeros(4);
      return;
    case 'push_vlan':
      header8(w, ActionType.PUSH_VLAN);
      w.u16(a.ethertype);
      w.zeros(2);
      return;
    case 'pop_vlan':
      header8(w, ActionType.POP_VLAN);
      w.zeros(4);
      return;
    case 'push_mpls':
      header8(w, ActionType.PUSH_MPLS);
      w.u16(a.ethertype);
      w.zeros(2);
      return;
    case 'pop_mpls':
      header8(w, ActionType.POP_MPLS);
      w.u16(a.ethertype);
      w.zeros(2);
      return;
    case 'set_queue':
      header8(w, ActionType.SET_QUEUE);
      w.u32(a.queueId);
      return;
    case 'group':
      header8(w, ActionType.GROUP);
      w.u32(a.groupId);
      return;
    case 'set_nw_ttl':
      header8(w, ActionType.SET_NW_TTL);
      w.u8(a.nwTtl);
      w.zeros(3);
      return;
    case 'dec_nw_ttl':
      header8(w, ActionType.DEC_NW_TTL);
      w.zeros(4);
      return;
    case 'push_pbb':
      header8(w, ActionType.PUSH_PBB);
      w.u16(a.ethertype);
      w.zeros(2);
      return;
    case 'pop_pbb':
      header8(w, ActionType.POP_PBB);
      w.zeros(4);
      return;
    case 'set_field': {
      const start = w.pos;
      w.u16(ActionType.SET_FIELD);
      w.u16(0);
      encodeOxmFields(w, a.field);
      w.padTo8(start);
      w.patch16(start + 2, w.pos - start);
      return;
    }
    case 'experimenter':
      w.u16(ActionType.EXPERIMENTER);
      w.u16(8 + a.data.length);
      w.u32(a.experimenter);
      w.bytes(a.data);
      return;
    case 'unknown':
      w.u16(a.actionType);
      w.u16(4 + a.data.length);
      w.bytes(a.data);
      return;
    default:
      throw new OpenFlowEncodeError('OFP_ENCODE_BAD_VALUE', `unknown action type ${(a as { type: unknown }).type}`);
  }
}

export function encodeActions(w: OfWriter, actions: readonly Action[]): void {
  for (let i = 0; i < actions.length; i++) encodeAction(w, actions[i]!);
}
