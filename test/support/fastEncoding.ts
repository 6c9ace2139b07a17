import dcmjs from 'dcmjs';
import { expect } from 'vitest';
import { encodeNaturalized } from '../../inference-service/src/dicom/encodeNaturalized.ts';
import type { DicomDataset } from '../../inference-service/src/dicom/types.ts';
import { encodeDataSetWithDcmjs } from '../../inference-service/src/dicom/writePart10.ts';

/** VRs the fast encoder leaves to dcmjs element by element (their forms and formatting are dcmjs's own). */
const dcmjsVrs = new Set(['DS', 'IS', 'PN', 'AT', 'OB', 'OW', 'OF', 'OD', 'UN', 'US or SS', 'OB or OW']);
const nameMap = (dcmjs.data.DicomMetaDictionary as unknown as { nameMap: Record<string, { vr: string }> }).nameMap;

/** `dataset` through the fast encoder, with the keywords it handed dcmjs one by one. */
export function fastEncoding(dataset: DicomDataset): { bytes: Uint8Array | undefined; toDcmjs: string[] } {
  const toDcmjs: string[] = [];
  const bytes = encodeNaturalized(dataset, (element) => {
    toDcmjs.push(...Object.keys(element).filter((k) => k !== '_vrMap'));
    return encodeDataSetWithDcmjs(element);
  });
  return { bytes, toDcmjs };
}

/**
 * Asserts that a data set the product writes goes through the fast encoder (encodeNaturalized) as a whole,
 * and that the elements it hands dcmjs one by one are only those of the VRs it leaves to dcmjs: a product
 * object falling back to dcmjs would still be right, but slow, and nothing else would say so.
 */
export function expectFastEncoding(dataset: DicomDataset): void {
  const { bytes, toDcmjs } = fastEncoding(dataset);
  expect(bytes, 'the whole data set is written without dcmjs').toBeDefined();
  expect(toDcmjs.filter((keyword) => !dcmjsVrs.has(nameMap[keyword]?.vr ?? '')), 'elements of plain VRs handed to dcmjs').toEqual([]);
}
