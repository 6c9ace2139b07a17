import dcmjs from 'dcmjs';
import type { DicomDataset } from './types.ts';

/**
 * A naturalized data set in Explicit VR Little Endian with the bytes dcmjs writes, without dcmjs's
 * per-element machinery: a tag proxy, a write stream and a dictionary walk per element cost it ~20–60 µs,
 * and an object header has a hundred elements (the three objects of one image spent ~10 ms in dcmjs's
 * header writes, measured by a CPU profile of `POST /api/classify`).
 *
 * Only the plain forms are written here: printable-ASCII strings of the string VRs (no backslash, no
 * space at either end, line breaks inside text VRs only, within dcmjs's length limits), numbers of DS and IS
 * as dcmjs turns them into strings, finite numbers of the binary numeric VRs, and
 * sequences of such items (undefined lengths, as dcmjs writes them). Any other element — PN, AT,
 * OB/OW, non-ASCII text — is handed to dcmjs alone (`single`), and a keyword dcmjs does not know, or one it
 * would skip, makes the whole data set dcmjs's (undefined). Tests hold the bytes equal to dcmjs's.
 */
export function encodeNaturalized(dataset: DicomDataset, single: (element: DicomDataset) => Uint8Array): Uint8Array | undefined {
  const out = new ByteWriter();
  return writeItem(out, dataset, single) ? out.bytes() : undefined;
}

interface DictionaryEntry {
  readonly tag: string;
  readonly vr: string;
}

const nameMap = (dcmjs.data.DicomMetaDictionary as unknown as { nameMap: Record<string, DictionaryEntry | undefined> }).nameMap;
const tagNumbers = new Map<string, number>();

function tagOf(entry: DictionaryEntry): number {
  let tag = tagNumbers.get(entry.tag);
  if (tag === undefined) {
    // "(0008,0016)" → 0x00080016; repeating-group tags ("(60xx,0010)") have no one number.
    const hex = entry.tag.replace(/[(),]/g, '');
    tag = /^[0-9A-Fa-f]{8}$/.test(hex) ? Number.parseInt(hex, 16) : Number.NaN;
    tagNumbers.set(entry.tag, tag);
  }
  return tag;
}

/** String VRs written here, with dcmjs's pad byte and, where it truncates, the length it truncates to. */
const stringVrs: Readonly<Record<string, { pad: number; maxLength?: number; long: boolean }>> = {
  AE: { pad: 0x20, maxLength: 16, long: false },
  AS: { pad: 0x20, maxLength: 4, long: false },
  CS: { pad: 0x20, maxLength: 16, long: false },
  DA: { pad: 0x20, maxLength: 8, long: false },
  DS: { pad: 0x20, maxLength: 16, long: false },
  IS: { pad: 0x20, maxLength: 12, long: false },
  DT: { pad: 0x20, maxLength: 26, long: false },
  TM: { pad: 0x20, maxLength: 16, long: false },
  UI: { pad: 0x00, maxLength: 64, long: false },
  LO: { pad: 0x20, long: false },
  SH: { pad: 0x20, long: false },
  LT: { pad: 0x20, long: false },
  ST: { pad: 0x20, long: false },
  UC: { pad: 0x20, long: true },
  UR: { pad: 0x20, long: true },
  UT: { pad: 0x20, long: true },
};

/** Binary numeric VRs: bytes per value, and whether a value fits. */
const numberVrs: Readonly<Record<string, { size: number; fits: (v: number) => boolean }>> = {
  US: { size: 2, fits: (v) => Number.isInteger(v) && v >= 0 && v <= 0xffff },
  SS: { size: 2, fits: (v) => Number.isInteger(v) && v >= -0x8000 && v <= 0x7fff },
  UL: { size: 4, fits: (v) => Number.isInteger(v) && v >= 0 && v <= 0xffffffff },
  SL: { size: 4, fits: (v) => Number.isInteger(v) && v >= -0x80000000 && v <= 0x7fffffff },
  FL: { size: 4, fits: Number.isFinite },
  FD: { size: 8, fits: Number.isFinite },
};

const plainString = /^(?:[\x21-\x5b\x5d-\x7e](?:[\x20-\x5b\x5d-\x7e]*[\x21-\x5b\x5d-\x7e])?)?$/;
/** The text VRs (LT, ST, UT) may hold line breaks (PS3.5 6.1.3); the product writes "key: value" lines. */
const plainText = /^(?:[\x21-\x5b\x5d-\x7e](?:[\x20-\x5b\x5d-\x7e\r\n]*[\x21-\x5b\x5d-\x7e])?)?$/;
const textVrs = new Set(['LT', 'ST', 'UT']);
const numericStringVrs = new Set(['DS', 'IS']);
const bookkeeping = new Set(['_vrMap', '_meta']);

/** Writes one data set or item's elements in tag order; false when dcmjs must write the whole data set. */
function writeItem(out: ByteWriter, item: DicomDataset, single: (element: DicomDataset) => Uint8Array): boolean {
  const vrMap = (item['_vrMap'] ?? {}) as Record<string, string | undefined>;
  const elements: { tag: number; keyword: string; vr: string; value: unknown }[] = [];
  for (const keyword of Object.keys(item)) {
    if (bookkeeping.has(keyword)) continue;
    const value = item[keyword];
    const entry = nameMap[keyword];
    if (!entry) return false;
    if (value === undefined) continue;
    const tag = tagOf(entry);
    if (Number.isNaN(tag)) return false;
    elements.push({ tag, keyword, vr: vrMap[keyword] ?? entry.vr, value });
  }
  elements.sort((a, b) => a.tag - b.tag);
  for (const { tag, keyword, vr, value } of elements) {
    if (vr === 'SQ') {
      if (!writeSequence(out, tag, value, single)) return false;
    } else if (!writeString(out, tag, vr, value) && !writeNumbers(out, tag, vr, value)) {
      out.append(single({ [keyword]: value, ...(vrMap[keyword] ? { _vrMap: { [keyword]: vrMap[keyword] } } : {}) } as DicomDataset));
    }
  }
  return true;
}

function writeSequence(out: ByteWriter, tag: number, value: unknown, single: (element: DicomDataset) => Uint8Array): boolean {
  const items = value === null ? [] : value;
  if (!Array.isArray(items) || !items.every((i) => i !== null && typeof i === 'object' && !Array.isArray(i))) return false;
  out.header(tag, 'SQ', 0xffffffff, true);
  for (const child of items as DicomDataset[]) {
    out.u16(0xfffe).u16(0xe000).u32(0xffffffff);
    if (!writeItem(out, child, single)) return false;
    out.u16(0xfffe).u16(0xe00d).u32(0);
  }
  out.u16(0xfffe).u16(0xe0dd).u32(0);
  return true;
}

function writeString(out: ByteWriter, tag: number, vr: string, value: unknown): boolean {
  const form = stringVrs[vr];
  if (!form) return false;
  const given: unknown[] = value === null ? [] : Array.isArray(value) ? value : [value];
  // dcmjs turns numbers into String(n) before it writes a DS or IS (and truncates past the VR's length).
  const values = numericStringVrs.has(vr) ? given.map((v) => (typeof v === 'number' ? String(v) : v)) : given;
  const plain = textVrs.has(vr) ? plainText : plainString;
  if (!values.every((v): v is string => typeof v === 'string' && plain.test(v) && (form.maxLength === undefined || v.length <= form.maxLength))) return false;
  const text = values.join('\\');
  const length = text.length + (text.length % 2);
  if (!form.long && length > 0xffff) return false;
  out.header(tag, vr, length, form.long);
  out.ascii(text);
  if (text.length % 2 === 1) out.u8(form.pad);
  return true;
}

function writeNumbers(out: ByteWriter, tag: number, vr: string, value: unknown): boolean {
  const form = numberVrs[vr];
  if (!form) return false;
  const values = value === null ? [] : Array.isArray(value) ? value : [value];
  if (!values.every((v): v is number => typeof v === 'number' && form.fits(v))) return false;
  const length = values.length * form.size;
  if (length > 0xffff) return false;
  out.header(tag, vr, length, false);
  for (const v of values) out.number(vr, v);
  return true;
}

/** A growing little-endian byte buffer. */
class ByteWriter {
  #buffer = new Uint8Array(4096);
  #view = new DataView(this.#buffer.buffer);
  #size = 0;

  bytes(): Uint8Array {
    return this.#buffer.slice(0, this.#size);
  }

  header(tag: number, vr: string, length: number, long: boolean): void {
    this.u16(tag >>> 16).u16(tag & 0xffff);
    this.u8(vr.charCodeAt(0)).u8(vr.charCodeAt(1));
    if (long) this.u16(0).u32(length);
    else this.u16(length);
  }

  u8(v: number): this {
    this.#reserve(1);
    this.#buffer[this.#size++] = v;
    return this;
  }

  u16(v: number): this {
    this.#reserve(2);
    this.#view.setUint16(this.#size, v, true);
    this.#size += 2;
    return this;
  }

  u32(v: number): this {
    this.#reserve(4);
    this.#view.setUint32(this.#size, v, true);
    this.#size += 4;
    return this;
  }

  number(vr: string, v: number): void {
    this.#reserve(8);
    const at = this.#size;
    if (vr === 'US') this.#view.setUint16(at, v, true);
    else if (vr === 'SS') this.#view.setInt16(at, v, true);
    else if (vr === 'UL') this.#view.setUint32(at, v, true);
    else if (vr === 'SL') this.#view.setInt32(at, v, true);
    else if (vr === 'FL') this.#view.setFloat32(at, v, true);
    else this.#view.setFloat64(at, v, true);
    this.#size += numberVrs[vr]!.size;
  }

  ascii(text: string): void {
    this.#reserve(text.length);
    for (let i = 0; i < text.length; i++) this.#buffer[this.#size + i] = text.charCodeAt(i);
    this.#size += text.length;
  }

  append(bytes: Uint8Array): void {
    this.#reserve(bytes.length);
    this.#buffer.set(bytes, this.#size);
    this.#size += bytes.length;
  }

  #reserve(n: number): void {
    if (this.#size + n <= this.#buffer.length) return;
    const grown = new Uint8Array(Math.max(this.#buffer.length * 2, this.#size + n));
    grown.set(this.#buffer.subarray(0, this.#size));
    this.#buffer = grown;
    this.#view = new DataView(grown.buffer);
  }
}
