import type { DicomLimits } from './limits.ts';
import { parsePart10 } from './parsePart10.ts';
import type { DicomDataset } from './types.ts';

/**
 * Parses a DICOM Part-10 file (PS3.10) without decoding pixels: the File Meta Information and the data
 * set, naturalized to DICOM keywords (`PatientID`, `StudyInstanceUID`, sequences as arrays of data
 * sets; tags without a keyword keep their 8 hex digits). Throws DicomReadError 'not-dicom', or a
 * `limit-*` code for a file past `limits` (limits.ts).
 */
export function readDicomDataset(part10: Uint8Array, options: { limits?: DicomLimits } = {}): { meta: DicomDataset; dataset: DicomDataset } {
  const { meta, dataset } = parsePart10(part10, options.limits);
  return { meta, dataset };
}
