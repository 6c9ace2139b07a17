import dcmjs from 'dcmjs';
import type { DcmjsDict } from 'dcmjs';
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
  const SOPClassUID = dataset['SOPClassUID'];
  const SOPInstanceUID = dataset['SOPInstanceUID'];
  if (typeof SOPClassUID !== 'string' || SOPClassUID.length === 0) {
    throw new Error('writePart10: the data set has no SOPClassUID (0008,0016); PS3.10 7.1 needs it for MediaStorageSOPClassUID');
  }
  if (typeof SOPInstanceUID !== 'string' || SOPInstanceUID.length === 0) {
    throw new Error('writePart10: the data set has no SOPInstanceUID (0008,0018); PS3.10 7.1 needs it for MediaStorageSOPInstanceUID');
  }
  const dict = denaturalize(dataset, SOPInstanceUID);
  // (0002,0000) FileMetaInformationGroupLength is not listed: DicomDict.write computes and prepends it.
  const meta: DcmjsDict = {
    '00020001': { vr: 'OB', Value: [new Uint8Array([0x00, 0x01]).buffer] },
    '00020002': { vr: 'UI', Value: [SOPClassUID] },
    '00020003': { vr: 'UI', Value: [SOPInstanceUID] },
    '00020010': { vr: 'UI', Value: [explicitVrLittleEndian] },
    '00020012': { vr: 'UI', Value: [implementationIdentity.ImplementationClassUID] },
    '00020013': { vr: 'SH', Value: [implementationIdentity.ImplementationVersionName] },
  };
  const file = new dcmjs.data.DicomDict(meta);
  file.dict = dict;
  return new Uint8Array(file.write());
}

/**
 * The data set's elements alone, Explicit VR Little Endian, exactly as writePart10 writes them after the
 * File Meta Information (same element filtering): for callers that assemble a file from parts.
 */
export function encodeDataSet(dataset: DicomDataset): Uint8Array {
  const stream = new dcmjs.data.WriteBufferStream(4096, true);
  const dict = denaturalize(dataset, String(dataset['SOPInstanceUID'] ?? '(none)'));
  dcmjs.data.DicomMessage.write(dict, stream, explicitVrLittleEndian, { allowInvalidVRLength: false });
  return new Uint8Array(stream.getBuffer());
}

function denaturalize(dataset: DicomDataset, SOPInstanceUID: string): DcmjsDict {
  const elements: DicomDataset = {};
  for (const [key, value] of Object.entries(dataset)) {
    if (hexTag.test(key) || value === undefined) continue;
    if (!dcmjsKeys.has(key) && key.startsWith('_')) continue;
    elements[key] = value;
  }
  withPixelDataVR(elements);
  try {
    return dcmjs.data.DicomMetaDictionary.denaturalizeDataset(elements);
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new Error(`writePart10: cannot encode the data set of SOP instance ${SOPInstanceUID}: ${reason}`, { cause });
  }
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
