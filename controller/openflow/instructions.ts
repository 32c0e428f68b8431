/** Instructions (spec 7.2.4): every OpenFlow 1.3 instruction; experimenter ones as bytes. */
import { decodeActions, encodeActions } from './actions.js';
import { InstructionType } from './constants.js';
import { OpenFlowDecodeError, OpenFlowEncodeError } from './errors.js';
import { copyBytes, need, u16, u32, u64 } from './reader.js';
import type { Instruction } from './types.js';
import type { OfWriter } from './writer.js';

function fixedLength(type: number, len: number, expected: number, o: number): void {
  if (len !== expected) {
    throw new OpenFlowDecodeError('OFP_BAD_INSTRUCTION', `instruction type ${type} has length ${len}, expected ${expected}`, o);
  }
}

/** Decodes the instructions in [start, end). */
export function decodeInstructions(b: Buffer, start: number, end: number): Instruction[] {
  const out: Instruction[] = [];
  let p = start;
  while (p < end) {
    need(p, 8, end, 'instruction header');
    const type = u16(b, p);
    const len = u16(b, p + 2);
    if (len < 8 || (len & 7) !== 0) throw new OpenFlowDecodeError('OFP_BAD_LENGTH', `instruction length ${len} is not a positive multiple of 8`, p);
    need(p, len, end, `instruction type ${type}`);
    switch (type) {
      case InstructionType.GOTO_TABLE:
        fixedLength(type, len, 8, p);
        out.push({ type: 'goto_table', tableId: b[p + 4]! });
        break;
      case InstructionType.WRITE_METADATA:
        fixedLength(type, len, 24, p);
        out.push({ type: 'write_metadata', metadata: u64(b, p + 8), metadataMask: u64(b, p + 16) });
        break;
      case InstructionType.WRITE_ACTIONS:
        out.push({ type: 'write_actions', actions: decodeActions(b, p + 8, p + len) });
        break;
      case InstructionType.APPLY_ACTIONS:
        out.push({ type: 'apply_actions', actions: decodeActions(b, p + 8, p + len) });
        break;
      case InstructionType.CLEAR_ACTIONS:
        fixedLength(type, len, 8, p);
        out.push({ type: 'clear_actions' });
        break;
      case InstructionType.METER:
        fixedLength(type, len, 8, p);
        out.push({ type: 'meter', meterId: u32(b, p + 4) });
        break;
      case InstructionType.EXPERIMENTER:
        out.push({ type: 'experimenter', experimenter: u32(b, p + 4), data: copyBytes(b, p + 8, p + len) });
        break;
      default:
        out.push({ type: 'unknown', instructionType: type, data: copyBytes(b, p + 4, p + len) });
    }
    p += len;
  }
  return out;
}

function encodeInstruction(w: OfWriter, ins: Instruction): void {
  const start = w.pos;
  switch (ins.type) {
    case 'goto_table':
      w.u16(InstructionType.GOTO_TABLE);
      w.u16(8);
      w.u8(ins.tableId);
      w.zeros(3);
      return;
    case 'write_metadata':
      w.u16(InstructionType.WRITE_METADATA);
      w.u16(24);
      w.zeros(4);
      w.u64(ins.metadata);
      w.u64(ins.metadataMask);
      return;
    case 'write_actions':
    case 'apply_actions':
      w.u16(ins.type === 'write_actions' ? InstructionType.WRITE_ACTIONS : InstructionType.APPLY_ACTIONS);
      w.u16(0);
      w.zeros(4);
      encodeActions(w, ins.actions);
      w.patch16(start + 2, w.pos - start);
      return;
    case 'clear_actions':
      w.u16(InstructionType.CLEAR_ACTIONS);
      w.u16(8);
      w.zeros(4);
      return;
    case 'meter':
      w.u16(InstructionType.METER);
      w.u16(8);
      w.u32(ins.meterId);
      return;
    case 'experimenter':
      w.u16(InstructionType.EXPERIMENTER);
      w.u16(8 + ins.data.length);
      w.u32(ins.experimenter);
      w.bytes(ins.data);
      return;
    case 'unknown':
      w.u16(ins.instructionType);
      w.u16(4 + ins.data.length);
      w.bytes(ins.data);
      return;
    default:
      throw new OpenFlowEncodeError('OFP_ENCODE_BAD_VALUE', `unknown instruction type ${(ins as { type: unknown }).type}`);
  }
}

export function encodeInstructions(w: OfWriter, instructions: readonly Instruction[]): void {
  for (let i = 0; i < instructions.length; i++) encodeInstruction(w, instructions[i]!);
}
