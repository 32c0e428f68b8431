/** Training data from recorded traces: labels come from the header's attack windows. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { attackWindows, samplesFromTrace } from '../../controller/detect/train.js';
import { generateTrace } from '../../controller/detect/synthetic.js';
import { FeatureExtractor } from '../../controller/detect/features.js';
import { parseDetectConfig } from '../../controller/detect/config.js';
import type { TraceHeader } from '../../controller/replay/codec.js';

const header = (meta: unknown): TraceHeader => ({ format: 'ofguard-trace', version: 1, createdAt: 0, meta } as TraceHeader);

test('a source is its attack inside its window and benign outside it', () => {
  const { snapshots, labels } = generateTrace({ seed: 3, intervals: 12, perKind: 1 });
  const [src, type] = [...labels].find(([, t]) => t === 'syn-flood')!;
  const t0 = snapshots[0]!.now;
  const window = { src, type, from: t0 + 4000, to: t0 + 8000 };
  const samples = samplesFromTrace({ header: header({ attacks: [window] }), snapshots });
  // The same candidates, in the same order, as the engine's feature extractor gives.
  const fx = new FeatureExtractor(parseDetectConfig({ maxSources: 8192 }));
  let fromSrc = 0;
  const expected = snapshots.flatMap((s) => fx.ingest(s).map((c) => {
    if (c.src !== src) return 'benign';
    fromSrc++;
    return c.srcPrefix === undefined && s.now >= window.from && s.now <= window.to ? type : 'benign';
  }));
  assert.equal(samples.map((x) => x.label), expected);
  const labeled = samples.filter((x) => x.label === 'syn-flood').length;
  assert.ok(labeled > 0 && labeled < fromSrc, `the window labels ${labeled} of the source's ${fromSrc} candidates`);
});

test('a trace without valid attack windows is refused, naming the problem', () => {
  assert.throws(() => attackWindows(header(undefined)), /meta\.attacks/);
  assert.throws(() => attackWindows(header({ attacks: [{ src: '10.0.0.6', type: 'teardrop', from: 0, to: 1 }] })), /meta\.attacks\[0\]/);
  assert.throws(() => attackWindows(header({ attacks: [{ src: '10.0.0.6', type: 'scan', from: 5, to: 1 }] })), /meta\.attacks\[0\]/);
  assert.is(attackWindows(header({ attacks: [{ src: '10.0.0.6', type: 'scan', from: 1, to: 5 }] })).length, 1);
});

test.run();
