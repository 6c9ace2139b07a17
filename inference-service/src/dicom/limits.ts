/**
 * Bounds no chest radiograph comes near, checked on the raw bytes before any parser allocates for
 * them (see scanLimits.ts). A file past one is refused with the limit's own error code. The largest
 * chest detectors are about 4300 × 4300 pixels at 16 bits (37 MB); real images have a few hundred
 * elements and sequences nested a few levels deep.
 */
export interface DicomLimits {
  /** Sequences inside sequences (Orthanc 1.10 crashes on a few thousand; dcmjs recurses too). */
  readonly maxSequenceDepth: number;
  /** Data elements in the whole data set, nested ones included. */
  readonly maxElements: number;
  /** Rows × Columns of one frame. */
  readonly maxPixelsPerFrame: number;
  /** Rows, and Columns, each. */
  readonly maxDimension: number;
  /** The declared length of native Pixel Data, and the size one decoded frame would take. */
  readonly maxPixelDataBytes: number;
  /**
   * Inflated size ÷ deflated size for the Deflated Explicit VR Little Endian transfer syntax, once the
   * inflated data set is past 16 MB (small synthetic images inflate 50× and more; noisy radiographs ~2×).
   */
  readonly maxInflateRatio: number;
  /** Items in encapsulated Pixel Data (the offset table and every fragment). */
  readonly maxFragments: number;
}

export const dicomLimitDefaults: DicomLimits = Object.freeze({
  maxSequenceDepth: 32,
  maxElements: 50_000,
  maxPixelsPerFrame: 6000 * 6000,
  maxDimension: 8192,
  maxPixelDataBytes: 256 * 1024 * 1024,
  maxInflateRatio: 100,
  maxFragments: 10_000,
});

/** Each limit's error code (DicomReadError.code) and the environment variable that sets it. */
export const dicomLimitNames = {
  maxSequenceDepth: { code: 'limit-sequence-depth', env: 'CXR_LIMIT_SEQUENCE_DEPTH' },
  maxElements: { code: 'limit-element-count', env: 'CXR_LIMIT_ELEMENTS' },
  maxPixelsPerFrame: { code: 'limit-image-size', env: 'CXR_LIMIT_PIXELS_PER_FRAME' },
  maxDimension: { code: 'limit-image-dimension', env: 'CXR_LIMIT_DIMENSION' },
  maxPixelDataBytes: { code: 'limit-pixel-data-size', env: 'CXR_LIMIT_PIXEL_DATA_BYTES' },
  maxInflateRatio: { code: 'limit-inflate-ratio', env: 'CXR_LIMIT_INFLATE_RATIO' },
  maxFragments: { code: 'limit-fragment-count', env: 'CXR_LIMIT_FRAGMENTS' },
} as const satisfies Record<keyof DicomLimits, { code: string; env: string }>;

export type DicomLimitCode = (typeof dicomLimitNames)[keyof DicomLimits]['code'];
