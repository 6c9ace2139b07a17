/**
 * Bilinear upsampling of a small map as `torch.nn.functional.interpolate(mode='bilinear',
 * align_corners=False, size=…)` does it: output pixel p samples the input at (p + ½)·in/out − ½, clamped at
 * 0 below and at the last sample above, so the map is constant beyond the outermost sample centres.
 */

export interface AxisSample {
  readonly i0: number;
  readonly i1: number;
  /** Weight of i1. */
  readonly t: number;
}

/** Where output coordinate `p` (a pixel index, or any real number) samples an axis of `inSize` values. */
export function axisSample(p: number, inSize: number, outSize: number): AxisSample {
  const src = Math.max(0, ((p + 0.5) * inSize) / outSize - 0.5);
  const i0 = Math.min(Math.floor(src), inSize - 1);
  const i1 = Math.min(i0 + 1, inSize - 1);
  return { i0, i1, t: i1 === i0 ? 0 : src - i0 };
}

/** The upsampled value at output pixel (px, py) of a `height × width` row-major map upsampled to `outSize²`. */
export function bilinearAt(map: ArrayLike<number>, width: number, height: number, outSize: number, px: number, py: number): number {
  return interpolate(map, width, axisSample(px, width, outSize), axisSample(py, height, outSize));
}

/** The value between the samples `x` and `y` name, for callers that reuse the axis samples of many pixels. */
export function interpolate(map: ArrayLike<number>, width: number, x: AxisSample, y: AxisSample): number {
  const row0 = y.i0 * width;
  const row1 = y.i1 * width;
  const top = (map[row0 + x.i0] ?? 0) * (1 - x.t) + (map[row0 + x.i1] ?? 0) * x.t;
  const bottom = (map[row1 + x.i0] ?? 0) * (1 - x.t) + (map[row1 + x.i1] ?? 0) * x.t;
  return top * (1 - y.t) + bottom * y.t;
}

/**
 * The output pixels at which the upsampled map can reach an extreme along one axis. Between two adjacent
 * sample centres the interpolation is linear in each axis, so over the integer pixels of that stretch its
 * maximum and minimum lie at the stretch's first or last pixel: the floor or ceiling of a sample centre's
 * position (p = (i + ½)·out/in − ½), or the image edge, where the clamped map equals the outermost sample.
 */
export function extremeCandidates(inSize: number, outSize: number): number[] {
  const out = new Set<number>();
  for (let i = 0; i < inSize; i++) {
    const p = ((i + 0.5) * outSize) / inSize - 0.5;
    for (const q of [Math.floor(p), Math.ceil(p)]) out.add(Math.min(outSize - 1, Math.max(0, q)));
  }
  return [...out].sort((a, b) => a - b);
}

/** The whole upsampled map, `outSize²` row-major (for overlays and tests; peaks and regions do not need it). */
export function upsampleBilinear(map: ArrayLike<number>, width: number, height: number, outSize: number): Float32Array {
  const out = new Float32Array(outSize * outSize);
  const xs = Array.from({ length: outSize }, (_, p) => axisSample(p, width, outSize));
  for (let py = 0; py < outSize; py++) {
    const y = axisSample(py, height, outSize);
    for (let px = 0; px < outSize; px++) {
      const x = xs[px] as AxisSample;
      const top = (map[y.i0 * width + x.i0] ?? 0) * (1 - x.t) + (map[y.i0 * width + x.i1] ?? 0) * x.t;
      const bottom = (map[y.i1 * width + x.i0] ?? 0) * (1 - x.t) + (map[y.i1 * width + x.i1] ?? 0) * x.t;
      out[py * outSize + px] = top * (1 - y.t) + bottom * y.t;
    }
  }
  return out;
}
