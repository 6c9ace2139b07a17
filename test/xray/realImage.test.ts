import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readDicomImage } from '../../inference-service/src/dicom/readDicomImage.ts';
import { prepareFrameInput, prepareModelInput } from '../../inference-service/src/xray/prepareModelInput.ts';
import { toXrvScale } from '../../inference-service/src/xray/toXrvScale.ts';
import { realJpegBaselineDcm, realMonochrome1Dcm } from '../support/paths.ts';
import { maxAbsDifference, readReferenceTensor, realReference } from './support/references.ts';

/** TorchXRayVision's own test suite asserts these readings of its two SIIM files (row 60, column 2). */
const upstreamReading = { monochrome2: -959.749, monochrome1: 959.75, tolerance: 0.01 } as const;

async function readXray(path: string) {
  const image = await readDicomImage(readFileSync(path));
  return { frame: image.frame, xray: toXrvScale(image.frame) };
}

describe('real SIIM chest X-ray DICOM (JPEG Baseline, 1024², 8-bit)', () => {
  describe('read as read_xray_dcm reads it', () => {
    it('should read pixel row 60, column 2 of the MONOCHROME2 file as −959.749', async () => {
      const { frame, xray } = await readXray(realJpegBaselineDcm);
      expect([frame.photometricInterpretation, frame.bitsStored, xray.width, xray.height]).toEqual(['MONOCHROME2', 8, 1024, 1024]);
      const value = xray.data[60 * xray.width + 2]!;
      expect(Math.abs(value - upstreamReading.monochrome2)).toBeLessThanOrEqual(upstreamReading.tolerance);
      expect(value).toBe(realReference('siim-pa-jpeg-baseline.dcm').pixelRow60Column2);
    });

    it('should read the same pixel of the MONOCHROME1 twin as +959.75', async () => {
      const { frame, xray } = await readXray(realMonochrome1Dcm);
      expect(frame.photometricInterpretation).toBe('MONOCHROME1');
      const value = xray.data[60 * xray.width + 2]!;
      expect(Math.abs(value - upstreamReading.monochrome1)).toBeLessThanOrEqual(upstreamReading.tolerance);
      expect(value).toBe(realReference('siim-pa-monochrome1-jpeg-baseline.dcm').pixelRow60Column2);
    });

    it('should read the MONOCHROME1 twin as the negative of the MONOCHROME2 file everywhere', async () => {
      const [mono2, mono1] = await Promise.all([readXray(realJpegBaselineDcm), readXray(realMonochrome1Dcm)]);
      const negated = mono2.xray.data.map((v) => -v);
      expect(maxAbsDifference(mono1.xray.data, negated)).toBeLessThanOrEqual(1e-3);
    });
  });

  describe('preprocessed for the model', () => {
    it('should match pydicom + TorchXRayVision + scikit-image on the whole 224² tensor', async () => {
      const ref = realReference('siim-pa-jpeg-baseline.dcm');
      const { xray } = await readXray(realJpegBaselineDcm);
      const input = prepareModelInput(xray);
      expect(input.crop).toEqual({ ...ref.crop, resolution: 224 });
      const reference = readReferenceTensor(ref.file!);
      expect(reference.shape).toEqual([1, 224, 224]);
      const diff = maxAbsDifference(input.tensor, reference.data);
      expect(diff).toBeLessThanOrEqual(0.5);
      // Stronger than the contract: the WASM libjpeg-turbo decoder and Pillow's libjpeg give identical pixels
      // for this file, so only float32 rounding remains (measured 6.1e-5). A decoder change shows up here.
      expect(diff).toBeLessThanOrEqual(0.001);
    });

    it('should give the same tensor straight from the stored values (the path the pipeline takes)', async () => {
      const ref = realReference('siim-pa-jpeg-baseline.dcm');
      const reference = readReferenceTensor(ref.file!).data;
      const [mono2, mono1] = await Promise.all([readXray(realJpegBaselineDcm), readXray(realMonochrome1Dcm)]);
      const direct = prepareFrameInput(mono2.frame);
      expect(direct.crop).toEqual({ ...ref.crop, resolution: 224 });
      expect(maxAbsDifference(direct.tensor, reference)).toBeLessThanOrEqual(0.001);
      // The MONOCHROME1 twin scales with a negative slope: its tensor is the negated reference.
      expect(maxAbsDifference(prepareFrameInput(mono1.frame).tensor, reference.map((v) => -v))).toBeLessThanOrEqual(0.001);
    });
  });
});
