#!/usr/bin/env node
// Copies the non-TypeScript files the compiled controller reads at run time into dist/
// (tsc copies only what it compiles): the bundled classifier model.
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
for (const file of ['controller/detect/model.json']) {
  const to = join(root, 'dist', file);
  mkdirSync(dirname(to), { recursive: true });
  copyFileSync(join(root, file), to);
}
