/**
 * Compiles the product (inference-service/src → inference-service/dist) with tsc: the CLI and the server
 * run from JavaScript, so a one-image `classify` pays no TypeScript compilation at start. Incremental, so
 * an unchanged tree takes a moment; the tests call it too, so they never run a stale build.
 */
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';

const repoRoot = resolve(import.meta.dirname, '../..');
export const buildConfig = resolve(repoRoot, 'inference-service/tsconfig.build.json');

export function buildProduct(): void {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  try {
    execFileSync(process.execPath, [tsc, '-p', buildConfig], { stdio: 'inherit' });
  } catch (cause) {
    throw new Error(`setup: compiling the product failed (tsc -p ${buildConfig}); see the errors above`, { cause });
  }
}
