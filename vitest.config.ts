import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['inference-service/src/**/*.test.ts', 'tooling/**/*.test.ts', 'test/**/*.test.ts', 'ohif-extension/src/**/*.test.ts'],
    // Suites start real Orthanc and Chromium processes; two cores are shared between them.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 2,
  },
});
