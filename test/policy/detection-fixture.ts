/** A Detection with quiet defaults; tests override only what they are about. */
import type { Detection } from '../../controller/detect/detection.js';

export function detection(over: Partial<Detection> = {}): Detection {
  return {
    src: '203.0.113.7',
    dst: '10.0.0.2',
    proto: 6,
    dstPort: 80,
    at: 0,
    pattern: 'many-to-single',
    attackType: 'syn-flood',
    confidence: 0.9,
    severity: 'medium',
    connections: 25,
    packetRate: 25,
    byteRate: 25 * 60,
    vectors: [],
    subnetAttack: false,
    regularTiming: false,
    features: {},
    signals: [],
    ...over,
  };
}
