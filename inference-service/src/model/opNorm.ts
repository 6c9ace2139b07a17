/** The logistic function, computed in float64 and stable for large |x|. */
export function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

/**
 * torchxrayvision.models.op_norm: rescales a probability piecewise-linearly so the finding's operating
 * threshold maps to 0.5 — p < t: p/(2t); otherwise 1 − (1 − p)/(2(1 − t)).
 */
export function opNorm(p: number, threshold: number): number {
  return p < threshold ? p / (2 * threshold) : 1 - (1 - p) / (2 * (1 - threshold));
}

/** Logits of one image to calibrated probabilities, one threshold per finding. */
export function calibratedProbabilities(logits: Float32Array, thresholds: readonly number[]): Float32Array {
  if (logits.length !== thresholds.length) {
    throw new Error(`calibratedProbabilities: ${logits.length} logits for ${thresholds.length} operating thresholds`);
  }
  const out = new Float32Array(logits.length);
  for (let i = 0; i < logits.length; i++) out[i] = opNorm(sigmoid(logits[i] ?? Number.NaN), thresholds[i] ?? Number.NaN);
  return out;
}
