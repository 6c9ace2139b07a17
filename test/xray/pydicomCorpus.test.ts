import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readDicomImage } from '../../inference-service/src/dicom/readDicomImage.ts';
import type { DicomPixelFrame } from '../../inference-service/src/dicom/types.ts';
import { isXrayReadError } from '../../inference-service/src/xray/errors.ts';
import { prepareFrameInput, prepareModelInput } from '../../inference-service/src/xray/prepareModelInput.ts';
import { toXrvScale } from '../../inference-service/src/xray/toXrvScale.ts';
import { xrvPhotometricInterpretations } from '../../inference-service/src/xray/xrvScaling.ts';
import { pydicomTestFilesDir } from '../support/paths.ts';
import { maxAbsDifference } from './support/references.ts';

/** Every frame the DICOM reader decodes from Debian's pydicom corpus, with its file name. */
async function decodedFrames(): Promise<Array<{ file: string; frame: DicomPixelFrame }>> {
  const frames: Array<{ file: string; frame: DicomPixelFrame }> = [];
  for (const file of readdirSync(pydicomTestFilesDir).filter((f) => f.endsWith('.dcm')).sort()) {
    try {
      frames.push({ file, frame: (await readDicomImage(readFileSync(resolve(pydicomTestFilesDir, file)))).frame });
    } catch {
      // Files the reader refuses are its tests' business; here only decoded frames matter.
    }
  }
  return frames;
}

describe('toXrvScale on the pydicom test corpus', () => {
  describe('every decoded frame', () => {
    it('should be scaled and preprocessed into [−1024, 1024] or refused with an XrayReadError, never anything else', async () => {
      const frames = await decodedFrames();
      const outcome = { scaled: [] as string[], refused: [] as string[] };
      for (const { file, frame } of frames) {
        const monochrome = (xrvPhotometricInterpretations as readonly string[]).includes(frame.photometricInterpretation);
        try {
          const img = toXrvScale(frame);
          expect(img.data.length, file).toBe(frame.rows * frame.columns);
          expect(img.data.every((v) => v >= -1024 && v <= 1024), `${file}: value outside [−1024, 1024]`).toBe(true);
          expect(monochrome, `${file} was scaled although ${frame.photometricInterpretation}`).toBe(true);
          const { tensor } = prepareModelInput(img);
          expect(tensor.every((v) => v >= -1024 && v <= 1024), `${file}: model input outside [−1024, 1024]`).toBe(true);
          const direct = prepareFrameInput(frame).tensor;
          expect(maxAbsDifference(direct, tensor), `${file}: straight from stored values`).toBeLessThanOrEqual(1e-3);
          outcome.scaled.push(file);
        } catch (error) {
          expect(isXrayReadError(error), `${file}: ${String(error)}`).toBe(true);
          expect(monochrome, `${file} (${frame.photometricInterpretation}) was refused: ${String(error)}`).toBe(false);
          expect((error as Error).message).toContain(`'${frame.photometricInterpretation}'`);
          outcome.refused.push(file);
        }
      }
      // The corpus has grey MR/CT/RT dose images and RGB secondary captures; both paths must be taken.
      expect(outcome.scaled).toContain('MR_small.dcm');
      expect(outcome.scaled).toContain('CT_small.dcm');
      expect(outcome.refused).toContain('SC_rgb_rle.dcm');
      expect(outcome.scaled.length + outcome.refused.length).toBe(frames.length);
    });
  });
});
