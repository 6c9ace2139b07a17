/**
 * The UIDs a findings SR is built from and filed under (PS3.5 §9.1: at most 64 characters of digits and
 * dots, one value). A file that breaks them is refused by name, per file: dcmjs would otherwise fail
 * writing the SR, or Orthanc would file it under a UID no other system accepts.
 */
import type { DicomDataset } from '../dicom/types.ts';
import { ClassifyError } from './classifyError.ts';

const identifyingUids = [
  ['StudyInstanceUID', '(0020,000D)'],
  ['SeriesInstanceUID', '(0020,000E)'],
  ['SOPInstanceUID', '(0008,0018)'],
  ['SOPClassUID', '(0008,0016)'],
] as const;

const uidPattern = /^[0-9]+(\.[0-9]+)*$/;

/** Throws ClassifyError 'invalid-uid' naming the first attribute that is missing, multi-valued, too long or malformed. */
export function checkIdentifiers(dataset: DicomDataset): void {
  for (const [keyword, tag] of identifyingUids) {
    const value = dataset[keyword];
    const values = Array.isArray(value) ? value : value === undefined || value === null || value === '' ? [] : [value];
    const named = `${keyword} ${tag}`;
    if (values.length === 0) throw new ClassifyError('invalid-uid', `Not classified: ${named} is missing`);
    if (values.length > 1) throw new ClassifyError('invalid-uid', `Not classified: ${named} has ${values.length} values; a UID has exactly one (PS3.3)`);
    const uid = typeof values[0] === 'string' ? values[0].replace(/\0+$/, '').trim() : '';
    if (uid.length > 64) throw new ClassifyError('invalid-uid', `Not classified: ${named} is ${uid.length} characters long; a UID has at most 64 (PS3.5 §9.1)`);
    if (!uidPattern.test(uid)) throw new ClassifyError('invalid-uid', `Not classified: ${named} '${uid.slice(0, 64)}' is not digits separated by dots (PS3.5 §9.1)`);
  }
}
