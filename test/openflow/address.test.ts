/** formatIpv4 through its cache: always the dotted quad of the bytes, collisions included. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { formatIpv4 } from '../../controller/openflow/address.js';

test('every address formats correctly when seen again after others took its slot', () => {
  // 20,000 addresses through a 4,096-slot cache, twice, plus the all-zero key the slots start with.
  const addresses = [0, 0xffffffff, 0x0a000001, 0x7f000001, 0xc0a80101];
  for (let i = 0; i < 20000; i++) addresses.push((i * 2654435761) >>> 0);
  const buf = Buffer.alloc(4);
  for (let round = 0; round < 2; round++) {
    for (const a of addresses) {
      buf.writeUInt32BE(a);
      assert.is(formatIpv4(buf, 0), `${buf[0]}.${buf[1]}.${buf[2]}.${buf[3]}`);
    }
  }
});

test.run();
