import { randomInt } from 'node:crypto';
import { defineConfig } from 'vitest/config';
import { modelsDirEnv } from './inference-service/src/config/paths.ts';
import { testModelsDir } from './test/support/testModels.ts';

// Files, and the tests in them, run in a new order every time, so none can lean on another's leftovers
// (a scenario whose steps build on each other says so with `describe(name, { shuffle: false }, …)`); the
// seed is printed so a failing order can be replayed with CXR_TEST_SEED.
const seed = Number(process.env.CXR_TEST_SEED) || randomInt(1, 2 ** 31);
console.log(`vitest: tests shuffled with seed ${seed} (CXR_TEST_SEED=${seed} repeats this order)`);

export default defineConfig({
  test: {
    include: ['inference-service/src/**/*.test.ts', 'tooling/**/*.test.ts', 'test/**/*.test.ts', 'ohif-extension/src/**/*.test.ts'],
    globalSetup: ['test/support/globalSetup.ts'],
    env: { [modelsDirEnv]: testModelsDir },
    sequence: { shuffle: { files: true, tests: true }, seed },
    // Suites start real Orthanc and Chromium processes; two cores are shared between them.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 2,
  },
});
