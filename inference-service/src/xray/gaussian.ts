/**
 * scipy.ndimage's 1-D Gaussian as `gaussian_filter1d` builds it: radius `int(truncate·σ + 0.5)`, weights
 * `exp(−0.5/σ² · x²)` normalised to sum 1 (scipy 1.10, the version Debian's scikit-image 0.19 runs on).
 */
export function gaussianWeights(sigma: number, truncate = 4): Float64Array {
  if (!(sigma > 0)) throw new RangeError(`gaussianWeights: sigma ${sigma} must be positive`);
  const radius = Math.trunc(truncate * sigma + 0.5);
  const weights = new Float64Array(2 * radius + 1);
  const factor = -0.5 / (sigma * sigma);
  let sum = 0;
  for (let i = -radius; i <= radius; i++) {
    const w = Math.exp(factor * i * i);
    weights[i + radius] = w;
    sum += w;
  }
  for (let i = 0; i < weights.length; i++) weights[i] = (weights[i] as number) / sum;
  return weights;
}

/** scipy skips an axis whose σ is at most this (gaussian_filter), so the filter there is the identity. */
export const negligibleSigma = 1e-15;

/**
 * scikit-image's default anti-aliasing σ for one axis of `resize`: `max(0, (s − 1)/2)` with
 * `s = input/output`. It is 0 on an axis that is kept or enlarged.
 */
export function antiAliasSigma(inputSize: number, outputSize: number): number {
  return Math.max(0, (inputSize / outputSize - 1) / 2);
}
