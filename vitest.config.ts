import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // The layer worker runs compiled (dist/): a stale build fails the run instead of testing old code.
    setupFiles: ['test/setup/compiled-worker.ts'],
  },
});
