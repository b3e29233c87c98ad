import { defineConfig } from 'vitest/config';

// One test command for the whole repository: each area is a project with its own config.
export default defineConfig({
  test: {
    projects: ['apps/*/vitest.config.ts', 'packages/*/vitest.config.ts', 'tests/vitest.config.ts'],
  },
});
