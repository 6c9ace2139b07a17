import { denseNetTensorShapes } from './denseNetLayout.ts';
import type { DenseNetArchitecture, WeightMap } from './denseNetLayout.ts';

/** mulberry32: a tiny 32-bit PRNG, fully determined by its seed on every platform; uniform in [0, 1). */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal deviates by Box–Muller, both of each pair used. */
function normalSource(uniform: () => number): () => number {
  let spare: number | undefined;
  return () => {
    if (spare !== undefined) {
      const s = spare;
      spare = undefined;
      return s;
    }
    const r = Math.sqrt(-2 * Math.log(1 - uniform()));
    const theta = 2 * Math.PI * uniform();
    spare = r * Math.sin(theta);
    return r * Math.cos(theta);
  };
}

const logit = (p: number): number => Math.log(p / (1 - p));

/** TorchXRayVision's input range is ±1024; conv0 is scaled so its outputs start near unit variance. */
const inputScale = 1024;

/**
 * Seeded, deterministic weights for the full DenseNet topology: He-normal convolutions, BatchNorm statistics
 * close to identity so activations stay of order one through 120 layers, and a classifier whose bias puts each
 * finding's sigmoid near its operating threshold (so op_norm spreads the outputs around 0.5 instead of pinning
 * them at 0 or 1). The numbers mean nothing clinically; they make the product run end to end.
 */
export function createDemoWeights(
  arch: DenseNetArchitecture,
  numClasses: number,
  seed: number,
  operatingThresholds?: readonly number[],
): WeightMap {
  const uniform = mulberry32(seed);
  const normal = normalSource(uniform);
  const between = (lo: number, hi: number): number => lo + (hi - lo) * uniform();
  const weights: WeightMap = new Map();
  for (const [name, shape] of denseNetTensorShapes(arch, numClasses)) {
    const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
    const fanIn = shape.slice(1).reduce((a, b) => a * b, 1);
    const suffix = name.slice(name.lastIndexOf('.') + 1);
    let fill: (i: number) => number;
    if (name === 'classifier.weight') {
      const std = 2 / Math.sqrt(fanIn);
      fill = () => std * normal();
    } else if (name === 'classifier.bias') {
      fill = (i) => logit(operatingThresholds?.[i] ?? 0.5) + 0.5 * normal();
    } else if (shape.length === 4) {
      const std = Math.sqrt(2 / fanIn) / (name === 'features.conv0.weight' ? inputScale : 1);
      fill = () => std * normal();
    } else if (suffix === 'weight') {
      fill = () => between(0.8, 1.2);
    } else if (suffix === 'bias') {
      fill = () => 0.1 * normal();
    } else if (suffix === 'running_mean') {
      fill = () => 0.1 * normal();
    } else {
      fill = () => between(0.8, 1.2);
    }
    for (let i = 0; i < data.length; i++) data[i] = fill(i);
    weights.set(name, { shape, data });
  }
  return weights;
}
