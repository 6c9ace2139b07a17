import type { SampleArray } from './resize.ts';

/**
 * The scalar row sums of the resize, for the frames simd/simdRowSums.ts does not take (float32 images,
 * signed 16-bit frames): adds `n` whole input rows, weighted, into one line,
 * `line[i] += Σ_j weights[w + j] · src[rowBase + j·rowStep + i]` for `i` in [first, end).
 *
 * Eight, then four rows per pass: fewer loads and stores of `line` per multiply-add (measured on V8:
 * one row per pass 5.1 ms, four 2.6 ms, eight 2.2 ms for the rows of a 1024² → 224² resize).
 */
export function rowPass(src: SampleArray, rowStep: number, rowBase: number, weights: Float64Array, w: number, n: number, line: Float64Array, first: number, end: number): void {
  let j = 0;
  for (; j + 8 <= n; j += 8, rowBase += 8 * rowStep) {
    const w0 = weights[w + j]!, w1 = weights[w + j + 1]!, w2 = weights[w + j + 2]!, w3 = weights[w + j + 3]!;
    const w4 = weights[w + j + 4]!, w5 = weights[w + j + 5]!, w6 = weights[w + j + 6]!, w7 = weights[w + j + 7]!;
    const b1 = rowBase + rowStep, b2 = b1 + rowStep, b3 = b2 + rowStep, b4 = b3 + rowStep, b5 = b4 + rowStep, b6 = b5 + rowStep, b7 = b6 + rowStep;
    for (let i = first; i < end; i++) {
      line[i] = line[i]! + w0 * src[rowBase + i]! + w1 * src[b1 + i]! + w2 * src[b2 + i]! + w3 * src[b3 + i]! + w4 * src[b4 + i]! + w5 * src[b5 + i]! + w6 * src[b6 + i]! + w7 * src[b7 + i]!;
    }
  }
  for (; j + 4 <= n; j += 4, rowBase += 4 * rowStep) {
    const w0 = weights[w + j]!, w1 = weights[w + j + 1]!, w2 = weights[w + j + 2]!, w3 = weights[w + j + 3]!;
    const b1 = rowBase + rowStep, b2 = b1 + rowStep, b3 = b2 + rowStep;
    for (let i = first; i < end; i++) line[i] = line[i]! + w0 * src[rowBase + i]! + w1 * src[b1 + i]! + w2 * src[b2 + i]! + w3 * src[b3 + i]!;
  }
  for (; j < n; j++, rowBase += rowStep) {
    const weight = weights[w + j]!;
    for (let i = first; i < end; i++) line[i] = line[i]! + weight * src[rowBase + i]!;
  }
}

/**
 * Two lines at once over the input rows both take: `lineA[i] += Σ_j weights[wA + j] · row_j[i]` and the
 * same into lineB with `weights[wB + j]`. Consecutive output rows share most of their input rows (for
 * 3000 → 224, 38 of 52), and each sample loaded then feeds two multiply-adds (the rows of a 3000² resize:
 * 17.0 → 14.8 ms measured here).
 */
export function dualRowPass(src: SampleArray, rowStep: number, rowBase: number, weights: Float64Array, wA: number, wB: number, n: number, lineA: Float64Array, lineB: Float64Array, first: number, end: number): void {
  let j = 0;
  for (; j + 4 <= n; j += 4, rowBase += 4 * rowStep) {
    const a0 = weights[wA + j]!, a1 = weights[wA + j + 1]!, a2 = weights[wA + j + 2]!, a3 = weights[wA + j + 3]!;
    const c0 = weights[wB + j]!, c1 = weights[wB + j + 1]!, c2 = weights[wB + j + 2]!, c3 = weights[wB + j + 3]!;
    const b1 = rowBase + rowStep, b2 = b1 + rowStep, b3 = b2 + rowStep;
    for (let i = first; i < end; i++) {
      const v0 = src[rowBase + i]!, v1 = src[b1 + i]!, v2 = src[b2 + i]!, v3 = src[b3 + i]!;
      lineA[i] = lineA[i]! + a0 * v0 + a1 * v1 + a2 * v2 + a3 * v3;
      lineB[i] = lineB[i]! + c0 * v0 + c1 * v1 + c2 * v2 + c3 * v3;
    }
  }
  for (; j < n; j++, rowBase += rowStep) {
    const a = weights[wA + j]!, c = weights[wB + j]!;
    for (let i = first; i < end; i++) {
      const v = src[rowBase + i]!;
      lineA[i] = lineA[i]! + a * v;
      lineB[i] = lineB[i]! + c * v;
    }
  }
}
