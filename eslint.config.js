// Lint for the whole tree (npm run lint, and .ci/run): typescript-eslint's recommended
// rules, with the few this codebase decides otherwise about stated here and why.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'reports/', 'controller/dashboard/page/vendor/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: { console: 'readonly', process: 'readonly', Buffer: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', setImmediate: 'readonly', URL: 'readonly', TextEncoder: 'readonly', TextDecoder: 'readonly', performance: 'readonly', fetch: 'readonly', AbortController: 'readonly', structuredClone: 'readonly', queueMicrotask: 'readonly', globalThis: 'readonly' },
    },
    rules: {
      // Destructuring a field away (`const { rate: _r, ...rest } = d`) is how a record drops one: named with a leading _.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_', caughtErrors: 'none' }],
      // Non-null assertions follow bounds checks on typed arrays in the hot paths (noUncheckedIndexedAccess is on).
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    // The CLI prints what the admin API answers and the Mininet client what its Python
    // driver answers: JSON whose shape is defined on the other side (api/views.ts,
    // scripts/mininet_driver.py), read here field by field for display.
    files: ['controller/cli/commands.ts', 'controller/mininet/client.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // Tests build malformed input on purpose and reach into results loosely.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
