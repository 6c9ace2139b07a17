import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DicomReadError, dicomReadErrorCodes, readDicomImage } from '../../inference-service/src/dicom/index.ts';
import type { DicomImage } from '../../inference-service/src/dicom/index.ts';
import { pydicomTestFilesDir } from '../support/paths.ts';
import { readBytes } from './support/dicomTools.ts';

function listFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? listFiles(path) : [path];
  });
}

const corpus = listFiles(pydicomTestFilesDir).map((path) => relative(pydicomTestFilesDir, path)).sort();

/** Outcomes that must hold for particular files (the rest must only be read or cleanly refused). */
const expectedRefusals: Readonly<Record<string, string>> = {
  'no_meta.dcm': 'not-dicom',
  'ExplVR_BigEndNoMeta.dcm': 'not-dicom',
  'README.txt': 'not-dicom',
  'MR_truncated.dcm': 'corrupt-pixel-data',
  'SC_ybr_full_422_uncompressed.dcm': 'unsupported-pixel-format',
  'liver_1frame.dcm': 'unsupported-pixel-format',
  'reportsi.dcm': 'no-pixel-data',
  'waveform_ecg.dcm': 'no-pixel-data',
};

/** pydicom's MR_small in every encoding: each must decode to the very same stored values. */
const mrSmallTwins = [
  'MR_small_RLE.dcm',
  'MR_small_bigendian.dcm',
  'MR_small_expb.dcm',
  'MR_small_implicit.dcm',
  'MR_small_jp2klossless.dcm',
  'MR_small_jpeg_ls_lossless.dcm',
  'MR_small_padded.dcm',
];

async function outcome(file: string): Promise<DicomImage | DicomReadError> {
  try {
    return await readDicomImage(readBytes(join(pydicomTestFilesDir, file)));
  } catch (error) {
    if (error instanceof DicomReadError) return error;
    throw new Error(`${file}: readDicomImage threw ${String(error)} instead of a DicomReadError`, { cause: error });
  }
}

describe('readDicomImage on Debian pydicom’s test corpus', () => {
  it('should find the corpus installed (python3-pydicom)', () => {
    expect(corpus.length).toBeGreaterThan(90);
  });

  describe('every file', () => {
    it.each(corpus)('should read or cleanly refuse %s', async (file) => {
      const result = await outcome(file);
      if (result instanceof DicomReadError) {
        expect(dicomReadErrorCodes).toContain(result.code);
        expect(result.message.length).toBeGreaterThan(20);
        if (file in expectedRefusals) expect(result.code).toBe(expectedRefusals[file]);
      } else {
        expect(file in expectedRefusals, `${file} should have been refused`).toBe(false);
        const { rows, columns, samplesPerPixel, pixels } = result.frame;
        expect(pixels).toHaveLength(rows * columns * samplesPerPixel);
      }
    });
  });

  describe('one image in many encodings', () => {
    let reference: DicomImage;
    beforeAll(async () => {
      reference = await readDicomImage(readBytes(join(pydicomTestFilesDir, 'MR_small.dcm')));
    });

    it.each(mrSmallTwins)('should decode %s to exactly the stored values of MR_small.dcm', async (file) => {
      const image = await readDicomImage(readBytes(join(pydicomTestFilesDir, file)));
      expect(image.frame.pixels).toBeInstanceOf(Int16Array);
      expect(Array.from(image.frame.pixels)).toEqual(Array.from(reference.frame.pixels));
    });

    it('should read multi-frame RLE as frame 1 and report the frame count', async () => {
      const one = await readDicomImage(readBytes(join(pydicomTestFilesDir, 'SC_rgb_rle_16bit.dcm')));
      const two = await readDicomImage(readBytes(join(pydicomTestFilesDir, 'SC_rgb_rle_16bit_2frame.dcm')));
      expect(two.frame.numberOfFrames).toBe(2);
      expect(Array.from(two.frame.pixels)).toEqual(Array.from(one.frame.pixels));
    });
  });
});
