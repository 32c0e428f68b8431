/**
 * What the admin API and the metrics read and call on the running product: a slice of
 * Guard, so a test can serve a Guard that listens on port 0 with no switch connected.
 */
import type { Guard } from '../guard.js';

export type ApiGuard = Pick<Guard, 'policy' | 'detect' | 'enforcer' | 'store' | 'controller' | 'counters' | 'enforce' | 'on' | 'off'>;
