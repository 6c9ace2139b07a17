import { decodeHtj2k } from './codecs/htj2k.ts';
import { decodeJpeg2000 } from './codecs/jpeg2000.ts';
import { decodeJpegDct } from './codecs/jpegDct.ts';
import { decodeJpegLossless } from './codecs/jpegLossless.ts';
import { decodeJpegLs } from './codecs/jpegLs.ts';
import { decodeRle } from './codecs/rle.ts';
import type { DecodedFrame } from './codecs/decodedFrame.ts';
import { firstEncapsulatedFrame } from './encapsulatedFrame.ts';
import type { ExtendedOffsetTable } from './encapsulatedFrame.ts';
import { DicomReadError } from './errors.ts';
import { firstNativeFrame, wordBytes } from './nativeFrame.ts';
import type { RawFrame } from './nativeFrame.ts';
import type { PixelAttributes } from './pixelAttributes.ts';
import type { RawWords } from './storedValues.ts';
import type { TransferSyntaxInfo } from './transferSyntaxes.ts';

/** Native chroma-subsampled YBR stores two samples per pixel pair (PS3.3 C.7.6.3.1.2): not unpacked here. */
const subsampledPhotometrics: ReadonlySet<string> = new Set(['YBR_FULL_422', 'YBR_PARTIAL_422', 'YBR_PARTIAL_420']);

export interface FirstFrame extends RawFrame {
  readonly photometricInterpretation: string;
}

/** Widens a codec's 8-bit output to 16/32-bit words when BitsAllocated says so (e.g. BitsStored 8 in 16). */
function toContainer(words: RawWords, bytesPerWord: 1 | 2 | 4, where: string): RawWords {
  if (words.BYTES_PER_ELEMENT === bytesPerWord) return words;
  if (words.BYTES_PER_ELEMENT > bytesPerWord) {
    throw new DicomReadError(
      'corrupt-pixel-data',
      `${where}: the codec produced ${words.BYTES_PER_ELEMENT * 8}-bit samples, more than BitsAllocated ${bytesPerWord * 8}`,
    );
  }
  const wide = bytesPerWord === 2 ? new Uint16Array(words.length) : new Uint32Array(words.length);
  wide.set(words);
  return wide;
}

async function decodeEncapsulated(encoded: Uint8Array, syntax: TransferSyntaxInfo, attrs: PixelAttributes, where: string): Promise<DecodedFrame> {
  switch (syntax.encoding) {
    case 'jpeg-dct':
      return decodeJpegDct(encoded, where);
    case 'jpeg-lossless':
      return decodeJpegLossless(encoded, where);
    case 'jpeg-ls':
      return decodeJpegLs(encoded, where);
    case 'jpeg-2000':
      return decodeJpeg2000(encoded, where);
    case 'htj2k':
      return decodeHtj2k(encoded, where);
    case 'rle':
      return decodeRle(
        encoded,
        { rows: attrs.Rows, columns: attrs.Columns, samplesPerPixel: attrs.SamplesPerPixel, bitsAllocated: attrs.BitsAllocated },
        where,
      );
    default:
      throw new DicomReadError('unsupported-transfer-syntax', `${where}: ${syntax.name} is not an encapsulated syntax`);
  }
}

/** Frame 1 as container words, native or decoded, with its photometric interpretation after decoding. */
export async function decodeFirstFrame(
  pixelData: readonly (ArrayBuffer | Uint8Array)[],
  pixelDataVR: string | undefined,
  syntax: TransferSyntaxInfo,
  attrs: PixelAttributes,
  extendedOffsetTable?: ExtendedOffsetTable,
): Promise<FirstFrame> {
  const where = `Pixel Data (${syntax.name})`;
  const bytesPerWord = wordBytes(attrs);
  if (syntax.encoding === 'native-little-endian' || syntax.encoding === 'native-big-endian') {
    if (subsampledPhotometrics.has(attrs.PhotometricInterpretation)) {
      throw new DicomReadError(
        'unsupported-pixel-format',
        `${where}: native ${attrs.PhotometricInterpretation} (chroma-subsampled) pixels are not supported`,
      );
    }
    const raw = firstNativeFrame(pixelData, attrs, { bigEndian: syntax.encoding === 'native-big-endian', vr: pixelDataVR });
    return { ...raw, photometricInterpretation: attrs.PhotometricInterpretation };
  }
  const encoded = firstEncapsulatedFrame(pixelData, attrs.NumberOfFrames, where, extendedOffsetTable);
  const decoded = await decodeEncapsulated(encoded, syntax, attrs, where);
  if (decoded.width !== attrs.Columns || decoded.height !== attrs.Rows) {
    throw new DicomReadError(
      'corrupt-pixel-data',
      `${where}: frame 1 decodes to ${decoded.width}×${decoded.height}, but Columns×Rows is ${attrs.Columns}×${attrs.Rows}`,
    );
  }
  if (decoded.components !== attrs.SamplesPerPixel) {
    throw new DicomReadError(
      'corrupt-pixel-data',
      `${where}: frame 1 decodes to ${decoded.components} component(s), but SamplesPerPixel is ${attrs.SamplesPerPixel}`,
    );
  }
  const samples = attrs.Rows * attrs.Columns * attrs.SamplesPerPixel;
  if (decoded.words.length !== samples) {
    throw new DicomReadError('corrupt-pixel-data', `${where}: frame 1 decodes to ${decoded.words.length} samples, Rows×Columns×SamplesPerPixel is ${samples}`);
  }
  return {
    words: toContainer(decoded.words, bytesPerWord, where),
    owned: true,
    photometricInterpretation: decoded.photometricInterpretation ?? attrs.PhotometricInterpretation,
  };
}
