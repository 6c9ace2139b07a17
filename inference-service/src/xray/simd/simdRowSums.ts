import type { AxisKernel } from '../axisKernel.ts';
import type { PixelRegion, SampleArray } from '../resize.ts';
import { rowSumsWasm } from './rowSumsModule.ts';

/**
 * The resize's row sums (see resize.ts) in WebAssembly SIMD, for the 8- and 16-bit unsigned frames nearly
 * every radiograph is: output row `oy`'s line is `Σ_k weights[k] · row(start + k)` over the region's whole
 * width, two float64 sums per instruction, four rows per sweep (rowSums.wat). Sums run in float64 in the
 * scalar loop's order, so the tests against scikit-image hold unchanged; the rows of a 3000² 16-bit crop
 * take 9–12 ms here, against ~20 for the scalar loops.
 *
 * WebAssembly reads only its own memory, so the region is copied in first (a 3000² 16-bit crop: 18 MB,
 * 1–2 ms), as 16-bit samples whatever the container, which is why one kernel serves both. The copy is
 * made once per image (`stageRegion`), and the BitsStored check runs on it too.
 */
export interface StagedRegion {
  /** The OR of every sample of the region: a bit at or above BitsStored shows here. */
  orOfSamples(): number;
  /** Row sums with the rows' tap table `ky` (a table of the region's height). */
  rowSums(ky: AxisKernel): SimdRowSums;
}

export interface SimdRowSums {
  /** Output row `oy`'s line of row sums, indexed by region column. A view valid until the next call. */
  line(oy: number): Float64Array;
}

interface Exports {
  readonly rowSumsU16: (src: number, step: number, weights: number, n: number, line: number, blocks: number) => void;
  readonly orU16: (p: number, blocks: number) => number;
}

// Compiled once per thread (1 kB); a new instance only when the kept memory is too small.
let compiled: WebAssembly.Module | undefined;
let kept: { memory: WebAssembly.Memory; exports: Exports } | undefined;
/** Memory a thread keeps between images (a 4000² 16-bit crop fits); a larger image gets an instance of its own, freed with it. */
const keptBytesLimit = 40 * 1024 * 1024;
const pageBytes = 65536;

/**
 * `src`'s region copied into WebAssembly memory, or undefined when the samples are not 8- or 16-bit
 * unsigned (the scalar loops take those). Valid until the next stageRegion on the same thread.
 */
export function stageRegion(src: SampleArray, rowStep: number, region: PixelRegion): StagedRegion | undefined {
  if (!(src instanceof Uint16Array || src instanceof Uint8Array)) return undefined;
  const { width, height } = region;
  const blocks = Math.ceil(width / 8);
  const sampleCount = width * height;
  // The last block of a row reads up to 7 samples past it: the next row's, or this zeroed slack after the last one.
  const slackEnd = sampleCount * 2 + 16;
  const instance = instanceFor(slackEnd);
  const samples = new Uint16Array(instance.memory.buffer, 0, sampleCount + 8);
  if (region.x === 0 && width === rowStep) {
    samples.set(src.subarray(region.y * rowStep, (region.y + height) * rowStep));
  } else {
    for (let row = 0; row < height; row++) {
      const from = (region.y + row) * rowStep + region.x;
      samples.set(src.subarray(from, from + width), row * width);
    }
  }
  samples.fill(0, sampleCount);
  return {
    orOfSamples: () => instance.exports.orU16(0, Math.ceil(sampleCount / 8)),
    rowSums(ky) {
      const weightsAt = Math.ceil(slackEnd / 8) * 8;
      const lineAt = weightsAt + ky.weights.length * 8;
      const { memory, exports } = grown(instance, lineAt + blocks * 64);
      new Float64Array(memory.buffer, weightsAt, ky.weights.length).set(ky.weights);
      const line = new Float64Array(memory.buffer, lineAt, blocks * 8);
      return {
        line(oy) {
          line.fill(0);
          exports.rowSumsU16(ky.start[oy]! * width * 2, width * 2, weightsAt + oy * ky.stride * 8, ky.length[oy]!, lineAt, blocks);
          return line;
        },
      };
    },
  };
}

/** An instance with at least `bytes` of memory: the kept one (grown if need be), or one of its own for a large image. */
function instanceFor(bytes: number): { memory: WebAssembly.Memory; exports: Exports } {
  compiled ??= new WebAssembly.Module(Buffer.from(rowSumsWasm, 'base64'));
  if (kept && bytes <= keptBytesLimit) return grown(kept, bytes);
  const memory = new WebAssembly.Memory({ initial: Math.ceil(bytes / pageBytes) });
  const made = { memory, exports: new WebAssembly.Instance(compiled, { env: { memory } }).exports as unknown as Exports };
  if (bytes <= keptBytesLimit) kept = made;
  return made;
}

/** `instance` with at least `bytes` of memory; growing keeps what the memory holds. */
function grown<T extends { memory: WebAssembly.Memory }>(instance: T, bytes: number): T {
  const have = instance.memory.buffer.byteLength;
  if (have < bytes) instance.memory.grow(Math.ceil((bytes - have) / pageBytes));
  return instance;
}
