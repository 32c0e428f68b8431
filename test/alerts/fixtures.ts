/** A detection and a decision as the core emits them, for the alert tests. */
import type { Detection } from '../../controller/detect/detection.js';
import type { Decision } from '../../controller/policy/decision.js';

export const at = Date.UTC(2025, 0, 1, 12, 0, 0);

export function scanDetection(over: Partial<Detection> = {}): Detection {
  return {
    src: '10.0.0.9', at, pattern: 'single-to-many', attackType: 'scan', confidence: 0.97, severity: 'high',
    connections: 250, packetRate: 260.4, byteRate: 15_000, vectors: ['scan'], subnetAttack: false, regularTiming: true,
    features: { distinctPorts: 300 },
    signals: [{ name: 'pattern.single-to-many', points: 15, detail: '300 ports in 5 s' }],
    ...over,
  };
}

export function dropDecision(over: Partial<Decision> = {}): Decision {
  return {
    id: 42, target: { src: '10.0.0.6', dst: '10.0.0.1', proto: 6, dstPort: 8080 }, action: 'drop', threatLevel: 'medium',
    score: 87.4, trust: 0.5, reason: 'SYN flood', origin: 'auto', offence: 2, createdAt: at, expiresAt: at + 600_000,
    signals: [{ name: 'base.connections', points: 50, detail: '1200 conn/s ≥ 100' }, { name: 'pattern.many-to-single', points: 15 }],
    ...over,
  };
}
