import { appendSequenceItems, concatBytes, sequenceItemBytes } from '../dicom/appendSequenceItems.ts';
import type { DicomDataset } from '../dicom/types.ts';
import { encodeDataSet, writePart10 } from '../dicom/writePart10.ts';
import type { FindingsContent } from './findingsContent.ts';

/**
 * The Part-10 bytes of a findings SR whose ContentSequence holds `content.context` and then `content.result`.
 *
 * dcmjs spends ~17 µs per element, and most of an SR's elements are the same in every SR of a model: the
 * context items, and each finding's TEXT (or NUM) item except its value. dcmjs encodes each of those once; later SRs
 * reuse the bytes and splice in what changes (7.0 → ~2 ms here). This works because every sequence and item
 * dcmjs writes has undefined length (PS3.5 7.5.2), so no outer length depends on the content. Whatever does
 * not fit that pattern is encoded by dcmjs as a whole. Tests hold the bytes equal to writePart10's.
 */
export function encodeFindingsSr(header: DicomDataset, content: FindingsContent): Uint8Array {
  const whole = (): Uint8Array => writePart10({ ...header, ContentSequence: [...content.context, ...content.result] });
  // Every element buildFindingsSr puts in the header has a lower tag than (0040,A730): the sequence ends the file.
  const file = writePart10({ ...header, ContentSequence: [] });
  const context = cached(`context ${JSON.stringify(content.context)}`, () => contentItemBytes(content.context));
  const result = encodeResultItems(content.result);
  if (context === undefined || result === undefined) return whole();
  return appendSequenceItems(file, [context, result]) ?? whole();
}

/**
 * The result items as they sit in the ContentSequence (see sequenceItemBytes), a CONTAINER of TEXT or NUM
 * items built from templates; undefined when an item does not fit the templates' pattern.
 */
export function encodeResultItems(items: readonly DicomDataset[]): Uint8Array | undefined {
  const parts = items.map(resultItemBytes);
  return parts.every((bytes): bytes is Uint8Array => bytes !== undefined) ? concatBytes(parts) : undefined;
}

const contentSequenceTag = [0x0040, 0xa730] as const;
/** A DS value (16 characters, DS's most) that no score, written with two decimals, can equal. */
const placeholderValue = '-9.8765432101234';
/** A TextValue no finding text can equal (they are built from code meanings and numbers). */
const placeholderText = '\u0001cxr-findings template text\u0001';
/** Item Delimitation Item (FFFE,E00D), as it closes an item of undefined length. */
const itemDelimitation = [0xfe, 0xff, 0x0d, 0xe0, 0, 0, 0, 0];
const sequenceDelimitation = [0xfe, 0xff, 0xdd, 0xe0, 0, 0, 0, 0];

/** Encodings by what they encode; a process sees one or two models, and DS values are short strings. */
const encodings = new Map<string, Uint8Array | NumTemplate | undefined>();
const maxEncodings = 50_000;

function cached<T extends Uint8Array | NumTemplate | undefined>(key: string, make: () => T): T {
  if (encodings.has(key)) return encodings.get(key) as T;
  if (encodings.size >= maxEncodings) encodings.clear();
  const value = make();
  encodings.set(key, value);
  return value;
}

function contentItemBytes(items: readonly DicomDataset[]): Uint8Array | undefined {
  const [group, element] = contentSequenceTag;
  return sequenceItemBytes(encodeDataSet({ ContentSequence: items }), group, element);
}

const templated: ReadonlySet<unknown> = new Set(['NUM', 'TEXT']);

/** A CONTAINER of TEXT or NUM items from templates; any other item (the Impression) by dcmjs. */
function resultItemBytes(item: DicomDataset): Uint8Array | undefined {
  const children = item['ContentSequence'];
  const leaves =
    Array.isArray(children) && children.length > 1 && children.every((c: DicomDataset) => templated.has(c['ValueType'])) ? (children as DicomDataset[]) : undefined;
  if (item['ValueType'] !== 'CONTAINER' || leaves === undefined) return contentItemBytes([item]);
  const shell = cached(`container ${JSON.stringify({ ...item, ContentSequence: [] })}`, () => containerShell(item));
  if (!(shell instanceof Uint8Array)) return undefined;
  const parts: Uint8Array[] = [shell.subarray(0, shell.length - 16)];
  for (const leaf of leaves) {
    const bytes = leaf['ValueType'] === 'NUM' ? numItemBytes(leaf) : textItemBytes(leaf);
    if (bytes === undefined) return undefined;
    parts.push(...bytes);
  }
  parts.push(shell.subarray(shell.length - 16));
  return concatBytes(parts);
}

/** The container with no children: it ends with its ContentSequence's delimiter, then its own. */
function containerShell(item: DicomDataset): Uint8Array | undefined {
  const bytes = contentItemBytes([{ ...item, ContentSequence: [] }]);
  const tail = [...sequenceDelimitation, ...itemDelimitation];
  return bytes && tail.every((b, i) => bytes[bytes.length - 16 + i] === b) ? bytes : undefined;
}

interface NumTemplate {
  /** The item's bytes before and after its one varying element (NumericValue or TextValue). */
  readonly before: Uint8Array;
  readonly after: Uint8Array;
}

/** A NUM item as its template's bytes around its NumericValue element's. */
function numItemBytes(num: DicomDataset): Uint8Array[] | undefined {
  const [measured] = (num['MeasuredValueSequence'] ?? []) as DicomDataset[];
  const value = measured?.['NumericValue'];
  if (typeof value !== 'string' || value === placeholderValue) return undefined;
  const shape = { ...num, MeasuredValueSequence: [{ ...measured, NumericValue: placeholderValue }] };
  const template = cached(`num ${JSON.stringify(shape)}`, () => numTemplate(shape));
  if (template === undefined || template instanceof Uint8Array) return undefined;
  return [template.before, numericValueBytes(value), template.after];
}

/**
 * A TEXT item as its template's bytes around its TextValue element's. ASCII only: the element is then
 * the same bytes whatever character set the file declares.
 */
function textItemBytes(text: DicomDataset): Uint8Array[] | undefined {
  const value = text['TextValue'];
  if (typeof value !== 'string' || value === placeholderText || !/^[\x20-\x7e]*$/.test(value)) return undefined;
  const shape = { ...text, TextValue: placeholderText };
  const template = cached(`text ${JSON.stringify(shape)}`, () => elementTemplate(shape, encodeDataSet({ TextValue: placeholderText })));
  if (template === undefined || template instanceof Uint8Array) return undefined;
  return [template.before, encodeDataSet({ TextValue: value }), template.after];
}

function numTemplate(shape: DicomDataset): NumTemplate | undefined {
  return elementTemplate(shape, numericValueBytes(placeholderValue));
}

/** The item's bytes split around `value`, the encoded element that varies; undefined unless it occurs once. */
function elementTemplate(shape: DicomDataset, value: Uint8Array): NumTemplate | undefined {
  const bytes = contentItemBytes([shape]);
  if (bytes === undefined) return undefined;
  const at = indexOf(bytes, value);
  if (at < 0 || indexOf(bytes, value, at + 1) >= 0) return undefined;
  return { before: bytes.subarray(0, at), after: bytes.subarray(at + value.length) };
}

/** (0040,A30A) Numeric Value as dcmjs writes the element: tag, VR, length, padded value. */
function numericValueBytes(value: string): Uint8Array {
  return cached(`DS ${value}`, () => encodeDataSet({ NumericValue: value }));
}

function indexOf(haystack: Uint8Array, needle: Uint8Array, from = 0): number {
  outer: for (let i = from; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}
