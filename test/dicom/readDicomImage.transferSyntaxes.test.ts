import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readDicomImage } from '../../inference-service/src/dicom/index.ts';
import type { DicomImage } from '../../inference-service/src/dicom/index.ts';
import { realJpegBaselineDcm, realMonochrome1Dcm } from '../support/paths.ts';
import { readBytes, transferSyntaxOf } from './support/dicomTools.ts';
import { makeVariants, variantSpecs } from './support/makeVariants.ts';
import type { VariantSet } from './support/makeVariants.ts';

function maxAbsDiff(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  let max = 0;
  for (let i = 0; i < expected.length; i++) max = Math.max(max, Math.abs(actual[i]! - expected[i]!));
  return max;
}

function minOf(values: ArrayLike<number>): number {
  let min = Infinity;
  for (let i = 0; i < values.length; i++) min = Math.min(min, values[i]!);
  return min;
}

describe('readDicomImage', () => {
  let set: VariantSet;
  beforeAll(() => {
    set = makeVariants();
  }, 120_000);
  afterAll(() => set?.cleanup());

  describe('the real SIIM JPEG Baseline chest X-ray', () => {
    let image: DicomImage;
    beforeAll(async () => {
      image = await readDicomImage(readBytes(realJpegBaselineDcm));
    });

    it('should decode frame 1 to 1024×1024 8-bit MONOCHROME2 stored values', () => {
      expect(image.frame).toMatchObject({
        rows: 1024,
        columns: 1024,
        samplesPerPixel: 1,
        photometricInterpretation: 'MONOCHROME2',
        bitsAllocated: 8,
        bitsStored: 8,
        pixelRepresentation: 0,
        transferSyntaxUID: '1.2.840.10008.1.2.4.50',
        numberOfFrames: 1,
      });
      expect(image.frame.pixels).toBeInstanceOf(Uint8Array);
      expect(image.frame.pixels).toHaveLength(1024 * 1024);
    });

    it("should equal dcmtk's dcmdjpeg decompression pixel for pixel", () => {
      // Measured: libjpeg-turbo (WASM) and dcmtk's IJG libjpeg give identical samples for this file.
      expect(maxAbsDiff(image.frame.pixels, set.expected.native8)).toBe(0);
    });

    it('should read its MONOCHROME1 twin as the same stored values, labelled MONOCHROME1', async () => {
      // Inverting MONOCHROME1 is the next layer's job (TorchXRayVision semantics); the reader reports it.
      const twin = await readDicomImage(readBytes(realMonochrome1Dcm));
      expect(twin.frame.photometricInterpretation).toBe('MONOCHROME1');
      expect(maxAbsDiff(twin.frame.pixels, image.frame.pixels)).toBe(0);
    });

    it('should hand out the data set with keyword names', () => {
      expect(image.dataset.Modality).toBe('CR');
      expect(image.meta.TransferSyntaxUID).toBe('1.2.840.10008.1.2.4.50');
    });
  });

  describe('the same image transcoded by dcmtk and gdcm', () => {
    it.each(variantSpecs.map((spec) => [spec.name, spec] as const))('should read %s', async (_name, spec) => {
      const file = set.fileOf(spec);
      expect(transferSyntaxOf(file)).toBe(spec.transferSyntaxUID);
      const image = await readDicomImage(readBytes(file));
      const expected = set.expected[spec.reference];
      expect(image.frame.transferSyntaxUID).toBe(spec.transferSyntaxUID);
      expect(image.frame.pixels).toHaveLength(expected.length);
      expect(image.frame.pixels).toBeInstanceOf(spec.reference === 'native8' ? Uint8Array : spec.reference === 'stored12' ? Uint16Array : Int16Array);
      const diff = maxAbsDiff(image.frame.pixels, expected);
      if (spec.tolerance === 0) expect(diff).toBe(0);
      else {
        expect(diff).toBeLessThanOrEqual(spec.tolerance);
        // A lossy decode still tracks the image, not a blank or shifted frame (mean measured: JPEG
        // q95 under 1, JPEG 2000 at 40 dB 2.03).
        let sum = 0;
        for (let i = 0; i < expected.length; i++) sum += Math.abs(image.frame.pixels[i]! - expected[i]!);
        expect(sum / expected.length).toBeLessThan(2.5);
      }
    });
  });

  describe('stored bits within allocated bits', () => {
    it('should drop garbage above HighBit (BitsStored 12 of 16)', async () => {
      const image = await readDicomImage(readBytes(set.garbageHighBits));
      expect(image.frame).toMatchObject({ bitsAllocated: 16, bitsStored: 12, highBit: 11 });
      expect(maxAbsDiff(image.frame.pixels, set.expected.stored12)).toBe(0);
    });

    it('should shift stored bits down when HighBit is 15', async () => {
      const image = await readDicomImage(readBytes(set.highBitAtTop));
      expect(image.frame).toMatchObject({ bitsStored: 12, highBit: 15 });
      expect(maxAbsDiff(image.frame.pixels, set.expected.stored12)).toBe(0);
    });

    it('should sign-extend 12-bit two’s complement when PixelRepresentation is 1', async () => {
      const image = await readDicomImage(readBytes(set.fileOf(variantSpecs.find((s) => s.reference === 'signed12')!)));
      expect(image.frame.pixelRepresentation).toBe(1);
      expect(minOf(image.frame.pixels)).toBe(-2048);
      expect(maxAbsDiff(image.frame.pixels, set.expected.signed12)).toBe(0);
    });
  });
});
