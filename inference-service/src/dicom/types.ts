/**
 * The typed face of a DICOM image as the product needs it. dcmjs is untyped, so everything that
 * touches it stays inside `dicom/` and hands out these shapes.
 */

/** A naturalized dcmjs dataset: DICOM keywords to values, sequences as arrays of datasets. */
export type DicomDataset = Record<string, unknown>;

export type StoredPixels = Uint8Array | Int8Array | Uint16Array | Int16Array | Int32Array | Uint32Array;

/** The first frame of an image, decoded, with the attributes that say how to read it. */
export interface DicomPixelFrame {
  readonly rows: number;
  readonly columns: number;
  readonly samplesPerPixel: number;
  /**
   * Of the decoded samples: the file's value, except that colour JPEG and JPEG 2000 decode to 'RGB'
   * (the codecs undo YCbCr / RCT / ICT). MONOCHROME1 is reported, not inverted.
   */
  readonly photometricInterpretation: string;
  readonly bitsAllocated: number;
  readonly bitsStored: number;
  readonly highBit: number;
  /** 0 unsigned, 1 two's complement (PS3.3 C.7.6.3.1.3). */
  readonly pixelRepresentation: 0 | 1;
  readonly transferSyntaxUID: string;
  readonly numberOfFrames: number;
  /**
   * Stored values of frame 1, row-major, samples interleaved (PlanarConfiguration 0), already
   * masked to BitsStored at HighBit and sign-extended when PixelRepresentation is 1.
   */
  readonly pixels: StoredPixels;
}

/** A Part-10 file read once: its meta header, its data set, and its first frame decoded. */
export interface DicomImage {
  readonly meta: DicomDataset;
  readonly dataset: DicomDataset;
  readonly frame: DicomPixelFrame;
}
