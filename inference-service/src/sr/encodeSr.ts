import { appendSequenceItems, concatBytes, sequenceItemBytes } from '../dicom/appendSequenceItems.ts';
import type { DicomDataset } from '../dicom/types.ts';
import { encodeElement } from '../dicom/encodeElement.ts';
import { encodeDataSet, writePart10 } from '../dicom/writePart10.ts';

/**
 * The Part-10 bytes of an SR: `header` (every element but ContentSequence) and its content tree.
 *
 * dcmjs spends ~17 µs per element, and an SR has hundreds, most of them the same in every SR of a model:
 * concept names, relationships, codes, units. So each content item is encoded by dcmjs once per *shape* (the
 * item with its children taken out and its one varying value replaced by a placeholder), and later SRs splice
 * the varying value's element and the children's bytes into that template (TID 1500: 16.5 → ~2 ms). This works
 * because every sequence and item dcmjs writes has undefined length (PS3.5 7.5.2): no outer length depends
 * on what is spliced in. An item that does not fit the pattern is encoded by dcmjs as a whole, and so is the
 * file when its header does not end where ContentSequence goes. Tests hold the bytes equal to writePart10's.
 */
export function encodeSr(header: DicomDataset, content: readonly DicomDataset[]): Uint8Array {
  const whole = (): Uint8Array => writePart10({ ...header, ContentSequence: [...content] });
  const file = writePart10({ ...header, ContentSequence: [] });
  // Only if the empty ContentSequence is the file's last element can items be appended to it.
  if (!endsWith(file, emptyContentSequence)) return whole();
  const items = encodeContentItems(content);
  return (items && appendSequenceItems(file, [items])) ?? whole();
}

/** Content items as they sit in a ContentSequence (see sequenceItemBytes); undefined if dcmjs must do it. */
export function encodeContentItems(items: readonly DicomDataset[]): Uint8Array | undefined {
  const parts: Uint8Array[] = [];
  for (const item of items) {
    const bytes = encodeItem(item);
    if (bytes === undefined) return undefined;
    parts.push(bytes);
  }
  return concatBytes(parts);
}

/** (0040,A730) Content Sequence, empty, as dcmjs writes it: header of undefined length, then its delimiter. */
const emptyContentSequence = Uint8Array.of(0x40, 0x00, 0x30, 0xa7, 0x53, 0x51, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xfe, 0xff, 0xdd, 0xe0, 0, 0, 0, 0);
/** Where the children go: after the empty sequence's header, before its delimiter. */
const childrenOffset = 12;

/** The one value of an item that changes from SR to SR, by value type, and a placeholder no real value equals. */
interface Varying {
  readonly keyword: string;
  readonly get: (item: DicomDataset) => unknown;
  readonly set: (item: DicomDataset, value: unknown) => DicomDataset;
  readonly placeholder: unknown;
  /** Whether the value's element is the same bytes whatever character set the file declares. */
  readonly accepts: (value: unknown) => boolean;
}

const ascii = (value: unknown): boolean => typeof value === 'string' && /^[\x20-\x7e]*$/.test(value);
const uid = (value: unknown): boolean => typeof value === 'string' && /^[0-9.]{1,64}$/.test(value);

function topLevel(keyword: string, placeholder: unknown, accepts: (value: unknown) => boolean): Varying {
  return { keyword, get: (item) => item[keyword], set: (item, value) => ({ ...item, [keyword]: value }), placeholder, accepts };
}

/** A value inside the first item of a sequence of the content item (a NUM's value, an IMAGE's instance). */
function nested(sequence: string, keyword: string, placeholder: unknown, accepts: (value: unknown) => boolean): Varying {
  const first = (item: DicomDataset): DicomDataset | undefined => {
    const items = item[sequence];
    return Array.isArray(items) && items.length === 1 ? (items[0] as DicomDataset) : undefined;
  };
  return {
    keyword,
    get: (item) => first(item)?.[keyword],
    set: (item, value) => ({ ...item, [sequence]: [{ ...first(item), [keyword]: value }] }),
    placeholder,
    accepts,
  };
}

const referencedInstance = nested('ReferencedSOPSequence', 'ReferencedSOPInstanceUID', '9.87654321.98765432.1', uid);
const varyingByValueType: Readonly<Record<string, Varying | undefined>> = {
  TEXT: topLevel('TextValue', '\u0001cxr-findings template text\u0001', ascii),
  // DS holds at most 16 characters; no score written with two decimals can equal this one.
  NUM: nested('MeasuredValueSequence', 'NumericValue', '-9.8765432101234', ascii),
  UIDREF: topLevel('UID', '9.87654321.98765432.2', uid),
  IMAGE: referencedInstance,
  COMPOSITE: referencedInstance,
  SCOORD: topLevel('GraphicData', [-98765.5, -98765.25], (value) => Array.isArray(value) && value.every((v) => typeof v === 'number' && Number.isFinite(v))),
};

/** An item's bytes around its holes: the varying value's element and the children, in file order. */
interface Template {
  readonly segments: readonly Uint8Array[];
  readonly holes: ReadonlyArray<'value' | 'children'>;
}

/** Templates and single elements by what they encode; a process sees one or two models. */
const encodings = new Map<string, Template | Uint8Array | undefined>();
const maxEncodings = 50_000;

function cached<T extends Template | Uint8Array | undefined>(key: string, make: () => T): T {
  if (encodings.has(key)) return encodings.get(key) as T;
  if (encodings.size >= maxEncodings) encodings.clear();
  const value = make();
  encodings.set(key, value);
  return value;
}

function encodeItem(item: DicomDataset): Uint8Array | undefined {
  const children = item['ContentSequence'];
  if (children !== undefined && !Array.isArray(children)) return wholeItem(item);
  const varying = varyingByValueType[String(item['ValueType'])];
  const value = varying?.get(item);
  if (varying && (!varying.accepts(value) || JSON.stringify(value) === JSON.stringify(varying.placeholder))) return wholeItem(item);

  let shape: DicomDataset = children === undefined ? item : { ...item, ContentSequence: [] };
  if (varying) shape = varying.set(shape, varying.placeholder);
  const template = cached(`item ${JSON.stringify(shape)}`, () => makeTemplate(shape, varying, children !== undefined));
  if (!template || template instanceof Uint8Array) return wholeItem(item);

  const parts: Uint8Array[] = [];
  for (const [i, hole] of template.holes.entries()) {
    parts.push(template.segments[i] as Uint8Array);
    if (hole === 'children') {
      const bytes = encodeContentItems(children as DicomDataset[]);
      if (bytes === undefined) return wholeItem(item);
      parts.push(bytes);
    } else {
      parts.push(elementBytes(varying?.keyword ?? '', value));
    }
  }
  parts.push(template.segments[template.holes.length] as Uint8Array);
  return concatBytes(parts);
}

function wholeItem(item: DicomDataset): Uint8Array | undefined {
  return sequenceItemBytes(encodeDataSet({ ContentSequence: [item] }), 0x0040, 0xa730);
}

/** The shape's bytes split at its holes; undefined unless each hole's bytes occur exactly once. */
function makeTemplate(shape: DicomDataset, varying: Varying | undefined, hasChildren: boolean): Template | undefined {
  const bytes = wholeItem(shape);
  if (bytes === undefined) return undefined;
  const holes: Array<{ kind: 'value' | 'children'; at: number; length: number }> = [];
  if (varying) {
    const placeholder = elementBytes(varying.keyword, varying.placeholder);
    const at = onlyIndexOf(bytes, placeholder);
    if (at < 0) return undefined;
    holes.push({ kind: 'value', at, length: placeholder.length });
  }
  if (hasChildren) {
    const at = onlyIndexOf(bytes, emptyContentSequence);
    if (at < 0) return undefined;
    holes.push({ kind: 'children', at: at + childrenOffset, length: 0 });
  }
  holes.sort((a, b) => a.at - b.at);
  const segments: Uint8Array[] = [];
  let from = 0;
  for (const hole of holes) {
    segments.push(bytes.subarray(from, hole.at));
    from = hole.at + hole.length;
  }
  segments.push(bytes.subarray(from));
  return { segments, holes: holes.map((hole) => hole.kind) };
}

/** One element as dcmjs writes it in Explicit VR Little Endian: tag, VR, length, padded value. */
function elementBytes(keyword: string, value: unknown): Uint8Array {
  const make = (): Uint8Array => encodeElement(keyword, value);
  // Scores repeat (two decimals); UIDs and coordinates do not, so caching them would only fill memory.
  return keyword === 'NumericValue' ? cached(`DS ${String(value)}`, make) : make();
}

function endsWith(bytes: Uint8Array, tail: Uint8Array): boolean {
  const start = bytes.length - tail.length;
  return start >= 0 && tail.every((b, i) => bytes[start + i] === b);
}

/** The only offset of `needle` in `haystack`, or -1 when it occurs never or more than once. */
function onlyIndexOf(haystack: Uint8Array, needle: Uint8Array): number {
  const at = Buffer.from(haystack.buffer, haystack.byteOffset, haystack.length).indexOf(Buffer.from(needle.buffer, needle.byteOffset, needle.length));
  if (at < 0) return -1;
  const again = Buffer.from(haystack.buffer, haystack.byteOffset, haystack.length).indexOf(Buffer.from(needle.buffer, needle.byteOffset, needle.length), at + 1);
  return again < 0 ? at : -1;
}
