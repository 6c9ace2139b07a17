/**
 * The suite again on Node 24 LTS (the Docker image's runtime), from the npm registry's binary: vitest, and
 * every CLI or server process the tests spawn, run on it. The image test is left out: it already runs the
 * image's tree on Node 24.
 *
 *   npm run test:node24 [-- vitest arguments]
 */
import { spawnSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { ensureNode24 } from '../tooling/node24.ts';

const repoRoot = resolve(import.meta.dirname, '..');
const node = ensureNode24();
const vitest = resolve(repoRoot, 'node_modules/vitest/vitest.mjs');
const args = process.argv.slice(2);
console.log(`test:node24: ${spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim()}`);
const result = spawnSync(node, [vitest, 'run', '--exclude', 'test/deployment/**', ...args], {
  cwd: repoRoot,
  stdio: 'inherit',
  env: { ...process.env, PATH: `${dirname(node)}:${process.env.PATH ?? ''}` },
});
process.exit(result.status ?? 1);
