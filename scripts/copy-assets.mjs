#!/usr/bin/env node
// Puts into dist/ what the compiled controller reads at run time beside the JavaScript tsc
// emits: the bundled classifier model, and the dashboard (controller/dashboard/page: its
// TypeScript type-checked with its own browser tsconfig, then bundled with uPlot by
// esbuild into dist/dashboard/app.js; HTML and CSS copied). Everything is local: the page
// loads nothing from elsewhere.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

function copy(from, to) {
  mkdirSync(dirname(to), { recursive: true });
  copyFileSync(from, to);
}

for (const file of ['controller/detect/model.json']) copy(join(root, file), join(root, 'dist', file));

const page = join(root, 'controller/dashboard/page');
const out = join(root, 'dist/dashboard');
execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', join(page, 'tsconfig.json')], { stdio: 'inherit' });
await build({
  entryPoints: [join(page, 'main.mts')],
  outfile: join(out, 'app.js'),
  bundle: true,
  format: 'esm',
  target: ['chrome110', 'firefox110', 'safari16'],
  minify: true,
  // uPlot's MIT notice stays in the bundle.
  legalComments: 'eof',
  logLevel: 'warning',
});
copy(join(page, 'index.html'), join(out, 'index.html'));
copy(join(page, 'app.css'), join(out, 'app.css'));
copy(require.resolve('uplot/dist/uPlot.min.css'), join(out, 'uplot.css'));
