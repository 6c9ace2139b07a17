import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readDicomImage } from '../../inference-service/src/dicom/index.ts';
import { repoRoot } from '../support/paths.ts';
import { readBytes } from './support/dicomTools.ts';

const samplesDir = join(repoRoot, 'dicom_samples');
const files = readdirSync(samplesDir).filter((name) => name.endsWith('.dcm')).sort();

/** What the README promises for each file, read from its name. */
function promised(file: string) {
  const bits = Number(/-(\d+)bit-/.exec(file)?.[1]);
  return {
    bitsStored: bits,
    bitsAllocated: bits === 8 ? 8 : 16,
    photometricInterpretation: file.includes('monochrome1') ? 'MONOCHROME1' : 'MONOCHROME2',
  };
}

describe('dicom_samples', () => {
  it('should be a few small files from three phantom patients', async () => {
    expect(files.length).toBeGreaterThanOrEqual(5);
    const total = files.reduce((sum, file) => sum + statSync(join(samplesDir, file)).size, 0);
    expect(total).toBeLessThan(2 * 1024 * 1024);
    const images = await Promise.all(files.map(async (file) => readDicomImage(readBytes(join(samplesDir, file)))));
    expect(new Set(images.map((image) => image.dataset.PatientID)).size).toBe(3);
    expect(new Set(images.map((image) => image.dataset.StudyInstanceUID)).size).toBeGreaterThanOrEqual(4);
    expect(new Set(images.map((image) => image.frame.transferSyntaxUID)).size).toBe(files.length);
  });

  describe('each file', () => {
    it.each(files)('should read %s as the chest phantom its name promises', async (file) => {
      const image = await readDicomImage(readBytes(join(samplesDir, file)));
      const want = promised(file);
      expect(image.frame).toMatchObject({ samplesPerPixel: 1, pixelRepresentation: 0, ...want });
      expect(image.dataset).toMatchObject({ Modality: 'CR', BodyPartExamined: 'CHEST', ViewPosition: 'PA' });
      // Phantom anatomy: air outside the body at the top corners, dense tissue in the lower middle.
      const { rows, columns, pixels } = image.frame;
      const at = (r: number, c: number) => pixels[Math.floor(r * rows) * columns + Math.floor(c * columns)]!;
      const max = 2 ** want.bitsStored - 1;
      const shown = (v: number) => (want.photometricInterpretation === 'MONOCHROME1' ? max - v : v) / max;
      expect(shown(at(0.02, 0.02))).toBeLessThan(0.1);
      expect(shown(at(0.9, 0.5))).toBeGreaterThan(0.4);
      expect(shown(at(0.35, 0.3))).toBeLessThan(shown(at(0.35, 0.5))); // lung darker than mediastinum
    });

    it.each(files)('should pass dciodvfy without errors: %s', (file) => {
      // dciodvfy exits non-zero on warnings too; the errors are what make an object non-conformant.
      const result = execFileSync('sh', ['-c', 'dciodvfy "$1" 2>&1 || true', 'sh', join(samplesDir, file)], { encoding: 'utf8' });
      expect(result.split('\n').filter((line) => line.startsWith('Error'))).toEqual([]);
    });
  });
});
