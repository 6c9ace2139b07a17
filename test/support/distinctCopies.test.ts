import { describe, expect, it } from 'vitest';
import { readDicomDataset } from '../../inference-service/src/dicom/index.ts';
import { writePart10 } from '../../inference-service/src/dicom/writePart10.ts';
import { readRealImage } from '../api/harness.ts';
import { distinctCopies } from './orthanc.ts';

describe('distinctCopies', () => {
  it('should give every copy its own SOP Instance UID, also when the UID ends in 39 digits (2.25)', async () => {
    const { dataset } = readDicomDataset(await readRealImage());
    const long = writePart10({ ...dataset, SOPInstanceUID: '2.25.123456789012345678901234567890123456789' });
    for (const part10 of [await readRealImage(), long]) {
      const uids = distinctCopies(part10, 5).map((copy) => String(readDicomDataset(copy).dataset.SOPInstanceUID));
      expect(new Set([...uids, String(readDicomDataset(part10).dataset.SOPInstanceUID)]).size).toBe(6);
    }
  });
});
