/**
 * A minimal MaxMind DB (v2) writer for tests: IPv4 tree, 24-bit records, maps of strings.
 * No writer package exists on the registry for Node (mmdb-writer is Python-only), and the
 * format is small enough to write here (spec: maxmind.github.io/MaxMind-DB).
 */
type Value = string | number | Value[] | { [k: string]: Value };

function ctrl(type: number, size: number): Buffer {
  // Only sizes < 29 are needed here (short strings, small maps).
  if (size >= 29) throw new RangeError('value too large for this writer');
  return type <= 7 ? Buffer.from([(type << 5) | size]) : Buffer.from([size, type - 7]);
}

function uint(type: number, n: number | bigint): Buffer {
  const bytes: number[] = [];
  let v = BigInt(n);
  while (v > 0n) {
    bytes.unshift(Number(v & 0xffn));
    v >>= 8n;
  }
  return Buffer.concat([ctrl(type, bytes.length), Buffer.from(bytes)]);
}

export function encode(v: Value, types: Record<string, number> = {}, key = ''): Buffer {
  if (typeof v === 'string') {
    const b = Buffer.from(v, 'utf8');
    return Buffer.concat([ctrl(2, b.length), b]);
  }
  if (typeof v === 'number') return uint(types[key] ?? 6, v);
  if (Array.isArray(v)) return Buffer.concat([ctrl(11, v.length), ...v.map((x) => encode(x, types))]);
  const entries = Object.entries(v);
  return Buffer.concat([ctrl(7, entries.length), ...entries.flatMap(([k, x]) => [encode(k), encode(x, types, k)])]);
}

/** Builds a database mapping IPv4 CIDRs to records. */
export function buildMmdb(networks: [cidr: string, record: Value][]): Buffer {
  type Node = [Node | number | undefined, Node | number | undefined];
  const root: Node = [undefined, undefined];
  const data: Buffer[] = [];
  let dataLen = 0;
  for (const [cidr, record] of networks) {
    const [addr, lenText] = cidr.split('/');
    const len = Number(lenText ?? 32);
    const ip = addr!.split('.').reduce((a, o) => a * 256 + Number(o), 0);
    const offset = dataLen;
    const enc = encode(record);
    data.push(enc);
    dataLen += enc.length;
    let node = root;
    for (let bit = 0; bit < len; bit++) {
      const side = Math.floor(ip / 2 ** (31 - bit)) % 2;
      if (bit === len - 1) node[side] = { data: offset } as never;
      else {
        if (typeof node[side] !== 'object' || (node[side] as { data?: number }).data !== undefined) node[side] = [undefined, undefined];
        node = node[side] as Node;
      }
    }
  }
  const order: Node[] = [];
  const ids = new Map<Node, number>();
  const visit = (n: Node): void => {
    ids.set(n, order.length);
    order.push(n);
    for (const c of n) if (Array.isArray(c)) visit(c);
  };
  visit(root);
  const count = order.length;
  const rec = (c: Node[0]): number => {
    if (c === undefined) return count;
    if (Array.isArray(c)) return ids.get(c)!;
    return count + 16 + (c as unknown as { data: number }).data;
  };
  const tree = Buffer.alloc(count * 6);
  order.forEach((n, i) => {
    tree.writeUIntBE(rec(n[0]), i * 6, 3);
    tree.writeUIntBE(rec(n[1]), i * 6 + 3, 3);
  });
  const meta = encode(
    {
      binary_format_major_version: 2,
      binary_format_minor_version: 0,
      build_epoch: 1_700_000_000,
      database_type: 'ofguard-test-country',
      description: { en: 'test' },
      ip_version: 4,
      languages: ['en'],
      node_count: count,
      record_size: 24,
    },
    { binary_format_major_version: 5, binary_format_minor_version: 5, build_epoch: 9, ip_version: 5, record_size: 5, node_count: 6 },
  );
  return Buffer.concat([tree, Buffer.alloc(16), ...data, Buffer.from([0xab, 0xcd, 0xef]), Buffer.from('MaxMind.com'), meta]);
}
