import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** Real chest X-rays live beside the project, never inside it. */
export const sharedCxrDir = resolve(repoRoot, '../shared/data/cxr');
export const realJpegBaselineDcm = resolve(sharedCxrDir, 'siim-pa-jpeg-baseline.dcm');
export const realMonochrome1Dcm = resolve(sharedCxrDir, 'siim-pa-monochrome1-jpeg-baseline.dcm');
/** Debian's python3-pydicom ships a corpus of odd, compressed and malformed DICOM files. */
export const pydicomTestFilesDir = '/usr/lib/python3/dist-packages/pydicom/data/test_files';
export const artifactsDir = resolve(repoRoot, 'artifacts');
