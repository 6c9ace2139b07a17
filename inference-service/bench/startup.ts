/**
 * What a person running the command line waits for, start-up included: a one-image `classify` of the
 * compiled CLI against the same command through tsx (the sources compiled at every start, as before the
 * build), run alternately so both see the same host; and 13 images in one run against the Python pipeline
 * it replaces (one interpreter over the same files), when Debian's python3-torch is installed.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { makeDistinctCopies } from './distinctImages.ts';
import { summarize } from './stats.ts';

const repoRoot = resolve(import.meta.dirname, '../..');
const realImage = resolve(repoRoot, '../shared/data/cxr/siim-pa-jpeg-baseline.dcm');
const bin = resolve(repoRoot, 'inference-service/bin/cxr-findings.mjs');
const tsxCli = [resolve(repoRoot, 'node_modules/tsx/dist/cli.mjs'), resolve(repoRoot, 'inference-service/src/cli/main.ts')];

function wallMs(command: string, args: readonly string[]): number {
  const t0 = performance.now();
  const result = spawnSync(command, args, { cwd: repoRoot, encoding: 'utf8' });
  const ms = performance.now() - t0;
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${result.stderr}`);
  return ms;
}

const range = (samples: number[]): string => {
  const s = summarize(samples);
  return `median ${(s.median / 1000).toFixed(2)} s (${(Math.min(...samples) / 1000).toFixed(2)}–${(Math.max(...samples) / 1000).toFixed(2)})`;
};

export async function benchStartup(): Promise<void> {
  const compiled: number[] = [];
  const throughTsx: number[] = [];
  for (let i = 0; i < 7; i += 1) {
    compiled.push(wallMs(process.execPath, [bin, 'classify', realImage]));
    throughTsx.push(wallMs(process.execPath, [...tsxCli, 'classify', realImage]));
  }
  const ratio = summarize(compiled).median / summarize(throughTsx).median;
  console.log(`one-image classify, wall: compiled ${range(compiled)}; through tsx ${range(throughTsx)}; ratio ${ratio.toFixed(2)}`);

  const dir = await mkdtemp(join(tmpdir(), 'cxr-bench-startup-'));
  try {
    const files = await makeDistinctCopies(realImage, dir, 13, 'image');
    const cli: number[] = [];
    const python: number[] = [];
    const hasTorch = spawnSync('/usr/bin/python3', ['-c', 'import torch, skimage, pydicom'], { encoding: 'utf8' }).status === 0;
    const script = resolve(import.meta.dirname, 'python_baseline.py');
    for (let i = 0; i < 3; i += 1) {
      cli.push(wallMs(process.execPath, [bin, 'classify', ...files]));
      if (hasTorch) python.push(wallMs('/usr/bin/python3', [script, '--files', ...files]));
    }
    console.log(`13 images in one run, wall: CLI ${range(cli)}`);
    if (hasTorch) {
      console.log(`  Python pipeline ${range(python)}; the CLI is ${(summarize(python).median / summarize(cli).median).toFixed(1)}× faster`);
    } else {
      console.log('  Python pipeline not run (needs Debian python3-torch, python3-skimage, python3-pydicom).');
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
