import dcmjs from 'dcmjs';
import type { DcmjsDict } from 'dcmjs';
import type { ExtendedOffsetTable } from './encapsulatedFrame.ts';
import { DicomReadError } from './errors.ts';
import { dicomLimitDefaults, type DicomLimits } from './limits.ts';
import { wrapRawDataset } from './rawDataset.ts';
import { scanLimits } from './scanLimits.ts';
import type { DicomDataset } from './types.ts';

// dcmjs reports oddities it tolerates through its own logger, some at level "error" (e.g. an AS of the
// wrong length). What it cannot tolerate it throws, and we turn that into DicomReadError; the rest must
// not reach the console of the service using this module.
dcmjs.log.setLevel('silent');
dcmjs.log.getLogger('validation.dcmjs').setLevel('silent');

/** (7FE0,0010) Pixel Data, as dcmjs keys it. */
const pixelDataTag = '7FE00010';
/** (7FE0,0001) Extended Offset Table and (7FE0,0002) its lengths, both OV (which dcmjs reads as raw bytes). */
const extendedOffsetTableTag = '7FE00001';
const extendedOffsetTableLengthsTag = '7FE00002';

/** A Part-10 file parsed once: what the public API hands out plus the raw pixel element. */
export interface ParsedPart10 {
  /** The bytes read: the input, or a bare data set with a File Meta Information put before it. */
  readonly part10: Uint8Array;
  readonly meta: DicomDataset;
  readonly dataset: DicomDataset;
  /**
   * The raw Pixel Data value as dcmjs read it: for native syntaxes one buffer holding every frame;
   * for encapsulated ones either one buffer per frame (when the Basic Offset Table says where frames
   * start) or one buffer per fragment (when it is empty). Undefined when the element is absent.
   */
  readonly pixelData: readonly (ArrayBuffer | Uint8Array)[] | undefined;
  /** The VR dcmjs gave Pixel Data (OB or OW; in implicit VR it guesses from BitsAllocated). */
  readonly pixelDataVR: string | undefined;
  /** Where each frame starts among the fragments, when the file has an Extended Offset Table. */
  readonly extendedOffsetTable?: ExtendedOffsetTable;
}

/** The 64-bit little-endian values of an OV element; an element that is not whole 8-byte words is an error. */
function readUint64s(element: { Value?: unknown } | undefined, name: string): number[] | undefined {
  const value = Array.isArray(element?.Value) ? (element.Value[0] as unknown) : undefined;
  if (value === undefined) return undefined;
  const bytes = value instanceof Uint8Array ? value : value instanceof ArrayBuffer ? new Uint8Array(value) : undefined;
  if (bytes === undefined || bytes.byteLength % 8 !== 0) {
    throw new DicomReadError('corrupt-pixel-data', `readDicomImage: ${name} is not a list of 64-bit values (OV, PS3.5 6.2)`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: number[] = [];
  for (let at = 0; at < bytes.byteLength; at += 8) {
    const v = view.getBigUint64(at, true);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new DicomReadError('corrupt-pixel-data', `readDicomImage: ${name} holds an offset of ${v} bytes`);
    out.push(Number(v));
  }
  return out;
}

/** dcmjs wants an ArrayBuffer; hand it the caller's memory when the view covers it exactly. */
function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer) {
    return bytes.buffer;
  }
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

/** PS3.10 7.1: a 128-byte preamble, then "DICM". Checked here so non-DICOM gets a clear message. */
function hasPart10Prefix(bytes: Uint8Array): boolean {
  return bytes.length >= 132 && bytes[128] === 0x44 && bytes[129] === 0x49 && bytes[130] === 0x43 && bytes[131] === 0x4d;
}

export function parsePart10(bytes: Uint8Array, limits: DicomLimits = dicomLimitDefaults): ParsedPart10 {
  const part10 = hasPart10Prefix(bytes) ? bytes : wrapRawDataset(bytes);
  if (!part10) {
    throw new DicomReadError(
      'not-dicom',
      `readDicomDataset: not a DICOM Part-10 file (${bytes.length} bytes; no "DICM" at offset 128, PS3.10 7.1), nor a data set whose first element parses`,
    );
  }
  // Before dcmjs allocates anything: it recurses per sequence and inflates without a bound.
  scanLimits(part10, limits);
  let dict: DcmjsDict;
  let metaDict: DcmjsDict;
  try {
    const parsed = dcmjs.data.DicomMessage.readFile(toArrayBuffer(part10), { ignoreErrors: true });
    dict = parsed.dict;
    metaDict = parsed.meta;
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new DicomReadError('not-dicom', `readDicomDataset: cannot parse the DICOM data set: ${reason}`, { cause });
  }
  let meta: DicomDataset;
  let dataset: DicomDataset;
  try {
    meta = dcmjs.data.DicomMetaDictionary.naturalizeDataset(metaDict);
    dataset = dcmjs.data.DicomMetaDictionary.naturalizeDataset(dict);
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new DicomReadError('not-dicom', `readDicomDataset: cannot interpret the DICOM data set: ${reason}`, { cause });
  }
  const pixelElement = dict[pixelDataTag];
  const value = pixelElement?.Value;
  const pixelData = Array.isArray(value)
    ? value.filter((v): v is ArrayBuffer | Uint8Array => v instanceof ArrayBuffer || v instanceof Uint8Array)
    : undefined;
  const offsets = readUint64s(dict[extendedOffsetTableTag], 'Extended Offset Table (7FE0,0001)');
  const lengths = readUint64s(dict[extendedOffsetTableLengthsTag], 'Extended Offset Table Lengths (7FE0,0002)');
  const extendedOffsetTable = offsets && offsets.length > 0 ? { offsets, ...(lengths ? { lengths } : {}) } : undefined;
  return { part10, meta, dataset, pixelData, pixelDataVR: pixelElement?.vr, ...(extendedOffsetTable ? { extendedOffsetTable } : {}) };
}
