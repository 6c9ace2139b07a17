import { antiAliasSigma, gaussianWeights, negligibleSigma } from './gaussian.ts';

/**
 * One axis of scikit-image's anti-aliased resize, folded into a single table: for output index o,
 * `out[o] = Σ_k weights[o·stride + k] · in[start[o] + k]` for `k < length[o]`.
 *
 * It composes two linear steps that skimage 0.19 runs one after the other on the whole image:
 * 1. `ndi.gaussian_filter(σ, mode='grid-constant', cval=0)`: outside the input counts as 0;
 * 2. `ndi.zoom(order=1, grid_mode=True, mode='grid-constant')`: output o samples input coordinate
 *    `c = (o + 0.5)·n/m − 0.5` (pixel centres aligned), linearly between ⌊c⌋ and ⌊c⌋+1, a neighbour
 *    outside the input contributing 0.
 * Bilinear sampling needs the filtered signal at only two indices per output, so the Gaussian is
 * evaluated there alone: the tap lists are the bilinear weights times the shifted Gaussian, clipped to
 * the input. Separable in 2-D, so rows and columns each get one of these.
 */
export interface AxisKernel {
  readonly inputSize: number;
  readonly outputSize: number;
  readonly start: Int32Array;
  readonly length: Int32Array;
  readonly weights: Float64Array;
  readonly stride: number;
}

export function axisKernel(inputSize: number, outputSize: number): AxisKernel {
  if (!Number.isInteger(inputSize) || !Number.isInteger(outputSize) || inputSize < 1 || outputSize < 1) {
    throw new RangeError(`axisKernel: sizes ${inputSize} → ${outputSize} must be positive integers`);
  }
  const sigma = antiAliasSigma(inputSize, outputSize);
  const gauss = sigma > negligibleSigma ? gaussianWeights(sigma) : Float64Array.of(1);
  const radius = (gauss.length - 1) / 2;
  const stride = gauss.length + 1;
  const start = new Int32Array(outputSize);
  const length = new Int32Array(outputSize);
  const weights = new Float64Array(outputSize * stride);
  const scale = inputSize / outputSize;

  for (let o = 0; o < outputSize; o++) {
    const c = (o + 0.5) * scale - 0.5;
    const i0 = Math.floor(c);
    const t = c - i0;
    const first = Math.max(0, i0 - radius);
    const last = Math.min(inputSize - 1, i0 + 1 + radius);
    start[o] = first;
    length[o] = Math.max(0, last - first + 1);
    const base = o * stride;
    addShiftedGaussian(weights, base, first, i0, 1 - t, gauss, radius, inputSize);
    addShiftedGaussian(weights, base, first, i0 + 1, t, gauss, radius, inputSize);
  }
  return { inputSize, outputSize, start, length, weights, stride };
}

/** Adds `w · gauss` centred on input index `centre` (if the centre is inside the input) to one tap list. */
function addShiftedGaussian(
  weights: Float64Array,
  base: number,
  first: number,
  centre: number,
  w: number,
  gauss: Float64Array,
  radius: number,
  inputSize: number,
): void {
  if (w === 0 || centre < 0 || centre >= inputSize) return;
  for (let k = -radius; k <= radius; k++) {
    const index = centre + k;
    if (index < 0 || index >= inputSize) continue;
    const slot = base + index - first;
    weights[slot] = (weights[slot] as number) + w * (gauss[k + radius] as number);
  }
}
