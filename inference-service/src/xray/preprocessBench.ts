import { prepareModelInput } from './prepareModelInput.ts';
import type { XrayImage } from './types.ts';

export interface PreprocessTiming {
  readonly width: number;
  readonly height: number;
  readonly iterations: number;
  readonly medianMs: number;
  readonly p90Ms: number;
  readonly minMs: number;
}

/**
 * Times prepareModelInput (centre crop + anti-aliased resize to 224²) on one image, after a warm-up so
 * the JIT has compiled the loops. For the benchmark, never for a test assertion.
 */
export function timePreprocess(img: XrayImage, iterations = 50, warmup = 10): PreprocessTiming {
  for (let i = 0; i < warmup; i++) prepareModelInput(img);
  const times: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const start = performance.now();
    prepareModelInput(img);
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  const at = (q: number): number => times[Math.min(times.length - 1, Math.floor(q * times.length))]!;
  return { width: img.width, height: img.height, iterations, medianMs: at(0.5), p90Ms: at(0.9), minMs: times[0]! };
}

/** A deterministic noisy image on the [−1024, 1024] scale, for timing when no real image is at hand. */
export function noiseImage(width: number, height: number): XrayImage {
  const data = new Float32Array(width * height);
  for (let i = 0; i < data.length; i++) data[i] = ((Math.imul(i, 2654435761) >>> 0) % 2049) - 1024;
  return { width, height, data };
}
