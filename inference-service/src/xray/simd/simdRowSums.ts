import type { AxisKernel } from '../axisKernel.ts';
import type { PixelRegion, SampleArray } from '../resize.ts';
import { rowSumsWasm } from './rowSumsModule.ts';

/**
 * The resize's row sums (see resize.ts) in WebAssembly SIMD, for the 8- and 16-bit unsigned frames nearly
 * every radiograph is: output row `oy`'s line is `Σ_k weights[k] · row(start + k)` over the region's whole
 * width, two float64 sums per instruction, four rows per sweep (rowSums.wat). Sums run in float64 in the
 * scalar loop's order, so the tests against scikit-image hold unchanged; the rows of a 3000² 16-bit crop
 * take 9–12 ms here, against ~20 for the scalar loops. Each line is then reduced to its output row there too
 * (`resample`, two output columns an instruction, each column's taps in the scalar loop's order): on the
 * real 1024² image the resize took 2.4–2.5 ms with that pass in JavaScript, 1.8–1.9 with it here.
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
  /**
   * The whole output: each output row's line reduced to columns by `kx`'s taps, as resize.ts's scalar
   * reduceColumns does (same sums, in the same order), and mapped to `slope · sum + ones[oy] · xSums[ox]`.
   */
  resample(kx: AxisKernel, slope: number, ones: Float64Array, xSums: Float64Array): Float32Array;
}

interface Exports {
  readonly rowSumsU16: (src: number, step: number, weights: number, n: number, line: number, blocks: number) => void;
  readonly orU16: (p: number, blocks: number) => number;
  readonly columnSums: (
    line: number, meta: number, weights: number, weightStep: number, xSums: number,
    pairs: number, slope: number, ones: number, out: number,
  ) => void;
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
      const lineBytes = blocks * 64;
      const lineOf = (memory: WebAssembly.Memory) => new Float64Array(memory.buffer, lineAt, blocks * 8);
      const { memory, exports } = grown(instance, lineAt + lineBytes);
      new Float64Array(memory.buffer, weightsAt, ky.weights.length).set(ky.weights);
      const sumRow = (line: Float64Array, oy: number) => {
        line.fill(0);
        exports.rowSumsU16(ky.start[oy]! * width * 2, width * 2, weightsAt + oy * ky.stride * 8, ky.length[oy]!, lineAt, blocks);
      };
      return {
        line(oy) {
          // A fresh view each time: resample may have grown the memory, which detaches older views.
          const line = lineOf(memory);
          sumRow(line, oy);
          return line;
        },
        resample(kx, slope, ones, xSums) {
          const tables = columnTables(kx, xSums, lineAt + lineBytes);
          const outAt = tables.end;
          const outBytes = tables.pairs * 8;
          const grownMemory = grown(instance, outAt + outBytes * ky.outputSize).memory;
          tables.write(grownMemory);
          const lineNow = lineOf(grownMemory);
          for (let oy = 0; oy < ky.outputSize; oy++) {
            sumRow(lineNow, oy);
            exports.columnSums(lineAt, tables.metaAt, tables.weightsAt, tables.weightStep, tables.xSumsAt, tables.pairs, slope, ones[oy]!, outAt + oy * outBytes);
          }
          // Row by row: an odd width's rows end in a padding float32.
          const out = new Float32Array(kx.outputSize * ky.outputSize);
          for (let oy = 0; oy < ky.outputSize; oy++) out.set(new Float32Array(grownMemory.buffer, outAt + oy * outBytes, kx.outputSize), oy * kx.outputSize);
          return out;
        },
      };
    },
  };
}

/**
 * columnSums' tables for `kx`, laid out from byte `from`: after the line, slack zeros for the taps a pair's
 * shorter column reads past the line's end (at most a tap table's stride); then, per pair of output
 * columns, its record (byte offsets of the two first taps, the tap count), its interleaved weights and
 * its two xSums.
 */
function columnTables(kx: AxisKernel, xSums: Float64Array, from: number) {
  const pairs = Math.ceil(kx.outputSize / 2);
  const slackAt = from;
  const metaAt = slackAt + kx.stride * 8;
  const weightsAt = metaAt + pairs * 16;
  const weightStep = kx.stride * 16;
  const xSumsAt = weightsAt + pairs * weightStep;
  const end = xSumsAt + pairs * 16;
  return {
    pairs, metaAt, weightsAt, weightStep, xSumsAt, end,
    write(memory: WebAssembly.Memory) {
      new Float64Array(memory.buffer, slackAt, kx.stride).fill(0);
      const meta = new Int32Array(memory.buffer, metaAt, pairs * 4);
      const weights = new Float64Array(memory.buffer, weightsAt, pairs * kx.stride * 2).fill(0);
      const sums = new Float64Array(memory.buffer, xSumsAt, pairs * 2).fill(0);
      for (let p = 0; p < pairs; p++) {
        const a = 2 * p;
        // An odd width's last pair: its second lane repeats the column with no weights, and is not copied out.
        const b = a + 1 < kx.outputSize ? a + 1 : undefined;
        meta[p * 4] = kx.start[a]! * 8;
        meta[p * 4 + 1] = kx.start[b ?? a]! * 8;
        meta[p * 4 + 2] = Math.max(kx.length[a]!, b === undefined ? 0 : kx.length[b]!);
        for (let k = 0; k < kx.length[a]!; k++) weights[(p * kx.stride + k) * 2] = kx.weights[a * kx.stride + k]!;
        if (b !== undefined) for (let k = 0; k < kx.length[b]!; k++) weights[(p * kx.stride + k) * 2 + 1] = kx.weights[b * kx.stride + k]!;
        sums[p * 2] = xSums[a]!;
        if (b !== undefined) sums[p * 2 + 1] = xSums[b]!;
      }
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
