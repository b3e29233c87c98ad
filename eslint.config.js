// Lint for the TypeScript sources: ESLint's and typescript-eslint's recommended rules (no
// type-aware rules: `npm run typecheck` is the type gate). Generated and vendored files are ignored.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'docs/.vitepress/cache/**', 'docs/.vitepress/dist/**', 'coverage/**', 'test-results/**', 'bench/results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.{ts,tsx,mts,js,mjs}'],
    languageOptions: { globals: { ...globals.node } },
    rules: {
      // Unused arguments named _x are deliberate (interface conformance).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  {
    files: ['apps/web/src/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    // Tests and test tooling poke at untyped JSON and private internals on purpose.
    files: ['**/test/**', 'tests/**', 'apps/*/test/**', 'resilience/**', 'bench/**', 'loadtest/**'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
