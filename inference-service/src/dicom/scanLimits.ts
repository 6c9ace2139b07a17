/**
 * Walks the raw element structure of a Part-10 file (PS3.5 §7) without building anything, to refuse
 * a hostile file before a parser allocates for it: dcmjs recurses per nested sequence, builds an
 * object per element and inflates a deflated data set with no bound. The walk is iterative (an
 * explicit stack), touches each header once, and stops at the first limit passed. What it cannot
 * make sense of (a truncated or malformed file) it leaves to the parser, which says what is wrong.
 */
import { inflateRawSync } from 'node:zlib';
import { DicomReadError } from './errors.ts';
import { dicomLimitDefaults, dicomLimitNames, type DicomLimits } from './limits.ts';

const undefinedLength = 0xffffffff;
const deflatedSyntax = '1.2.840.10008.1.2.1.99';
const implicitLittleSyntax = '1.2.840.10008.1.2';
const explicitBigSyntax = '1.2.840.10008.1.2.2';
/** PS3.5 §7.1.2: these VRs have a 2-byte reserved field and a 4-byte length in explicit VR. */
const longVrs = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'UC', 'UN', 'UR', 'UT', 'SV', 'UV']);

export interface ScanResult {
  /** From the File Meta Information; '' when absent. */
  readonly transferSyntaxUID: string;
  readonly elements: number;
  readonly maxDepth: number;
}

function refuse(limit: keyof DicomLimits, what: string, value: number, limits: DicomLimits): never {
  const { code, env } = dicomLimitNames[limit];
  throw new DicomReadError(code, `DICOM refused: ${what} (${value}) is past the limit of ${limits[limit]} (${env})`);
}

/** Checks a Part-10 file (preamble, "DICM", meta group) against the limits; throws DicomReadError. */
export function scanLimits(part10: Uint8Array, limits: DicomLimits = dicomLimitDefaults): ScanResult {
  const view = new DataView(part10.buffer, part10.byteOffset, part10.byteLength);
  // File Meta Information: explicit VR little endian, group 0002 (PS3.10 §7.1).
  let pos = 132;
  let transferSyntaxUID = '';
  while (pos + 8 <= part10.length && view.getUint16(pos, true) === 0x0002) {
    const element = view.getUint16(pos + 2, true);
    const vr = String.fromCharCode(part10[pos + 4] as number, part10[pos + 5] as number);
    const long = longVrs.has(vr);
    const length = long ? view.getUint32(pos + 8, true) : view.getUint16(pos + 6, true);
    const start = pos + (long ? 12 : 8);
    if (length === undefinedLength || start + length > part10.length) break;
    if (element === 0x0010) transferSyntaxUID = Buffer.from(part10.buffer, part10.byteOffset + start, length).toString('latin1').replace(/[\0 ]+$/, '');
    pos = start + length;
  }
  let body = part10.subarray(pos);
  if (transferSyntaxUID === deflatedSyntax) body = inflateBounded(body, limits);
  const walk = walkDataset(body, {
    implicit: transferSyntaxUID === implicitLittleSyntax,
    littleEndian: transferSyntaxUID !== explicitBigSyntax,
    limits,
  });
  return { transferSyntaxUID, ...walk };
}

/** Below this, any ratio is allowed: a small data set that inflates well is no threat to memory. */
const inflateFloorBytes = 16 * 1024 * 1024;

/**
 * Inflates a deflated data set (PS3.5 §A.5, raw deflate) up to max(16 MB, ratio × its size), never past
 * it: a bomb stops at that bound, whatever it would have grown to.
 */
function inflateBounded(deflated: Uint8Array, limits: DicomLimits): Uint8Array {
  const maxOutputLength = Math.min(limits.maxPixelDataBytes + inflateFloorBytes, Math.max(inflateFloorBytes, Math.ceil(deflated.length * limits.maxInflateRatio)));
  try {
    return inflateRawSync(deflated, { maxOutputLength });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      const { code, env } = dicomLimitNames.maxInflateRatio;
      throw new DicomReadError(
        code,
        `DICOM refused: the deflated data set (${deflated.length} bytes) inflates past ${maxOutputLength} bytes, ` +
          `a ratio over ${Math.floor(maxOutputLength / Math.max(1, deflated.length))}; the limit is ${limits.maxInflateRatio} (${env}) above 16 MB`,
      );
    }
    throw new DicomReadError('not-dicom', `DICOM refused: the deflated data set does not inflate (${(error as Error).message})`, { cause: error });
  }
}

interface Frame {
  readonly kind: 'sequence' | 'item';
  /** Where a defined-length container ends; undefined until its delimitation item. */
  readonly end: number | undefined;
}

function walkDataset(bytes: Uint8Array, options: { implicit: boolean; littleEndian: boolean; limits: DicomLimits }): { elements: number; maxDepth: number } {
  const { implicit, littleEndian: le, limits } = options;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const stack: Frame[] = [];
  let depth = 0;
  let maxDepth = 0;
  let elements = 0;
  const image = { rows: 0, columns: 0, samples: 1, bitsAllocated: 16, frames: 1 };
  let pos = 0;
  const pop = (): void => {
    const frame = stack.pop();
    if (frame?.kind === 'sequence') depth -= 1;
  };
  while (pos + 8 <= bytes.length) {
    for (let top = stack.at(-1); top?.end !== undefined && pos >= top.end; top = stack.at(-1)) pop();
    const group = view.getUint16(pos, le);
    const element = view.getUint16(pos + 2, le);
    if (group === 0xfffe) {
      const length = view.getUint32(pos + 4, le);
      pos += 8;
      if (element === 0xe000) stack.push({ kind: 'item', end: length === undefinedLength ? undefined : pos + length });
      else if (element === 0xe00d || element === 0xe0dd) pop();
      continue;
    }
    elements += 1;
    if (elements > limits.maxElements) refuse('maxElements', 'the number of data elements', elements, limits);
    let vr: string | undefined;
    let length: number;
    let start: number;
    if (implicit) {
      length = view.getUint32(pos + 4, le);
      start = pos + 8;
    } else {
      vr = String.fromCharCode(bytes[pos + 4] as number, bytes[pos + 5] as number);
      if (longVrs.has(vr)) {
        if (pos + 12 > bytes.length) break;
        length = view.getUint32(pos + 8, le);
        start = pos + 12;
      } else {
        length = view.getUint16(pos + 6, le);
        start = pos + 8;
      }
    }
    const isPixelData = group === 0x7fe0 && element === 0x0010;
    if (isPixelData) {
      // The image's own (an icon's, nested in a sequence, is small and its attributes are the icon's).
      if (stack.length === 0) checkImage(image, limits);
      if (length === undefinedLength) {
        pos = skipFragments(bytes, view, start, le, limits);
        continue;
      }
      if (length > limits.maxPixelDataBytes) refuse('maxPixelDataBytes', 'the declared Pixel Data length', length, limits);
      pos = start + length;
      continue;
    }
    // A sequence: SQ, any undefined length (UN or implicit VR hold sequences so), or in implicit VR a
    // defined-length value that opens with an item tag.
    const opensItem = length >= 8 && start + 4 <= bytes.length && view.getUint16(start, le) === 0xfffe && view.getUint16(start + 2, le) === 0xe000;
    if (vr === 'SQ' || length === undefinedLength || ((implicit || vr === 'UN') && opensItem)) {
      depth += 1;
      if (depth > maxDepth) maxDepth = depth;
      if (depth > limits.maxSequenceDepth) refuse('maxSequenceDepth', 'the nesting depth of sequences', depth, limits);
      stack.push({ kind: 'sequence', end: length === undefinedLength ? undefined : start + length });
      pos = start;
      continue;
    }
    if (stack.length === 0 && group === 0x0028) readImageAttribute(image, element, view, bytes, start, length, le);
    pos = start + length;
  }
  return { elements, maxDepth };
}

function readImageAttribute(
  image: { rows: number; columns: number; samples: number; bitsAllocated: number; frames: number },
  element: number,
  view: DataView,
  bytes: Uint8Array,
  start: number,
  length: number,
  le: boolean,
): void {
  if (start + length > bytes.length) return;
  const us = length >= 2 ? view.getUint16(start, le) : 0;
  if (element === 0x0010) image.rows = us;
  else if (element === 0x0011) image.columns = us;
  else if (element === 0x0002) image.samples = Math.max(1, us);
  else if (element === 0x0100) image.bitsAllocated = Math.max(1, us);
  else if (element === 0x0008) {
    const frames = Number.parseInt(Buffer.from(bytes.buffer, bytes.byteOffset + start, length).toString('latin1'), 10);
    image.frames = Number.isFinite(frames) && frames > 0 ? frames : 1;
  }
}

/** Rows and Columns decide what a decoder allocates for a frame, whatever the compressed size. */
function checkImage(image: { rows: number; columns: number; samples: number; bitsAllocated: number }, limits: DicomLimits): void {
  const { rows, columns } = image;
  if (rows > limits.maxDimension) refuse('maxDimension', 'Rows (0028,0010)', rows, limits);
  if (columns > limits.maxDimension) refuse('maxDimension', 'Columns (0028,0011)', columns, limits);
  const pixels = rows * columns;
  if (pixels > limits.maxPixelsPerFrame) refuse('maxPixelsPerFrame', `Rows × Columns (${rows} × ${columns})`, pixels, limits);
  const frameBytes = pixels * image.samples * Math.ceil(image.bitsAllocated / 8);
  if (frameBytes > limits.maxPixelDataBytes) refuse('maxPixelDataBytes', 'the size of one decoded frame', frameBytes, limits);
}

/** Counts the items of encapsulated Pixel Data (PS3.5 §A.4); returns where its delimitation item ends. */
function skipFragments(bytes: Uint8Array, view: DataView, start: number, le: boolean, limits: DicomLimits): number {
  let items = 0;
  let pos = start;
  while (pos + 8 <= bytes.length) {
    const group = view.getUint16(pos, le);
    const element = view.getUint16(pos + 2, le);
    const length = view.getUint32(pos + 4, le);
    if (group !== 0xfffe || element !== 0xe000 || length === undefinedLength) return pos + 8;
    items += 1;
    if (items > limits.maxFragments) refuse('maxFragments', 'the number of Pixel Data fragments', items, limits);
    pos += 8 + length;
  }
  return bytes.length;
}
