import { decodeFirstFrame } from './decodeFirstFrame.ts';
import { DicomReadError } from './errors.ts';
import { encapsulatedPixelDataComplete, nativePixelDataFits } from './pixelDataTruncation.ts';
import type { DicomLimits } from './limits.ts';
import { parsePart10 } from './parsePart10.ts';
import { readPixelAttributes } from './pixelAttributes.ts';
import { toStoredValues } from './storedValues.ts';
import { transferSyntaxInfo } from './transferSyntaxes.ts';
import type { DicomImage } from './types.ts';

function scalarString(value: unknown): string | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  return typeof v === 'string' ? v.trim().replace(/\0+$/, '') : undefined;
}

/**
 * Reads a DICOM Part-10 file and decodes the first frame of its Pixel Data to stored values (see
 * DicomPixelFrame). Colour images decode too (JPEG and JPEG 2000 colour comes out as RGB); deciding
 * what the product accepts is the caller's job. Every failure is a DicomReadError with a stable code.
 * Codec WebAssembly is instantiated on first use and reused.
 */
export async function readDicomImage(bytes: Uint8Array, options: { limits?: DicomLimits } = {}): Promise<DicomImage> {
  const { part10, meta, dataset, pixelData, pixelDataVR, extendedOffsetTable } = parsePart10(bytes, options.limits);
  if (pixelData === undefined) {
    if (dataset.FloatPixelData !== undefined || dataset.DoubleFloatPixelData !== undefined) {
      throw new DicomReadError('unsupported-pixel-format', 'readDicomImage: Float/Double Float Pixel Data is not supported, only integer Pixel Data (7FE0,0010)');
    }
    const sopClass = scalarString(dataset.SOPClassUID) ?? 'unknown';
    throw new DicomReadError('no-pixel-data', `readDicomImage: the data set has no Pixel Data (7FE0,0010) (SOP Class ${sopClass})`);
  }
  const transferSyntaxUID = scalarString(meta.TransferSyntaxUID) ?? '';
  const syntax = transferSyntaxInfo(transferSyntaxUID);
  if (syntax === undefined) {
    throw new DicomReadError(
      'unsupported-transfer-syntax',
      `readDicomImage: transfer syntax ${transferSyntaxUID || '(missing)'} is not one this reader decodes`,
    );
  }
  const attrs = readPixelAttributes(dataset);
  if (syntax.encoding === 'native-little-endian' || syntax.encoding === 'native-big-endian') {
    const declared = pixelData[0]?.byteLength ?? 0;
    if (nativePixelDataFits(part10, declared, syntax.encoding === 'native-big-endian') === false) {
      throw new DicomReadError(
        'corrupt-pixel-data',
        `readDicomImage: Pixel Data (7FE0,0010) declares ${declared} bytes but the file ends before them (truncated file)`,
      );
    }
  } else if (encapsulatedPixelDataComplete(part10) === false) {
    throw new DicomReadError(
      'corrupt-pixel-data',
      'readDicomImage: encapsulated Pixel Data (7FE0,0010) has no Sequence Delimitation Item (truncated file, PS3.5 A.4)',
    );
  }
  let frame;
  try {
    frame = await decodeFirstFrame(pixelData, pixelDataVR, syntax, attrs, extendedOffsetTable);
  } catch (cause) {
    if (cause instanceof DicomReadError) throw cause;
    // A codec or typed-array failure we did not foresee: still a reading failure, never a crash.
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new DicomReadError('corrupt-pixel-data', `readDicomImage: decoding frame 1 (${syntax.name}) failed: ${reason}`, { cause });
  }
  const pixels = toStoredValues(frame.words, attrs, frame.owned);
  return {
    meta,
    dataset,
    frame: {
      rows: attrs.Rows,
      columns: attrs.Columns,
      samplesPerPixel: attrs.SamplesPerPixel,
      photometricInterpretation: frame.photometricInterpretation,
      bitsAllocated: attrs.BitsAllocated,
      bitsStored: attrs.BitsStored,
      highBit: attrs.HighBit,
      pixelRepresentation: attrs.PixelRepresentation,
      transferSyntaxUID,
      numberOfFrames: attrs.NumberOfFrames,
      pixels,
    },
  };
}
