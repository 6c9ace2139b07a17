import type { DicomDataset } from './types.ts';
import { encodeDataSet } from './writePart10.ts';

/**
 * One element in Explicit VR Little Endian, as dcmjs writes it (tag, VR, length, value padded to even
 * length), for the few value kinds the SR templates splice in by the thousand. dcmjs needs ~20 µs per
 * element (a write stream, its dictionary, the denaturalised copy); these are a few hundred nanoseconds.
 * Any other keyword, or a value outside the plain forms handled here, goes through dcmjs.
 */
interface Encoding {
  readonly group: number;
  readonly element: number;
  readonly vr: 'UT' | 'UI' | 'FL';
}

// PS3.6: TextValue (0040,A160) UT, UID (0040,A124) UI, ReferencedSOPInstanceUID (0008,1155) UI, GraphicData (0070,0022) FL.
const encodings: Readonly<Record<string, Encoding>> = {
  TextValue: { group: 0x0040, element: 0xa160, vr: 'UT' },
  UID: { group: 0x0040, element: 0xa124, vr: 'UI' },
  ReferencedSOPInstanceUID: { group: 0x0008, element: 0x1155, vr: 'UI' },
  GraphicData: { group: 0x0070, element: 0x0022, vr: 'FL' },
};

const printableAscii = /^[\x20-\x7e]*$/;

export function encodeElement(keyword: string, value: unknown): Uint8Array {
  const encoding = encodings[keyword];
  const bytes = encoding && valueBytes(encoding.vr, value);
  if (!encoding || !bytes) return encodeDataSet({ [keyword]: value } as DicomDataset);
  // UT has the long form (2 reserved bytes, 4-byte length, PS3.5 7.1.2); UI and FL the short one.
  const long = encoding.vr === 'UT';
  const out = new Uint8Array((long ? 12 : 8) + bytes.length);
  const view = new DataView(out.buffer);
  view.setUint16(0, encoding.group, true);
  view.setUint16(2, encoding.element, true);
  out[4] = encoding.vr.charCodeAt(0);
  out[5] = encoding.vr.charCodeAt(1);
  if (long) view.setUint32(8, bytes.length, true);
  else view.setUint16(6, bytes.length, true);
  out.set(bytes, long ? 12 : 8);
  return out;
}

/** The padded value, or undefined for anything but the plain forms (dcmjs then decides). */
function valueBytes(vr: Encoding['vr'], value: unknown): Uint8Array | undefined {
  if (vr === 'FL') {
    if (!Array.isArray(value) || value.length === 0 || value.length > 16_383 || !value.every((v) => typeof v === 'number' && Number.isFinite(v))) return undefined;
    const floats = new Float32Array(value as number[]);
    return new Uint8Array(floats.buffer);
  }
  // A string of printable ASCII: one byte per character whatever the character set, no escapes.
  if (typeof value !== 'string' || value.length === 0 || !printableAscii.test(value)) return undefined;
  if (vr === 'UI' && value.length > 64) return undefined;
  // dcmjs strips a UT's trailing spaces and pads to even with a space; a UI is padded with NUL (PS3.5 6.2).
  if (vr === 'UT' && value.endsWith(' ')) return undefined;
  // A loop, not Uint8Array.from(string): that walks the string's iterator, a string and a result per character.
  const bytes = new Uint8Array(value.length + (value.length % 2));
  for (let i = 0; i < value.length; i++) bytes[i] = value.charCodeAt(i);
  if (value.length % 2 === 1) bytes[value.length] = vr === 'UI' ? 0 : 0x20;
  return bytes;
}
