/** Table features (multipart type 12): the table entries and every property type (spec 7.3.5.5). */
import { elementLength } from './body.js';
import { OxmClass, TableFeaturePropType } from './constants.js';
import { OpenFlowDecodeError, OpenFlowEncodeError } from './errors.js';
import { copyBytes, fixedString, need, u16, u32, u64 } from './reader.js';
import type { OxmId, TableFeatureProperty, TableFeatures, TlvId } from './types.js';
import type { OfWriter } from './writer.js';

const TABLE_FEATURES_FIXED_LEN = 64;

type PropName = Exclude<TableFeatureProperty['type'], 'unknown'>;

const PROP_NAMES: Readonly<Record<number, PropName>> = {
  [TableFeaturePropType.INSTRUCTIONS]: 'instructions',
  [TableFeaturePropType.INSTRUCTIONS_MISS]: 'instructions_miss',
  [TableFeaturePropType.NEXT_TABLES]: 'next_tables',
  [TableFeaturePropType.NEXT_TABLES_MISS]: 'next_tables_miss',
  [TableFeaturePropType.WRITE_ACTIONS]: 'write_actions',
  [TableFeaturePropType.WRITE_ACTIONS_MISS]: 'write_actions_miss',
  [TableFeaturePropType.APPLY_ACTIONS]: 'apply_actions',
  [TableFeaturePropType.APPLY_ACTIONS_MISS]: 'apply_actions_miss',
  [TableFeaturePropType.MATCH]: 'match',
  [TableFeaturePropType.WILDCARDS]: 'wildcards',
  [TableFeaturePropType.WRITE_SETFIELD]: 'write_setfield',
  [TableFeaturePropType.WRITE_SETFIELD_MISS]: 'write_setfield_miss',
  [TableFeaturePropType.APPLY_SETFIELD]: 'apply_setfield',
  [TableFeaturePropType.APPLY_SETFIELD_MISS]: 'apply_setfield_miss',
  [TableFeaturePropType.EXPERIMENTER]: 'experimenter',
  [TableFeaturePropType.EXPERIMENTER_MISS]: 'experimenter_miss',
};

const PROP_NUMBERS = new Map<string, number>(Object.entries(PROP_NAMES).map(([n, name]) => [name, Number(n)]));

function badProperty(message: string, offset: number): never {
  throw new OpenFlowDecodeError('OFP_BAD_PROPERTY', message, offset);
}

/** Instruction or action ids: 4-byte headers, longer for experimenter ids. */
function decodeTlvIds(b: Buffer, start: number, end: number): TlvId[] {
  const ids: TlvId[] = [];
  let p = start;
  while (p < end) {
    need(p, 4, end, 'instruction/action id');
    const len = u16(b, p + 2);
    elementLength('instruction/action id', len, 4, p, end, false);
    ids.push(len > 4 ? { type: u16(b, p), data: copyBytes(b, p + 4, p + len) } : { type: u16(b, p) });
    p += len;
  }
  return ids;
}

function decodeOxmIds(b: Buffer, start: number, end: number): OxmId[] {
  const ids: OxmId[] = [];
  let p = start;
  while (p < end) {
    need(p, 4, end, 'OXM id');
    const header = u32(b, p);
    if (header >>> 16 === OxmClass.EXPERIMENTER) {
      need(p, 8, end, 'experimenter OXM id');
      ids.push({ header, experimenter: u32(b, p + 4) });
      p += 8;
    } else {
      ids.push({ header });
      p += 4;
    }
  }
  return ids;
}

function decodeProperty(b: Buffer, p: number, type: number, len: number): TableFeatureProperty {
  const start = p + 4;
  const end = p + len;
  const name = PROP_NAMES[type];
  switch (name) {
    case 'instructions':
    case 'instructions_miss':
    case 'write_actions':
    case 'write_actions_miss':
    case 'apply_actions':
    case 'apply_actions_miss':
      return { type: name, ids: decodeTlvIds(b, start, end) };
    case 'next_tables':
    case 'next_tables_miss': {
      const tableIds: number[] = [];
      for (let q = start; q < end; q++) tableIds.push(b[q]!);
      return { type: name, tableIds };
    }
    case 'match':
    case 'wildcards':
    case 'write_setfield':
    case 'write_setfield_miss':
    case 'apply_setfield':
    case 'apply_setfield_miss':
      return { type: name, oxmIds: decodeOxmIds(b, start, end) };
    case 'experimenter':
    case 'experimenter_miss':
      if (len < 12) badProperty(`table features experimenter property length ${len} < 12`, p);
      return { type: name, experimenter: u32(b, start), expType: u32(b, start + 4), data: copyBytes(b, start + 8, end) };
    default:
      return { type: 'unknown', propertyType: type, data: copyBytes(b, start, end) };
  }
}

function decodeProperties(b: Buffer, start: number, end: number): TableFeatureProperty[] {
  const props: TableFeatureProperty[] = [];
  let p = start;
  while (p < end) {
    need(p, 4, end, 'table feature property header');
    const type = u16(b, p);
    const len = u16(b, p + 2);
    elementLength('table feature property', len, 4, p, end, false);
    // Properties are padded to 8 bytes; the padding is not in their length.
    const padded = (len + 7) & ~7;
    need(p, padded, end, 'table feature property padding');
    props.push(decodeProperty(b, p, type, len));
    p += padded;
  }
  return props;
}

export function decodeTableFeaturesList(b: Buffer, start: number, end: number): TableFeatures[] {
  const out: TableFeatures[] = [];
  let p = start;
  while (p < end) {
    need(p, TABLE_FEATURES_FIXED_LEN, end, 'table features');
    const len = u16(b, p);
    elementLength('table features', len, TABLE_FEATURES_FIXED_LEN, p, end, true);
    out.push({
      tableId: b[p + 2]!,
      name: fixedString(b, p + 8, 32),
      metadataMatch: u64(b, p + 40),
      metadataWrite: u64(b, p + 48),
      config: u32(b, p + 56),
      maxEntries: u32(b, p + 60),
      properties: decodeProperties(b, p + TABLE_FEATURES_FIXED_LEN, p + len),
    });
    p += len;
  }
  return out;
}

function encodeProperty(w: OfWriter, prop: TableFeatureProperty): void {
  const start = w.pos;
  const type = prop.type === 'unknown' ? prop.propertyType : PROP_NUMBERS.get(prop.type);
  if (type === undefined) throw new OpenFlowEncodeError('OFP_ENCODE_BAD_VALUE', `unknown table feature property ${prop.type}`);
  w.u16(type);
  w.u16(0);
  if ('ids' in prop) {
    for (const id of prop.ids) {
      w.u16(id.type);
      w.u16(4 + (id.data?.length ?? 0));
      if (id.data) w.bytes(id.data);
    }
  } else if ('tableIds' in prop) {
    for (const t of prop.tableIds) w.u8(t);
  } else if ('oxmIds' in prop) {
    for (const id of prop.oxmIds) {
      w.u32(id.header);
      if (id.experimenter !== undefined) w.u32(id.experimenter);
    }
  } else if (prop.type === 'unknown') {
    w.bytes(prop.data);
  } else {
    w.u32(prop.experimenter);
    w.u32(prop.expType);
    w.bytes(prop.data);
  }
  w.patch16(start + 2, w.pos - start);
  w.padTo8(start);
}

export function encodeTableFeaturesList(w: OfWriter, list: readonly TableFeatures[]): void {
  for (const t of list) {
    const start = w.pos;
    w.u16(0);
    w.u8(t.tableId);
    w.zeros(5);
    w.fixedString(t.name, 32);
    w.u64(t.metadataMatch);
    w.u64(t.metadataWrite);
    w.u32(t.config);
    w.u32(t.maxEntries);
    for (const prop of t.properties) encodeProperty(w, prop);
    w.patch16(start, w.pos - start);
  }
}
