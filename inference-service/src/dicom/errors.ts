/**
 * Why a DICOM file could not be read. The code is stable (callers and HTTP/CLI layers branch on it);
 * the message says what and where, for a human.
 */
export const dicomReadErrorCodes = [
  /** No Part-10 preamble + "DICM", or the data set cannot be parsed at all. */
  'not-dicom',
  /** A readable data set without (7FE0,0010) Pixel Data (an SR, a presentation state…). */
  'no-pixel-data',
  /** Pixel Data present but an Image Pixel Module attribute is missing or contradicts it. */
  'invalid-pixel-attributes',
  /** A transfer syntax this reader has no decoder for. */
  'unsupported-transfer-syntax',
  /** A pixel layout it does not handle (e.g. BitsAllocated 1, 12 or 64, float pixels). */
  'unsupported-pixel-format',
  /** The pixel bytes are short, or a codec rejected them. */
  'corrupt-pixel-data',
  // Past a bound no chest radiograph needs (limits.ts), refused before parsing: one code per limit.
  'limit-sequence-depth',
  'limit-element-count',
  'limit-image-size',
  'limit-image-dimension',
  'limit-pixel-data-size',
  'limit-inflate-ratio',
  'limit-fragment-count',
] as const;

export type DicomReadErrorCode = (typeof dicomReadErrorCodes)[number];

export class DicomReadError extends Error {
  override readonly name = 'DicomReadError';

  constructor(
    readonly code: DicomReadErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function isDicomReadError(value: unknown): value is DicomReadError {
  return value instanceof DicomReadError;
}
