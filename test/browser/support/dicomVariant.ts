/**
 * Variants of a real Part-10 file for browser tests, made in memory (the real image is never copied
 * into the project): a new study, series and instance, and optionally another View Position. Values
 * are replaced by values of the same length, so no element length or byte offset moves.
 */

export interface VariantUids {
  readonly StudyInstanceUID: string;
  readonly SeriesInstanceUID: string;
  readonly SOPInstanceUID: string;
}

export interface Variant extends VariantUids {
  readonly part10: Uint8Array;
}

/** The UIDs of the real test image (siim-pa-jpeg-baseline.dcm), as its header states them. */
export const realImageUids: VariantUids = Object.freeze({
  StudyInstanceUID: '1.2.276.0.7230010.3.1.2.8323329.6904.1517875201.850818',
  SeriesInstanceUID: '1.2.276.0.7230010.3.1.3.8323329.6904.1517875201.850817',
  SOPInstanceUID: '1.2.276.0.7230010.3.1.4.8323329.6904.1517875201.850819',
});

function replaceAll(bytes: Uint8Array, from: string, to: string): number {
  if (from.length !== to.length) throw new Error(`dicomVariant: '${to}' must have the length of '${from}'`);
  const needle = Buffer.from(from, 'latin1');
  const replacement = Buffer.from(to, 'latin1');
  const haystack = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let count = 0;
  for (let at = haystack.indexOf(needle); at !== -1; at = haystack.indexOf(needle, at + needle.length)) {
    replacement.copy(haystack, at);
    count++;
  }
  return count;
}

/** Same length, different last component (no leading zero, PS3.5 §9.1). */
function renumbered(uid: string, n: number): string {
  const lastDot = uid.lastIndexOf('.');
  const last = uid.slice(lastDot + 1);
  const value = 10 ** (last.length - 1) + n;
  if (value >= 10 ** last.length) throw new Error(`dicomVariant: cannot number variant ${n} of ${uid}`);
  return `${uid.slice(0, lastDot + 1)}${value}`;
}

/** ViewPosition (0018,5101) CS, explicit VR little endian: the tag, 'CS', a 2-byte length. */
function setViewPosition(bytes: Uint8Array, value: string): void {
  const header = Buffer.from([0x18, 0x00, 0x01, 0x51, 0x43, 0x53]);
  const haystack = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const at = haystack.indexOf(header);
  if (at === -1) throw new Error('dicomVariant: the file has no explicit-VR ViewPosition element');
  const length = haystack.readUInt16LE(at + 6);
  const padded = value.padEnd(length, ' ');
  if (padded.length !== length) throw new Error(`dicomVariant: ViewPosition '${value}' does not fit ${length} bytes`);
  haystack.write(padded, at + 8, 'latin1');
}

/**
 * Variant `n` (1, 2, …) of a file with the given UIDs: every occurrence of each UID (meta header and
 * data set) gets a new last component.
 */
export function dicomVariant(part10: Uint8Array, uids: VariantUids, n: number, options: { viewPosition?: string; keepStudy?: boolean } = {}): Variant {
  const bytes = new Uint8Array(part10);
  const next: VariantUids = {
    // keepStudy: a second image of the same study, in a series of its own.
    StudyInstanceUID: options.keepStudy ? uids.StudyInstanceUID : renumbered(uids.StudyInstanceUID, n),
    SeriesInstanceUID: renumbered(uids.SeriesInstanceUID, n),
    SOPInstanceUID: renumbered(uids.SOPInstanceUID, n),
  };
  for (const key of ['StudyInstanceUID', 'SeriesInstanceUID', 'SOPInstanceUID'] as const) {
    if (next[key] === uids[key]) continue;
    if (replaceAll(bytes, uids[key], next[key]) === 0) throw new Error(`dicomVariant: ${key} ${uids[key]} is not in the file`);
  }
  if (options.viewPosition !== undefined) setViewPosition(bytes, options.viewPosition);
  return { ...next, part10: bytes };
}
