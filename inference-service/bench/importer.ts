import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { importModel } from '../src/torch/index.ts';
import { ms, report } from './stats.ts';

/** Names the environment variable that points the import benchmark at a full-size checkpoint. */
export const benchCheckpointEnv = 'CXR_BENCH_CHECKPOINT';

/**
 * Issue 3's figure: importing a full-size (~28 MB) TorchXRayVision checkpoint. The real file cannot be
 * downloaded here; `/usr/bin/python3 scripts/reference/make_torch_fixtures.py --full DIR` makes one of the
 * same structure with Debian's PyTorch. Imported into a temporary models folder: the active model stays.
 */
export async function benchImport(): Promise<void> {
  const file = process.env[benchCheckpointEnv];
  if (!file) {
    console.log(`\nImport not measured: set ${benchCheckpointEnv} to a full-size .pt file (see inference-service/bench/importer.ts).`);
    return;
  }
  const modelsDir = await mkdtemp(join(tmpdir(), 'cxr-bench-import-'));
  try {
    const samples: number[] = [];
    for (let i = 0; i < 3; i += 1) {
      const t0 = performance.now();
      await importModel(file, { modelsDir });
      samples.push(performance.now() - t0);
    }
    samples.sort((a, b) => a - b);
    console.log(`\nImporting ${file} (${((await stat(file)).size / 1e6).toFixed(1)} MB): read, unpickle, check, build ONNX, write, activate:`);
    report([['median of 3', ms(samples[1] ?? Number.NaN), '≤ 3 s']]);
  } finally {
    await rm(modelsDir, { recursive: true, force: true });
  }
}
