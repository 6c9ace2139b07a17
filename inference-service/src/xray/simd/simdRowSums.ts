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
 * 1–2 ms), as 16-bit samples whatever the container, which is why one kernel serves both.
 */
export interface SimdRowSums {
  /** Output row `oy`'s line of row sums, indexed by region column. A view valid until the next call. */
  line(oy: number): Float64Array;
}

// Compiled once per thread (1 kB); a new instance only when the kept memory is too small.
let compiled: WebAssembly.Module | undefined;
let kept: { memory: WebAssembly.Memory; rowSums: RowSumsExport } | undefined;
/** Memory a thread keeps between images; a larger image gets an instance of its own, freed with it. */
const keptBytesLimit = 40 * 1024 * 1024;
const pageBytes = 65536;

type RowSumsExport = (src: number, step: number, weights: number, n: number, line: number, blocks: number) => void;

/** Row sums for `src` over `region` with the rows' tap table `ky`, or undefined when the samples are not 8- or 16-bit unsigned. */
export function simdRowSums(src: SampleArray, rowStep: number, region: PixelRegion, ky: AxisKernel): SimdRowSums | undefined {
  if (!(src instanceof Uint16Array || src instanceof Uint8Array)) return undefined;
  const { width, height } = region;
  const blocks = Math.ceil(width / 8);
  const weightsAt = 0;
  const lineAt = weightsAt + ky.weights.length * 8;
  const samplesAt = lineAt + blocks * 64;
  // The last block of a row reads up to 7 samples past it: the next row's, or this slack after the last one.
  const needed = samplesAt + width * height * 2 + 16;
  const { memory, rowSums } = instanceFor(needed);
  new Float64Array(memory.buffer, weightsAt, ky.weights.length).set(ky.weights);
  const samples = new Uint16Array(memory.buffer, samplesAt, width * height);
  if (region.x === 0 && width === rowStep) {
    samples.set(src.subarray(region.y * rowStep, (region.y + height) * rowStep));
  } else {
    for (let row = 0; row < height; row++) {
      const from = (region.y + row) * rowStep + region.x;
      samples.set(src.subarray(from, from + width), row * width);
    }
  }
  const line = new Float64Array(memory.buffer, lineAt, blocks * 8);
  return {
    line(oy) {
      const weights = weightsAt + oy * ky.stride * 8;
      line.fill(0);
      rowSums(samplesAt + ky.start[oy]! * width * 2, width * 2, weights, ky.length[oy]!, lineAt, blocks);
      return line;
    },
  };
}

function instanceFor(bytes: number): { memory: WebAssembly.Memory; rowSums: RowSumsExport } {
  compiled ??= new WebAssembly.Module(Buffer.from(rowSumsWasm, 'base64'));
  const pages = Math.ceil(bytes / pageBytes);
  if (kept && kept.memory.buffer.byteLength >= bytes) return kept;
  if (kept && bytes <= keptBytesLimit) {
    kept.memory.grow(pages - kept.memory.buffer.byteLength / pageBytes);
    return kept;
  }
  const memory = new WebAssembly.Memory({ initial: pages });
  const instance = new WebAssembly.Instance(compiled, { env: { memory } });
  const made = { memory, rowSums: instance.exports.rowSumsU16 as RowSumsExport };
  if (bytes <= keptBytesLimit) kept = made;
  return made;
}
