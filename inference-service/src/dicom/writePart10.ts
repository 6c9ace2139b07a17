import dcmjs from 'dcmjs';
import type { DcmjsDict } from 'dcmjs';
import { encodeNaturalized } from './encodeNaturalized.ts';
import type { DicomDataset } from './types.ts';

/** PS3.5 A.2: Explicit VR Little Endian. Everything this product writes uses it. */
const explicitVrLittleEndian = '1.2.840.10008.1.2.1';

/**
 * Who wrote the file (PS3.10 7.1, (0002,0012) and (0002,0013)). The class UID is name-based under
 * 2.25 (PS3.5 B.2), fixed for this implementation: 2.25 + the decimal form of a random (version 4) UUID drawn once.
 */
export const implementationIdentity = Object.freeze({
  ImplementationClassUID: '2.25.157895743470302220799988967601007441137',
  /** SH, at most 16 characters. */
  ImplementationVersionName: 'CXRFINDINGS_0_1',
} as const);

/** Naturalized bookkeeping keys dcmjs adds and understands; not DICOM elements. */
const dcmjsKeys = new Set(['_vrMap', '_meta']);
const hexTag = /^[0-9A-Fa-f]{8}$/;

/**
 * Serializes a naturalized data set as a DICOM Part-10 file (PS3.10 7.1): 128-byte preamble, "DICM",
 * File Meta Information (group 0002, with its group length computed by dcmjs from what follows,
 * MediaStorageSOPClassUID/InstanceUID taken from the data set's SOPClassUID/SOPInstanceUID,
 * Explicit VR Little Endian, our implementation class UID and version name), then the data set in
 * Explicit VR Little Endian.
 *
 * Elements the data set has under an 8-hex-digit key (private or unknown tags, as the reader leaves
 * them) are not written: a naturalized value no longer carries its VR. Encoded-string VRs are written
 * as UTF-8, so callers with non-ASCII text set SpecificCharacterSet to "ISO_IR 192".
 */
export function writePart10(dataset: DicomDataset): Uint8Array {
  const { SOPClassUID, SOPInstanceUID } = fileIdentity(dataset);
  const body = encodeNaturalized(writableElements(dataset), encodeOddElement);
  const meta = body && encodeNaturalized(fileMeta(SOPClassUID, SOPInstanceUID), encodeOddElement);
  if (!body || !meta) return writePart10WithDcmjs(dataset);
  // Preamble, "DICM", (0002,0000) UL FileMetaInformationGroupLength, the meta elements, then the data set.
  const out = new Uint8Array(132 + 12 + meta.length + body.length);
  out.set([0x44, 0x49, 0x43, 0x4d], 128);
  out.set([0x02, 0x00, 0x00, 0x00, 0x55, 0x4c, 0x04, 0x00], 132);
  new DataView(out.buffer).setUint32(140, meta.length, true);
  out.set(meta, 144);
  out.set(body, 144 + meta.length);
  return out;
}

/** writePart10 as dcmjs writes it: the reference the fast path is held equal to, and its fallback. */
export function writePart10WithDcmjs(dataset: DicomDataset): Uint8Array {
  const { SOPClassUID, SOPInstanceUID } = fileIdentity(dataset);
  const dict = denaturalize(dataset, SOPInstanceUID);
  const meta = dcmjs.data.DicomMetaDictionary.denaturalizeDataset(fileMeta(SOPClassUID, SOPInstanceUID));
  const file = new dcmjs.data.DicomDict(meta);
  file.dict = dict;
  return new Uint8Array(file.write());
}

function fileIdentity(dataset: DicomDataset): { SOPClassUID: string; SOPInstanceUID: string } {
  const SOPClassUID = dataset['SOPClassUID'];
  const SOPInstanceUID = dataset['SOPInstanceUID'];
  if (typeof SOPClassUID !== 'string' || SOPClassUID.length === 0) {
    throw new Error('writePart10: the data set has no SOPClassUID (0008,0016); PS3.10 7.1 needs it for MediaStorageSOPClassUID');
  }
  if (typeof SOPInstanceUID !== 'string' || SOPInstanceUID.length === 0) {
    throw new Error('writePart10: the data set has no SOPInstanceUID (0008,0018); PS3.10 7.1 needs it for MediaStorageSOPInstanceUID');
  }
  return { SOPClassUID, SOPInstanceUID };
}

/** The File Meta Information but its group length (DicomDict.write and writePart10 compute that from what follows). */
function fileMeta(SOPClassUID: string, SOPInstanceUID: string): DicomDataset {
  return {
    FileMetaInformationVersion: new Uint8Array([0x00, 0x01]).buffer,
    MediaStorageSOPClassUID: SOPClassUID,
    MediaStorageSOPInstanceUID: SOPInstanceUID,
    TransferSyntaxUID: explicitVrLittleEndian,
    ImplementationClassUID: implementationIdentity.ImplementationClassUID,
    ImplementationVersionName: implementationIdentity.ImplementationVersionName,
  } as DicomDataset;
}

/**
 * The data set's elements alone, Explicit VR Little Endian, exactly as writePart10 writes them after the
 * File Meta Information (same element filtering): for callers that assemble a file from parts.
 */
export function encodeDataSet(dataset: DicomDataset): Uint8Array {
  return encodeNaturalized(writableElements(dataset), encodeOddElement) ?? encodeDataSetWithDcmjs(dataset);
}

/**
 * dcmjs's bytes of one element the fast encoder leaves to it, kept: the same few come back in every object
 * (the patient's and the referring physician's names, FileMetaInformationVersion, the map's AT pointers),
 * and dcmjs took ~0.2 ms each, a fifth of building an image's objects. A lone element's bytes depend on
 * its keyword, VR and value only, so the key is those.
 */
const oddElements = new Map<string, Uint8Array>();
const maxOddElements = 2_000;

function encodeOddElement(element: DicomDataset): Uint8Array {
  const key = oddElementKey(element);
  if (key === undefined) return encodeDataSetWithDcmjs(element);
  let bytes = oddElements.get(key);
  if (bytes === undefined) {
    if (oddElements.size >= maxOddElements) oddElements.clear();
    bytes = encodeDataSetWithDcmjs(element);
    oddElements.set(key, bytes);
  }
  return bytes;
}

/** JSON of the element, binary values by their bytes (JSON writes every ArrayBuffer as {}); none for large ones. */
function oddElementKey(element: DicomDataset): string | undefined {
  let tooLarge = false;
  const key = JSON.stringify(element, (_key, value: unknown) => {
    if (!(value instanceof ArrayBuffer) && !ArrayBuffer.isView(value)) return value;
    const bytes = value instanceof ArrayBuffer ? new Uint8Array(value) : new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
    if (bytes.byteLength > 64) tooLarge = true;
    return `${value.constructor.name}:${Buffer.from(bytes).toString('hex')}`;
  });
  return tooLarge ? undefined : key;
}

/** encodeDataSet as dcmjs writes it (the fast path's reference and fallback, and its encoder of single odd elements). */
export function encodeDataSetWithDcmjs(dataset: DicomDataset): Uint8Array {
  const stream = new dcmjs.data.WriteBufferStream(4096, true);
  const dict = denaturalize(dataset, String(dataset['SOPInstanceUID'] ?? '(none)'));
  dcmjs.data.DicomMessage.write(dict, stream, explicitVrLittleEndian, { allowInvalidVRLength: false });
  return new Uint8Array(stream.getBuffer());
}

function denaturalize(dataset: DicomDataset, SOPInstanceUID: string): DcmjsDict {
  try {
    return dcmjs.data.DicomMetaDictionary.denaturalizeDataset(writableElements(dataset));
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new Error(`writePart10: cannot encode the data set of SOP instance ${SOPInstanceUID}: ${reason}`, { cause });
  }
}

/** The elements writePart10 writes: no 8-hex-digit keys, no undefined values, no private bookkeeping; Pixel Data's VR set. */
function writableElements(dataset: DicomDataset): DicomDataset {
  const elements: DicomDataset = {};
  for (const [key, value] of Object.entries(dataset)) {
    if (hexTag.test(key) || value === undefined) continue;
    if (!dcmjsKeys.has(key) && key.startsWith('_')) continue;
    elements[key] = value;
  }
  withPixelDataVR(elements);
  return elements;
}

/**
 * Pixel Data's VR depends on the data (dcmjs's dictionary says "ox"); without a `_vrMap` entry dcmjs
 * logs and guesses OW. PS3.5 A.2 / 8.2: native pixels are OB when BitsAllocated is 8 or less, else OW.
 */
function withPixelDataVR(elements: DicomDataset): void {
  if (elements['PixelData'] === undefined || elements['PixelData'] === null) return;
  const vrMap = (elements['_vrMap'] ?? {}) as Record<string, string>;
  if (vrMap['PixelData'] !== undefined) return;
  const bitsAllocated = Number(elements['BitsAllocated']);
  elements['_vrMap'] = { ...vrMap, PixelData: Number.isFinite(bitsAllocated) && bitsAllocated > 8 ? 'OW' : 'OB' };
}
