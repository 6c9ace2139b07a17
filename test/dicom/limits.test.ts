import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DicomReadError, dicomLimitDefaults, readDicomDataset, readDicomImage, scanLimits } from '../../inference-service/src/dicom/index.ts';
import { absurdDimensions, deflateBomb, fragmentBomb, manyTinyElements, nestedSequences } from '../support/hostileDicom.ts';
import { pydicomTestFilesDir, realJpegBaselineDcm } from '../support/paths.ts';
import { readBytes } from './support/dicomTools.ts';

async function refusal(bytes: Uint8Array): Promise<DicomReadError> {
  const error = await readDicomImage(bytes).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof DicomReadError)) throw new Error(`expected a DicomReadError, got ${String(error)}`);
  return error;
}

describe('DICOM limits, checked before parsing', () => {
  describe('crafted hostile files', () => {
    it('should refuse sequences nested 20,000 deep naming the depth limit', async () => {
      const error = await refusal(nestedSequences(20_000));
      expect(error.code).toBe('limit-sequence-depth');
      expect(error.message).toMatch(/nesting depth of sequences \(33\) is past the limit of 32 \(CXR_LIMIT_SEQUENCE_DEPTH\)/);
      expect(() => readDicomDataset(nestedSequences(20_000))).toThrow(/CXR_LIMIT_SEQUENCE_DEPTH/);
    });

    it('should refuse 1,000,000 tiny elements naming the element limit', async () => {
      const error = await refusal(manyTinyElements(1_000_000));
      expect(error.code).toBe('limit-element-count');
      expect(error.message).toMatch(/number of data elements \(50001\) is past the limit of 50000 \(CXR_LIMIT_ELEMENTS\)/);
    });

    it('should refuse absurd rows and columns before any decoder allocates for them', async () => {
      expect((await refusal(absurdDimensions(65535, 65535))).code).toBe('limit-image-dimension');
      const error = await refusal(absurdDimensions(8000, 8000));
      expect(error.code).toBe('limit-image-size');
      expect(error.message).toMatch(/Rows × Columns \(8000 × 8000\) \(64000000\) is past the limit of 36000000 \(CXR_LIMIT_PIXELS_PER_FRAME\)/);
    });

    it('should refuse a fragment bomb naming the fragment limit', async () => {
      const error = await refusal(fragmentBomb(1_000_000));
      expect(error.code).toBe('limit-fragment-count');
      expect(error.message).toMatch(/CXR_LIMIT_FRAGMENTS/);
    });

    it('should refuse a deflate bomb of a 16384² image without inflating it', async () => {
      const bomb = await deflateBomb(16384);
      expect(bomb.length).toBeLessThan(1024 * 1024);
      const rssBefore = process.memoryUsage().rss;
      const error = await refusal(bomb);
      expect(error.code).toBe('limit-inflate-ratio');
      expect(error.message).toMatch(/CXR_LIMIT_INFLATE_RATIO/);
      // Bounded by the ratio: tens of MB at most, not the 512 MB the image would take.
      expect(process.memoryUsage().rss - rssBefore).toBeLessThan(200 * 1024 * 1024);
    });
  });

  describe('ordinary files', () => {
    it('should pass the real chest X-ray and report its structure', async () => {
      const bytes = readBytes(realJpegBaselineDcm);
      const scan = scanLimits(bytes);
      expect(scan.transferSyntaxUID).toBe('1.2.840.10008.1.2.4.50');
      expect(scan.elements).toBeGreaterThan(10);
      expect(scan.elements).toBeLessThan(500);
      expect((await readDicomImage(bytes)).frame.rows).toBeGreaterThan(0);
    });

    it('should read a deflated data set that inflates within the limit (pydicom image_dfl.dcm)', () => {
      const bytes = readBytes(join(pydicomTestFilesDir, 'image_dfl.dcm'));
      expect(scanLimits(bytes).transferSyntaxUID).toBe('1.2.840.10008.1.2.1.99');
      expect(readDicomDataset(bytes).dataset.Rows).toBeGreaterThan(0);
    });

    it('should pass sequences nested within the limit', () => {
      expect(scanLimits(nestedSequences(10)).maxDepth).toBe(10);
      expect(() => readDicomDataset(nestedSequences(32))).not.toThrow(DicomReadError);
    });

    it('should apply limits given by the caller', async () => {
      const bytes = readBytes(realJpegBaselineDcm);
      const error = await readDicomImage(bytes, { limits: { ...dicomLimitDefaults, maxDimension: 100 } }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DicomReadError);
      expect((error as DicomReadError).code).toBe('limit-image-dimension');
    });
  });
});
