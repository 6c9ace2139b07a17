import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { DenseNetArchitecture, WeightMap } from '../../inference-service/src/model/index.ts';
import { repoRoot } from '../support/paths.ts';

/** Written by scripts/reference/make_densenet_fixture.py (PyTorch 1.13, TorchXRayVision's module names). */
export const densenetFixtureDir = resolve(repoRoot, 'test/fixtures/densenet');

interface WeightsIndex {
  architecture: DenseNetArchitecture;
  numClasses: number;
  tensors: { name: string; shape: number[]; offset: number }[];
}

export interface DenseNetFixture {
  readonly architecture: DenseNetArchitecture;
  readonly numClasses: number;
  readonly weights: WeightMap;
  /** PyTorch's outputs on fixtureInput(0..2). */
  readonly logits: number[][];
  readonly probabilities: number[][];
  readonly featureShape: [number, number, number, number];
  /** [N, C, h, w] post-ReLU feature maps, row-major. */
  readonly features: Float32Array;
}

async function readFloats(path: string): Promise<Float32Array> {
  const bytes = await readFile(path);
  // Copied to an aligned buffer: Node's pooled Buffers may start at any byte offset.
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

/** Reads `<stem>.weights.json/.bin`, `<stem>.outputs.json`, `<stem>.features.bin` (stem 'reduced' is committed). */
export async function readDenseNetFixture(dir = densenetFixtureDir, stem = 'reduced'): Promise<DenseNetFixture> {
  const index = JSON.parse(await readFile(resolve(dir, `${stem}.weights.json`), 'utf8')) as WeightsIndex;
  const all = await readFloats(resolve(dir, `${stem}.weights.bin`));
  const weights: WeightMap = new Map();
  for (const { name, shape, offset } of index.tensors) {
    const size = shape.reduce((a, b) => a * b, 1);
    weights.set(name, { shape, data: all.subarray(offset, offset + size) });
  }
  const outputs = JSON.parse(await readFile(resolve(dir, `${stem}.outputs.json`), 'utf8')) as {
    logits: number[][];
    probabilities: number[][];
    featureShape: [number, number, number, number];
  };
  return {
    architecture: index.architecture,
    numClasses: index.numClasses,
    weights,
    logits: outputs.logits,
    probabilities: outputs.probabilities,
    featureShape: outputs.featureShape,
    features: await readFloats(resolve(dir, `${stem}.features.bin`)),
  };
}
