import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { generateTrace } from '../../controller/detect/synthetic.js';

test('same seed, same trace; another seed, another trace', () => {
  const a = generateTrace({ seed: 5, intervals: 6 });
  const b = generateTrace({ seed: 5, intervals: 6 });
  const c = generateTrace({ seed: 6, intervals: 6 });
  assert.equal(a.snapshots, b.snapshots);
  assert.equal([...a.labels], [...b.labels]);
  assert.not.equal(a.snapshots, c.snapshots);
});

test('every class is present, counters are consistent, time advances by the interval', () => {
  const { snapshots, labels } = generateTrace({ seed: 1, intervals: 5, intervalMs: 2000 });
  assert.equal(new Set(labels.values()), new Set(['benign', 'syn-flood', 'udp-flood', 'icmp-flood', 'scan', 'brute-force']));
  assert.is(snapshots[0]!.intervalMs, 0);
  for (let i = 1; i < snapshots.length; i++) {
    assert.is(snapshots[i]!.now - snapshots[i - 1]!.now, 2000);
    for (const f of snapshots[i]!.flows) {
      assert.ok(f.packets > 0 && Number.isInteger(f.packets) && f.bytes >= 0);
      assert.is(f.packetRate, f.packets / 2);
    }
  }
});

test.run();
