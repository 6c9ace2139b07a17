/**
 * The product's only door to DICOM reading. dcmjs stays behind it; callers get typed shapes and
 * DicomReadError with a stable code.
 */
export { readDicomDataset } from './readDicomDataset.ts';
export { DicomReadError, dicomReadErrorCodes, isDicomReadError } from './errors.ts';
export type { DicomReadErrorCode } from './errors.ts';
export type { DicomDataset, DicomImage, DicomPixelFrame, StoredPixels } from './types.ts';
export { readDicomImage } from './readDicomImage.ts';
export { transferSyntaxes } from './transferSyntaxes.ts';
export type { TransferSyntaxInfo } from './transferSyntaxes.ts';
export { dicomLimitDefaults, dicomLimitNames } from './limits.ts';
export type { DicomLimits } from './limits.ts';
export { scanLimits } from './scanLimits.ts';
export { rawDatasetSyntax } from './rawDataset.ts';
