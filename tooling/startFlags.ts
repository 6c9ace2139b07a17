import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The Node flags `npm start` gives scripts/start.ts (package.json's start script): tests that start the
 * product and the bench's in-process sidecar run with them, so what they measure is what ships.
 */
export async function startFlags(repoRoot: string): Promise<string[]> {
  const { scripts } = JSON.parse(await readFile(join(repoRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  const command = /tsx ((?:--\S+ )*)scripts\/start\.ts/.exec(scripts['start'] ?? '');
  if (!command) throw new Error(`package.json's start script does not run scripts/start.ts with tsx: ${scripts['start']}`);
  return (command[1] ?? '').split(' ').filter(Boolean);
}

/**
 * The Node flags on the `cxr-findings` command's `#!` line (inference-service/bin/cxr-findings.mjs), which
 * `npx cxr-findings` runs with: the bench's folder section runs the CLI's path with them.
 */
export async function binFlags(repoRoot: string): Promise<string[]> {
  const [first = ''] = (await readFile(join(repoRoot, 'inference-service/bin/cxr-findings.mjs'), 'utf8')).split('\n', 1);
  const line = /^#!\/usr\/bin\/env (?:-S )?node((?: --\S+)*)$/.exec(first);
  if (!line) throw new Error(`inference-service/bin/cxr-findings.mjs does not start with a '#!/usr/bin/env -S node [flags]' line: ${first}`);
  return (line[1] ?? '').split(' ').filter(Boolean);
}
