import { DicomReadError } from './errors.ts';
import type { DicomDataset } from './types.ts';

/** The Image Pixel Module attributes (PS3.3 C.7.6.3) that say how to read Pixel Data. */
export interface PixelAttributes {
  readonly Rows: number;
  readonly Columns: number;
  readonly SamplesPerPixel: number;
  readonly PhotometricInterpretation: string;
  readonly BitsAllocated: number;
  readonly BitsStored: number;
  readonly HighBit: number;
  readonly PixelRepresentation: 0 | 1;
  readonly PlanarConfiguration: 0 | 1;
  readonly NumberOfFrames: number;
}

/** dcmjs naturalizes single values to scalars, multiple to arrays, IS/DS sometimes to strings. */
function scalar(value: unknown): unknown {
  return Array.isArray(value) ? value[0] : value;
}

function readInteger(dataset: DicomDataset, keyword: string, fallback?: number): number {
  const raw = scalar(dataset[keyword]);
  if (raw === undefined || raw === null || raw === '') {
    if (fallback !== undefined) return fallback;
    throw new DicomReadError('invalid-pixel-attributes', `Image Pixel Module: ${keyword} is missing (PS3.3 C.7.6.3)`);
  }
  const value = typeof raw === 'string' ? Number(raw.trim()) : raw;
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new DicomReadError('invalid-pixel-attributes', `Image Pixel Module: ${keyword} is not an integer (${JSON.stringify(raw)})`);
  }
  return value;
}

function fail(message: string): never {
  throw new DicomReadError('invalid-pixel-attributes', `Image Pixel Module: ${message}`);
}

export function readPixelAttributes(dataset: DicomDataset): PixelAttributes {
  const Rows = readInteger(dataset, 'Rows');
  const Columns = readInteger(dataset, 'Columns');
  if (Rows < 1 || Columns < 1) fail(`Rows × Columns is ${Rows} × ${Columns}`);
  const SamplesPerPixel = readInteger(dataset, 'SamplesPerPixel', 1);
  if (SamplesPerPixel !== 1 && SamplesPerPixel !== 3) fail(`SamplesPerPixel is ${SamplesPerPixel}, not 1 or 3`);
  const pi = scalar(dataset.PhotometricInterpretation);
  if (typeof pi !== 'string' || pi.trim() === '') fail('PhotometricInterpretation is missing');
  const BitsAllocated = readInteger(dataset, 'BitsAllocated');
  const BitsStored = readInteger(dataset, 'BitsStored', BitsAllocated);
  const HighBit = readInteger(dataset, 'HighBit', BitsStored - 1);
  if (BitsStored < 1 || BitsStored > BitsAllocated) fail(`BitsStored ${BitsStored} is not within 1..BitsAllocated (${BitsAllocated})`);
  // PS3.5 8.1.1: the stored bits sit below HighBit, so HighBit must leave room for them.
  if (HighBit < BitsStored - 1 || HighBit >= BitsAllocated) {
    fail(`HighBit ${HighBit} does not fit BitsStored ${BitsStored} in BitsAllocated ${BitsAllocated}`);
  }
  const PixelRepresentation = readInteger(dataset, 'PixelRepresentation', 0);
  if (PixelRepresentation !== 0 && PixelRepresentation !== 1) fail(`PixelRepresentation is ${PixelRepresentation}, not 0 or 1`);
  // PS3.3 C.7.6.3.1.3: only meaningful with several samples; a stray value on grayscale is ignored.
  const planar = SamplesPerPixel > 1 ? readInteger(dataset, 'PlanarConfiguration', 0) : 0;
  if (planar !== 0 && planar !== 1) fail(`PlanarConfiguration is ${planar}, not 0 or 1`);
  const NumberOfFrames = readInteger(dataset, 'NumberOfFrames', 1);
  if (NumberOfFrames < 1) fail(`NumberOfFrames is ${NumberOfFrames}`);
  return {
    Rows,
    Columns,
    SamplesPerPixel,
    PhotometricInterpretation: pi.trim(),
    BitsAllocated,
    BitsStored,
    HighBit,
    PixelRepresentation,
    PlanarConfiguration: planar,
    NumberOfFrames,
  };
}
