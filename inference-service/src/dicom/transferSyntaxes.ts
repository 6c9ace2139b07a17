/**
 * Transfer syntaxes this reader decodes (PS3.5 10 and Annex A; UIDs from PS3.6 Annex A), and how their
 * pixel data is encoded. Anything not listed is refused as 'unsupported-transfer-syntax'.
 */
export type PixelEncoding =
  /** Native (uncompressed) pixel data, little-endian words. Deflate is undone by the parser. */
  | 'native-little-endian'
  /** Native pixel data, big-endian words (retired Explicit VR Big Endian). */
  | 'native-big-endian'
  /** Encapsulated DCT JPEG (ISO 10918-1 processes 1, 2 and 4). */
  | 'jpeg-dct'
  /** Encapsulated lossless JPEG (ISO 10918-1 process 14, any predictor). */
  | 'jpeg-lossless'
  /** Encapsulated JPEG-LS (ISO 14495-1), lossless or near-lossless. */
  | 'jpeg-ls'
  /** Encapsulated JPEG 2000 Part 1 codestream (ISO 15444-1), reversible or irreversible. */
  | 'jpeg-2000'
  /** Encapsulated High-Throughput JPEG 2000 codestream (ISO 15444-15), reversible or irreversible. */
  | 'htj2k'
  /** Encapsulated RLE Lossless (PS3.5 Annex G). */
  | 'rle';

export interface TransferSyntaxInfo {
  readonly name: string;
  readonly encoding: PixelEncoding;
  /** Whether decoded values may differ from what was compressed (the caller may want to say so). */
  readonly lossy: boolean;
}

export const transferSyntaxes = Object.freeze({
  '1.2.840.10008.1.2': { name: 'Implicit VR Little Endian', encoding: 'native-little-endian', lossy: false },
  '1.2.840.10008.1.2.1': { name: 'Explicit VR Little Endian', encoding: 'native-little-endian', lossy: false },
  '1.2.840.10008.1.2.1.99': { name: 'Deflated Explicit VR Little Endian', encoding: 'native-little-endian', lossy: false },
  '1.2.840.10008.1.2.2': { name: 'Explicit VR Big Endian (retired)', encoding: 'native-big-endian', lossy: false },
  '1.2.840.10008.1.2.4.50': { name: 'JPEG Baseline (Process 1)', encoding: 'jpeg-dct', lossy: true },
  '1.2.840.10008.1.2.4.51': { name: 'JPEG Extended (Process 2 & 4)', encoding: 'jpeg-dct', lossy: true },
  '1.2.840.10008.1.2.4.57': { name: 'JPEG Lossless, Non-Hierarchical (Process 14)', encoding: 'jpeg-lossless', lossy: false },
  '1.2.840.10008.1.2.4.70': { name: 'JPEG Lossless, Non-Hierarchical, First-Order Prediction (Process 14 [Selection Value 1])', encoding: 'jpeg-lossless', lossy: false },
  '1.2.840.10008.1.2.4.80': { name: 'JPEG-LS Lossless', encoding: 'jpeg-ls', lossy: false },
  '1.2.840.10008.1.2.4.81': { name: 'JPEG-LS Lossy (Near-Lossless)', encoding: 'jpeg-ls', lossy: true },
  '1.2.840.10008.1.2.4.90': { name: 'JPEG 2000 (Lossless Only)', encoding: 'jpeg-2000', lossy: false },
  '1.2.840.10008.1.2.4.91': { name: 'JPEG 2000', encoding: 'jpeg-2000', lossy: true },
  '1.2.840.10008.1.2.4.201': { name: 'High-Throughput JPEG 2000 (Lossless Only)', encoding: 'htj2k', lossy: false },
  '1.2.840.10008.1.2.4.202': { name: 'High-Throughput JPEG 2000 with RPCL Options (Lossless Only)', encoding: 'htj2k', lossy: false },
  '1.2.840.10008.1.2.4.203': { name: 'High-Throughput JPEG 2000', encoding: 'htj2k', lossy: true },
  '1.2.840.10008.1.2.5': { name: 'RLE Lossless', encoding: 'rle', lossy: false },
} as const satisfies Record<string, TransferSyntaxInfo>);

export type SupportedTransferSyntaxUID = keyof typeof transferSyntaxes;

export function transferSyntaxInfo(uid: string): TransferSyntaxInfo | undefined {
  return Object.hasOwn(transferSyntaxes, uid) ? transferSyntaxes[uid as SupportedTransferSyntaxUID] : undefined;
}
