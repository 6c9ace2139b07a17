import { resolve } from 'node:path';
import { repoRoot } from './paths.ts';

/** The tests' own models dir: the demo model, built once per machine and checked at every run. */
export const testModelsDir = resolve(repoRoot, '.cache', 'test-models');
