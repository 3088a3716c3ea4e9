import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['{core,adapters,gateway,connectors,scripts}/**/*.test.ts', 'test/*.test.ts', 'test/security/**/*.test.ts'],
          exclude: ['**/*.int.test.ts', 'node_modules/**'],
          // Sized for a loaded 2-core machine (another heavy process beside the suite), not for an idle one.
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.int.test.ts'],
          // One real Kafka broker and one real PostgreSQL server for the whole run, started by the harness.
          globalSetup: ['test/harness/global-setup.ts'],
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
