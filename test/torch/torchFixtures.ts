import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { repoRoot } from '../support/paths.ts';

/** Checkpoints and PyTorch's recorded outputs, made by scripts/reference/make_torch_fixtures.py. */
export const torchFixturesDir = resolve(repoRoot, 'test/fixtures/torch');
export const torchFixture = (name: string): string => resolve(torchFixturesDir, name);

/** The file the malicious fixtures would create if anything ever ran them. */
export const pickleExecutedMarker = '/tmp/cxr-findings-pickle-was-executed';

export interface ReferenceImage {
  readonly logits: number[];
  readonly probabilities: number[];
  readonly cam7: number[];
  readonly camUpsampledPeak: { x: number; y: number; value: number };
  readonly camUpsampledBox: { level: number; x0: number; y0: number; x1: number; y1: number };
  readonly camUpsampledSampleStep: number;
  readonly camUpsampledSamples: number[];
}

export interface TinyDenseNetReference {
  readonly architecture: { growthRate: number; blockConfig: number[]; numInitFeatures: number; bnSize: number; numClasses: number };
  readonly stateDictNames: string[];
  readonly files: Record<'legacyModule' | 'zipStateDict' | 'halfZipStateDict', { file: string; sha256: string }>;
  readonly camFinding: number;
  readonly crop: { x: number; y: number; size: number; resolution: number };
  readonly originalSize: { width: number; height: number };
  readonly images: ReferenceImage[];
}

export const readJson = <T>(name: string): T => JSON.parse(readFileSync(torchFixture(name), 'utf8')) as T;

/**
 * The script's fixed inputs, rebuilt with the same integer arithmetic (so they are exact): `pattern`, a
 * high-frequency texture, and `blob`, a bright disc at (150, 80) on a faint texture; [-1024, 1024], 224².
 */
export function fixedInputs(resolution = 224): Float32Array[] {
  const pattern = new Float32Array(resolution * resolution);
  const blob = new Float32Array(resolution * resolution);
  for (let y = 0; y < resolution; y++) {
    for (let x = 0; x < resolution; x++) {
      pattern[y * resolution + x] = ((x * x + 3 * y * y + 5 * x * y + 7 * x) % 2049) - 1024;
      const disc = Math.max(1024 - Math.floor(((x - 150) ** 2 + (y - 80) ** 2) / 8), -1024);
      blob[y * resolution + x] = Math.min(1024, Math.max(-1024, disc + ((x * 7 + y * 13) % 97) - 48));
    }
  }
  return [pattern, blob];
}
