import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readModelCard, upstreamCardPath } from '../../inference-service/src/model/index.ts';
import type { DenseNetArchitecture, ModelCard } from '../../inference-service/src/model/index.ts';

/** A scratch directory for built models, removed by the returned `remove()`. */
export async function scratchDir(): Promise<{ dir: string; write: (name: string, bytes: Uint8Array) => Promise<string>; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'cxr-model-'));
  return {
    dir,
    write: async (name, bytes) => {
      const path = join(dir, name);
      await writeFile(path, bytes);
      return path;
    },
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

/** The upstream card (18 real labels and thresholds), with another architecture when given. */
export async function cardWith(architecture?: DenseNetArchitecture): Promise<ModelCard> {
  const upstream = await readModelCard(upstreamCardPath);
  return architecture ? { ...upstream, id: 'test-densenet', kind: 'custom', architecture } : upstream;
}
