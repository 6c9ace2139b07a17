import { describe, expect, it } from 'vitest';
import { assembleWat, moduleSource, rowSums } from '../../../../tooling/setup/assembleWasm.ts';
import { readFile } from 'node:fs/promises';
import { axisKernel, type AxisKernel } from '../axisKernel.ts';
import type { PixelRegion } from '../resize.ts';
import { rowPass } from '../rowPass.ts';
import { stageRegion, type SimdRowSums } from './simdRowSums.ts';

/** Deterministic samples spanning the container's range (a hashed ramp, so no two rows repeat). */
function samples<T extends Uint8Array | Uint16Array>(make: new (n: number) => T, n: number, max: number): T {
  const out = new make(n);
  for (let i = 0; i < n; i++) out[i] = ((i * 2654435761) >>> 7) % (max + 1);
  return out;
}

/** Every output row's line, by the SIMD kernel and by the scalar loop, for `src` (rows of `rowStep`) over `region`. */
function bothLines(src: Uint8Array | Uint16Array, rowStep: number, region: PixelRegion, outputRows: number) {
  const ky = axisKernel(region.height, outputRows);
  const simd = stageRegion(src, rowStep, region)?.rowSums(ky);
  if (!simd) throw new Error('the SIMD path refused an unsigned frame');
  const lines: { simd: Float64Array; scalar: Float64Array }[] = [];
  for (let oy = 0; oy < outputRows; oy++) {
    const scalar = new Float64Array(region.width);
    const start = ky.start[oy]!;
    rowPass(src, rowStep, (region.y + start) * rowStep + region.x, ky.weights, oy * ky.stride, ky.length[oy]!, scalar, 0, region.width);
    lines.push({ simd: simd.line(oy).slice(0, region.width), scalar });
  }
  return lines;
}

/**
 * resize.ts's reduceColumns by its definition, on the SIMD row sums' lines: each column's taps added in order
 * from 0, then mapped to `slope · sum + ones[oy] · xSums[ox]` and rounded to float32.
 */
function columnLoop(simd: SimdRowSums, kx: AxisKernel, height: number, slope: number, ones: Float64Array, xSums: Float64Array): Float32Array {
  const width = kx.outputSize;
  const expected = new Float32Array(width * height);
  for (let oy = 0; oy < height; oy++) {
    const line = simd.line(oy);
    for (let ox = 0; ox < width; ox++) {
      let acc = 0;
      for (let k = 0; k < kx.length[ox]!; k++) acc += kx.weights[ox * kx.stride + k]! * line[kx.start[ox]! + k]!;
      expected[oy * width + ox] = slope * acc + ones[oy]! * xSums[ox]!;
    }
  }
  return expected;
}

/** A resize's column factors, made up but not flat, so a column or row swapped shows. */
function factors(n: number, scale: number): Float64Array {
  return Float64Array.from({ length: n }, (_, o) => scale * (0.5 + o / (2 * n)));
}

describe('simdRowSums', () => {
  it('is the assembled rowSums.wat, byte for byte', async () => {
    const committed = await readFile(rowSums.module, 'utf8');
    expect(committed).toBe(moduleSource(rowSums, await assembleWat(rowSums.wat)));
  });

  // The kernel adds the same products in the same order as the scalar loop, so the sums are the same doubles.
  it.each([
    ['16-bit, 3000 → 224 (52 taps a row)', Uint16Array, 65535, 3000, 3000, { x: 0, y: 0, width: 3000, height: 3000 }, 224],
    ['16-bit crop of a wider image, odd width', Uint16Array, 4095, 1203, 1000, { x: 101, y: 0, width: 1001, height: 1000 }, 224],
    ['16-bit crop of a taller image, rows not from the top', Uint16Array, 16383, 640, 900, { x: 0, y: 130, width: 640, height: 640 }, 224],
    ['8-bit, 1024 → 224', Uint8Array, 255, 1024, 1024, { x: 0, y: 0, width: 1024, height: 1024 }, 224],
    ['8-bit, width under one block, 1–3 taps a row', Uint8Array, 255, 7, 9, { x: 0, y: 1, width: 7, height: 7 }, 7],
    ['16-bit, upsampling (2 taps a row), width 13', Uint16Array, 65535, 13, 13, { x: 0, y: 0, width: 13, height: 13 }, 224],
  ] as const)('gives the scalar loop’s sums exactly: %s', (_name, make, max, columns, rows, region, outputRows) => {
    const src = samples(make as new (n: number) => Uint8Array | Uint16Array, columns * rows, max);
    for (const { simd, scalar } of bothLines(src, columns, region, outputRows)) expect(simd).toEqual(scalar);
  });

  it.each([
    ['8-bit, 1024 → 224, an inverted (MONOCHROME1) map', Uint8Array, 255, 1024, 1024, 224, 224, -8.03, 1024],
    ['16-bit, 3000 → 224', Uint16Array, 65535, 3000, 3000, 224, 224, 0.03125, -1024],
    ['16-bit, an odd output width (the last pair half padding)', Uint16Array, 4095, 1001, 1000, 223, 225, 0.5, -1024],
    ['8-bit, upsampling 13 → 31 (2 taps a column)', Uint8Array, 255, 13, 13, 31, 17, 8.03, -1024],
    ['16-bit, one output column', Uint16Array, 65535, 9, 9, 1, 3, 1, 0],
  ] as const)('resamples as the scalar column loop does, to the bit: %s', (_name, make, max, columns, rows, width, height, slope, intercept) => {
    const src = samples(make as new (n: number) => Uint8Array | Uint16Array, columns * rows, max);
    const kx = axisKernel(columns, width);
    const simd = stageRegion(src, columns, { x: 0, y: 0, width: columns, height: rows })!.rowSums(axisKernel(rows, height));
    const ones = factors(height, intercept);
    const xSums = factors(width, 1.5);
    expect(simd.resample(kx, slope, ones, xSums)).toEqual(columnLoop(simd, kx, height, slope, ones, xSums));
  });

  it('stays exact as a thread moves between small, large and oversized images (its memory grows, or a one-off instance is made)', () => {
    const sides = [300, 2000, 5000, 300, 2500];
    for (const side of sides) {
      const src = samples(Uint16Array, side * side, 65535);
      const lines = bothLines(src, side, { x: 0, y: 0, width: side, height: side }, 224);
      for (const oy of [0, 111, 223]) expect(lines[oy]!.simd).toEqual(lines[oy]!.scalar);
      // resample grows the same memory further (or the one-off instance) for its tables and output.
      const kx = axisKernel(side, 224);
      const simd = stageRegion(src, side, { x: 0, y: 0, width: side, height: side })!.rowSums(axisKernel(side, 224));
      const ones = factors(224, -1024);
      const xSums = factors(224, 1);
      expect(simd.resample(kx, 0.03125, ones, xSums)).toEqual(columnLoop(simd, kx, 224, 0.03125, ones, xSums));
    }
  });

  it('ORs exactly the region’s samples, whatever a larger image left in the memory before', () => {
    // A 2000² image with every bit set, then crops whose last sample (in the block's tail) alone has bit 12.
    expect(stageRegion(new Uint16Array(2000 * 2000).fill(0xffff), 2000, { x: 0, y: 0, width: 2000, height: 2000 })?.orOfSamples()).toBe(0xffff);
    for (const [columns, region] of [[13, { x: 0, y: 0, width: 13, height: 13 }], [40, { x: 3, y: 2, width: 29, height: 31 }]] as const) {
      const src = new Uint16Array(columns * columns).fill(0x0101);
      const last = (region.y + region.height - 1) * columns + region.x + region.width - 1;
      expect(stageRegion(src, columns, region)?.orOfSamples()).toBe(0x0101);
      src[last] = 0x1000;
      src[last + 1] = 0x8000; // outside the region: never counted
      expect(stageRegion(src, columns, region)?.orOfSamples()).toBe(0x1101);
    }
    const bytes = new Uint8Array(1001).fill(0x11);
    bytes[1000] = 0x80;
    expect(stageRegion(bytes, 1001, { x: 0, y: 0, width: 1001, height: 1 })?.orOfSamples()).toBe(0x91);
  });

  it('leaves float and signed frames to the scalar loops', () => {
    const ky = axisKernel(8, 4);
    const region = { x: 0, y: 0, width: 8, height: 8 };
    expect(stageRegion(new Float32Array(64), 8, region)).toBeUndefined();
    expect(stageRegion(new Int16Array(64), 8, region)).toBeUndefined();
    void ky;
  });
});
