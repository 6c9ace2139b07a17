import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isXrayReadError } from '../../inference-service/src/xray/errors.ts';
import { prepareFrameInput, prepareModelInput } from '../../inference-service/src/xray/prepareModelInput.ts';
import { resize } from '../../inference-service/src/xray/resize.ts';
import { toXrvScale } from '../../inference-service/src/xray/toXrvScale.ts';
import { sharedCxrDir } from '../support/paths.ts';
import { decodeGreyPng } from './support/png.ts';
import {
  maxAbsDifference,
  monochromeFrame,
  readReferenceTensor,
  realReference,
  xrayReferences,
} from './support/references.ts';
import { syntheticStored } from './support/synthetic.ts';

/** The contract on the ±1024 scale. */
const contractTolerance = 0.5;
/**
 * What the arithmetic actually achieves: skimage rounds to float32 after each axis of the Gaussian and
 * after zooming, this code once at the end; on ±1024 that is measured at 6.1e-5 (one float32 step near 1024).
 */
const float32Tolerance = 0.001;

describe('TorchXRayVision preprocessing (XRayCenterCrop + XRayResizer)', () => {
  describe('synthetic images against scikit-image 0.19', () => {
    for (const c of xrayReferences.synthetic) {
      it(`should match skimage for ${c.name} (${c.width}×${c.height}, ${c.bits}-bit, ${c.kind})`, () => {
        const stored = syntheticStored(c.width, c.height, c.bits, c.bright);
        const frame = monochromeFrame(c.width, c.height, stored, { bits: c.bits });
        const img = toXrvScale(frame);
        const reference = readReferenceTensor(c.file);
        let actual: Float32Array;
        if (c.kind === 'pipeline') {
          const input = prepareModelInput(img, c.resolution);
          expect(input.crop).toEqual({ ...c.crop, resolution: c.resolution });
          actual = input.tensor;
          const direct = prepareFrameInput(frame, c.resolution);
          expect(direct.crop).toEqual(input.crop);
          expect(maxAbsDifference(direct.tensor, reference.data)).toBeLessThanOrEqual(float32Tolerance);
        } else {
          actual = resize(img, c.outWidth!, c.outHeight!).data;
        }
        expect(reference.shape).toEqual([1, ...(c.kind === 'pipeline' ? [c.resolution, c.resolution] : [c.outHeight, c.outWidth])]);
        const diff = maxAbsDifference(actual, reference.data);
        expect(diff).toBeLessThanOrEqual(contractTolerance);
        expect(diff).toBeLessThanOrEqual(float32Tolerance);
      });
    }

    it('should clip to the input minimum where the zero padding pulls bright edges below it', () => {
      const c = xrayReferences.synthetic.find((s) => s.name === 'bright-clip')!;
      const img = toXrvScale(monochromeFrame(c.width, c.height, syntheticStored(c.width, c.height, c.bits, true), { bits: c.bits }));
      const inputMin = img.data.reduce((a, b) => Math.min(a, b));
      const out = resize(img, c.outWidth!, c.outHeight!).data;
      expect(out.filter((v) => v === inputMin).length).toBeGreaterThan(0);
      expect(Math.min(...out)).toBe(inputMin);
    });

    it('should return the input unchanged when the size does not change', () => {
      const stored = syntheticStored(64, 64, 12, false);
      const img = toXrvScale(monochromeFrame(64, 64, stored, { bits: 12 }));
      expect(resize(img, 64, 64).data).toEqual(img.data);
    });
  });

  describe('straight from stored values (prepareFrameInput)', () => {
    it('should clip to the input minimum as the two-step path does', () => {
      const c = xrayReferences.synthetic.find((s) => s.name === 'bright-clip')!;
      const frame = monochromeFrame(c.width, c.height, syntheticStored(c.width, c.height, c.bits, true), { bits: c.bits });
      const twoStep = prepareModelInput(toXrvScale(frame), 40).tensor;
      const direct = prepareFrameInput(frame, 40).tensor;
      const inputMin = toXrvScale(frame).data.reduce((a, b) => Math.min(a, b));
      expect(Math.min(...twoStep)).toBe(inputMin);
      expect(Math.min(...direct)).toBe(inputMin);
      expect(maxAbsDifference(direct, twoStep)).toBeLessThanOrEqual(float32Tolerance);
    });

    it('should scale signed 16-bit MONOCHROME1 pixels as the two-step path does', () => {
      const stored = Int16Array.from(syntheticStored(300, 200, 12, false), (v) => v - 2048);
      const frame = monochromeFrame(300, 200, stored, { bits: 12, signed: true, photometric: 'MONOCHROME1' });
      const twoStep = prepareModelInput(toXrvScale(frame), 64);
      const direct = prepareFrameInput(frame, 64);
      expect(direct.crop).toEqual(twoStep.crop);
      expect(maxAbsDifference(direct.tensor, twoStep.tensor)).toBeLessThanOrEqual(float32Tolerance);
    });

    it('should refuse a stored value BitsStored cannot hold, naming where it is', () => {
      const stored = Uint16Array.from(syntheticStored(64, 64, 12, false));
      stored[10 * 64 + 20] = 5000;
      const frame = monochromeFrame(64, 64, stored, { bits: 12 });
      let error: unknown;
      try {
        prepareFrameInput(frame, 32);
      } catch (caught) {
        error = caught;
      }
      expect(isXrayReadError(error) && error.code).toBe('pixel-out-of-range');
      expect((error as Error).message).toContain('Stored value 5000 at row 10, column 20');
    });
  });

  describe('the real NIH image 00000001_000.png through the PNG path', () => {
    it('should match TorchXRayVision + scikit-image on the whole 224² tensor', () => {
      const ref = realReference('00000001_000.png');
      const png = decodeGreyPng(readFileSync(resolve(sharedCxrDir, ref.source)));
      // Upstream's PNG path is normalize(img, 255), which is toXrvScale of an 8-bit MONOCHROME2 frame.
      const img = toXrvScale(monochromeFrame(png.width, png.height, png.pixels, { bits: 8 }));
      const input = prepareModelInput(img);
      const reference = readReferenceTensor(ref.file!);
      expect(reference.shape).toEqual([1, 224, 224]);
      expect(input.crop).toEqual({ ...ref.crop, resolution: 224 });
      const diff = maxAbsDifference(input.tensor, reference.data);
      expect(diff).toBeLessThanOrEqual(contractTolerance);
      expect(diff).toBeLessThanOrEqual(float32Tolerance);
    });
  });
});
