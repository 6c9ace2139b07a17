/**
 * The product's Node flags (a young generation sized for an image's objects, a floor under the old
 * generation's limit) are written in three places that start it: `npm start`, the Docker image's CMD and
 * the `cxr-findings` command's `#!` line. They must say the same, and the `#!` line must run.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { binFlags, startFlags } from '../../tooling/startFlags.ts';
import { repoRoot } from '../support/paths.ts';

const run = promisify(execFile);

/** The final CMD of the sidecar's Dockerfile, as its JSON array. */
async function dockerCmd(): Promise<string[]> {
  const dockerfile = await readFile(join(repoRoot, 'inference-service/Dockerfile'), 'utf8');
  const cmds = [...dockerfile.matchAll(/^CMD (\[.*\])\s*$/gm)];
  const last = cmds.at(-1);
  if (!last) throw new Error('inference-service/Dockerfile has no CMD');
  return JSON.parse(last[1]!) as string[];
}

describe("the product's Node flags", () => {
  it('are the same for npm start, the Docker image and the cxr-findings command', async () => {
    const flags = await startFlags(repoRoot);
    expect(flags).toContain('--initial-old-space-size=128');
    expect(await binFlags(repoRoot)).toEqual(flags);
    expect(await dockerCmd()).toEqual(['node', ...flags, 'inference-service/bin/cxr-findings.mjs', 'serve']);
  });

  it('the cxr-findings command starts through its own #! line, as npx runs it', async () => {
    // Executed as a file, not as `node bin`: env(1) splits the line (-S) and Node must accept every flag.
    const { stdout } = await run(join(repoRoot, 'inference-service/bin/cxr-findings.mjs'), ['--help'], { cwd: repoRoot });
    expect(stdout).toContain('cxr-findings <command> [options]');
  });
});
