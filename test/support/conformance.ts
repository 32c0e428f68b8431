/**
 * Where the OpenFlow 1.3 conformance vectors live: inside the repository (Ryu's test data,
 * see the README there), so a plain clone carries everything its tests read.
 */
import { fileURLToPath } from 'node:url';

export const CONFORMANCE_OF13_DIR = fileURLToPath(new URL('../fixtures/conformance/ryu-of13/', import.meta.url));
