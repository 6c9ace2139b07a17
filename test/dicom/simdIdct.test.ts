import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assembleWat, idctIslow, moduleSource } from '../../tooling/setup/assembleWasm.ts';
import { firstEncapsulatedFrame } from '../../inference-service/src/dicom/encapsulatedFrame.ts';
import { readDicomDataset } from '../../inference-service/src/dicom/index.ts';
import { EmbindCodec } from '../../inference-service/src/dicom/codecs/embind.ts';
import { loadLibjpegTurbo, type LibjpegTurbo } from '../../inference-service/src/dicom/codecs/libjpegTurbo.ts';
import { idctIslowWasm } from '../../inference-service/src/dicom/codecs/simd/idctIslowModule.ts';
import { realJpegBaselineDcm } from '../support/paths.ts';
import { runTool } from './support/dicomTools.ts';

type Idct = (cinfo: number, component: number, coef: number, rows: number, col: number) => void;

/** Frame 1's JPEG stream of a DICOM file. */
function jpegStream(file: string): Uint8Array {
  const { dataset } = readDicomDataset(new Uint8Array(readFileSync(file)));
  return firstEncapsulatedFrame(dataset.PixelData as ArrayBuffer[], 1, file);
}

/** libjpeg-turbo as the product decodes with it, its IDCT in SIMD or not. */
function decoder(simdIdct: boolean): EmbindCodec {
  return new EmbindCodec(`libjpeg-turbo (${simdIdct ? 'SIMD' : 'scalar'} IDCT)`, async (options) => (await loadLibjpegTurbo(options, simdIdct)).module, 'JPEGDecoder');
}

/** A small deterministic generator (xorshift32): a failing block can be found again. */
function random(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
}

/**
 * The scratch layout one call needs, in a page of the codec's memory grown for the test: libjpeg's
 * range-limit table (built as jdmaster.c's prepare_range_limit_table builds it), a cinfo whose
 * sample_range_limit (offset 324) points at it, a compptr whose dct_table (offset 80) points at the
 * multipliers, the coefficient block, and two output areas with their row pointers.
 */
class Scratch {
  readonly cinfo: number;
  readonly component: number;
  readonly quant: number;
  readonly coef: number;
  readonly outputs: readonly { readonly area: number; readonly rows: number }[];
  static readonly rowStride = 24;
  static readonly areaBytes = 8 * Scratch.rowStride;
  static readonly column = 8;

  constructor(private readonly memory: WebAssembly.Memory) {
    const base = memory.grow(1) * 65536;
    const view = new DataView(memory.buffer);
    const bytes = new Uint8Array(memory.buffer);
    const sampleRangeLimit = base + 256;
    for (let i = 0; i < 256; i += 1) bytes[sampleRangeLimit - 256 + i] = 0;
    for (let i = 0; i < 256; i += 1) bytes[sampleRangeLimit + i] = i;
    for (let i = 128; i < 512; i += 1) bytes[sampleRangeLimit + 128 + i] = 255;
    for (let i = 512; i < 896; i += 1) bytes[sampleRangeLimit + 128 + i] = 0;
    for (let i = 0; i < 128; i += 1) bytes[sampleRangeLimit + 1024 + i] = i;
    this.cinfo = base + 2048;
    this.component = base + 2560;
    this.quant = base + 3072;
    this.coef = base + 3584;
    view.setUint32(this.cinfo + 324, sampleRangeLimit, true);
    view.setUint32(this.component + 80, this.quant, true);
    this.outputs = [base + 4096, base + 5120].map((area) => {
      const rows = area + 512;
      for (let r = 0; r < 8; r += 1) view.setUint32(rows + 4 * r, area + r * Scratch.rowStride, true);
      return { area, rows };
    });
  }

  set(coefficients: Int16Array, multipliers: Int32Array): void {
    new Int16Array(this.memory.buffer, this.coef, 64).set(coefficients);
    new Int32Array(this.memory.buffer, this.quant, 64).set(multipliers);
    for (const { area } of this.outputs) new Uint8Array(this.memory.buffer, area, Scratch.areaBytes).fill(0xa5);
  }

  /** Output area `i` as bytes: each row's 8 samples at column 8, the rest of the area left as filled. */
  area(i: number): Uint8Array {
    return new Uint8Array(this.memory.buffer, this.outputs[i]!.area, Scratch.areaBytes).slice();
  }
}

/** Blocks shaped as decoders meet them: sparse, in the patterns the two shortcuts take, and hostile. */
function blocks(next: () => number, count: number): { coefficients: Int16Array; multipliers: Int32Array; kind: string }[] {
  const int = (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1));
  const out: { coefficients: Int16Array; multipliers: Int32Array; kind: string }[] = [];
  const kinds = ['dc only', 'rows 0–3', 'top-left 4×4', 'one column', 'one row', 'typical', 'full int16', 'huge dc, zero ac', 'wrapping multipliers'] as const;
  for (let b = 0; b < count; b += 1) {
    const kind = kinds[b % kinds.length]!;
    const coefficients = new Int16Array(64);
    const multipliers = Int32Array.from({ length: 64 }, () => int(1, 255));
    const column = int(0, 7);
    const row = int(0, 7);
    for (let i = 0; i < 64; i += 1) {
      const [r, c] = [i >> 3, i & 7];
      const small = next() < 0.4 ? int(-60, 60) : 0;
      if (kind === 'dc only') coefficients[i] = i === 0 ? int(-1024, 1023) : 0;
      else if (kind === 'rows 0–3') coefficients[i] = r < 4 ? small : 0;
      else if (kind === 'top-left 4×4') coefficients[i] = r < 4 && c < 4 ? small : 0;
      else if (kind === 'one column') coefficients[i] = c === column ? int(-512, 511) : 0;
      else if (kind === 'one row') coefficients[i] = r === row ? int(-512, 511) : 0;
      else if (kind === 'typical') coefficients[i] = i === 0 ? int(-1024, 1023) : small;
      else if (kind === 'full int16') coefficients[i] = int(-32768, 32767);
      else if (kind === 'huge dc, zero ac') coefficients[i] = r === 0 ? int(-32768, 32767) : 0;
      else coefficients[i] = int(-32768, 32767);
    }
    if (kind === 'full int16' || kind === 'huge dc, zero ac') multipliers.forEach((_, i) => (multipliers[i] = int(0, 65535)));
    if (kind === 'wrapping multipliers') multipliers.forEach((_, i) => (multipliers[i] = int(-(2 ** 31), 2 ** 31 - 1)));
    out.push({ coefficients, multipliers, kind });
  }
  return out;
}

describe('the SIMD inverse DCT in libjpeg-turbo', () => {
  let scalar: LibjpegTurbo;
  let simd: LibjpegTurbo;
  let dir: string;

  beforeAll(async () => {
    [scalar, simd] = await Promise.all([loadLibjpegTurbo({}, false), loadLibjpegTurbo()]);
    dir = mkdtempSync(join(tmpdir(), 'cxr-simd-idct-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is the assembled idctIslow.wat, byte for byte', async () => {
    expect(readFileSync(idctIslow.module, 'utf8')).toBe(moduleSource(idctIslow, await assembleWat(idctIslow.wat)));
  });

  it('is installed in the libjpeg-turbo build the product ships (else its pin in libjpegTurbo.ts needs reading again)', () => {
    expect(simd.idct).toBe('simd');
    expect(scalar.idct).toBe('scalar');
    expect(simd.islow).toBeDefined();
    expect(scalar.islow?.slot).toBe(simd.islow?.slot);
  });

  it("writes jpeg_idct_islow's bytes, and only those, for every kind of block, hostile ones included", async () => {
    // A module of its own: the test grows its memory behind Emscripten's back.
    const { table, memory, slot } = (await loadLibjpegTurbo({}, false)).islow!;
    const original = table.get(slot) as Idct;
    const simdIdct = new WebAssembly.Instance(new WebAssembly.Module(Buffer.from(idctIslowWasm, 'base64')), { env: { memory } }).exports['idctIslow'] as Idct;
    const scratch = new Scratch(memory);
    const differing: string[] = [];
    let clipped = 0;
    for (const { coefficients, multipliers, kind } of blocks(random(12345), 18_000)) {
      scratch.set(coefficients, multipliers);
      original(scratch.cinfo, scratch.component, scratch.coef, scratch.outputs[0]!.rows, Scratch.column);
      simdIdct(scratch.cinfo, scratch.component, scratch.coef, scratch.outputs[1]!.rows, Scratch.column);
      const [expected, actual] = [scratch.area(0), scratch.area(1)];
      if (Buffer.compare(expected, actual) !== 0 && differing.length < 5) differing.push(`${kind}: ${Buffer.from(coefficients.buffer).toString('hex').slice(0, 64)}…`);
      if (expected.some((v, i) => i % Scratch.rowStride >= Scratch.column && i % Scratch.rowStride < Scratch.column + 8 && (v === 0 || v === 255))) clipped += 1;
    }
    expect(differing).toEqual([]);
    // The blocks reach the range limit's ends, not only its middle.
    expect(clipped).toBeGreaterThan(5_000);
  });

  it('decodes JPEG streams to the same bytes as the scalar build: the real radiograph and re-encodings from quality 5 to 100', async () => {
    const [scalarDecoder, simdDecoder] = [decoder(false), decoder(true)];
    const native = join(dir, 'native8.dcm');
    runTool('dcmdjpeg', [realJpegBaselineDcm, native]);
    const streams: [string, Uint8Array][] = [['the real image', jpegStream(realJpegBaselineDcm)]];
    for (const [quality, process] of [[5, '+eb'], [50, '+eb'], [100, '+eb'], [90, '+ee']] as const) {
      const file = join(dir, `q${quality}${process}.dcm`);
      runTool('dcmcjpeg', [process, '+q', String(quality), native, file]);
      streams.push([`quality ${quality} (${process})`, jpegStream(file)]);
    }
    for (const [name, jpeg] of streams) {
      const [expected, actual] = await Promise.all([scalarDecoder.decode(jpeg, name), simdDecoder.decode(jpeg, name)]);
      expect(actual.info, name).toMatchObject({ width: 1024, height: 1024, componentCount: 1 });
      expect(Buffer.compare(actual.bytes, expected.bytes), name).toBe(0);
    }
  });
});
