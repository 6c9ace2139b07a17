/** (FFFE,E0DD) Sequence Delimitation Item with its zero length (PS3.5 7.5.2). */
const sequenceDelimitation = Uint8Array.of(0xfe, 0xff, 0xdd, 0xe0, 0, 0, 0, 0);
/** Explicit VR LE header of a sequence of undefined length: tag (4), "SQ", 2 reserved bytes, 0xFFFFFFFF. */
const sequenceHeaderLength = 12;

function endsWithDelimitation(bytes: Uint8Array): boolean {
  const start = bytes.length - sequenceDelimitation.length;
  return start >= 0 && sequenceDelimitation.every((b, i) => bytes[start + i] === b);
}

/**
 * The items of an encoded sequence element, as they sit between its header and its delimiter: `sequence` is
 * the element (`group`,`element`) encoded alone in Explicit VR Little Endian with undefined length, as
 * encodeDataSet writes `{ Keyword: items }`. Items of undefined length carry no outer length, so such bytes
 * can be moved into another sequence as they are. Undefined when `sequence` is not encoded that way.
 */
export function sequenceItemBytes(sequence: Uint8Array, group: number, element: number): Uint8Array | undefined {
  const tag = [group & 0xff, group >> 8, element & 0xff, element >> 8];
  const undefinedLengthSequence =
    sequence.length >= sequenceHeaderLength + sequenceDelimitation.length &&
    tag.every((b, i) => sequence[i] === b) &&
    sequence[4] === 0x53 && // 'S'
    sequence[5] === 0x51 && // 'Q'
    sequence[6] === 0 &&
    sequence[7] === 0 &&
    sequence.subarray(8, sequenceHeaderLength).every((b) => b === 0xff) &&
    endsWithDelimitation(sequence);
  return undefinedLengthSequence ? sequence.subarray(sequenceHeaderLength, sequence.length - sequenceDelimitation.length) : undefined;
}

/**
 * Appends items (see sequenceItemBytes) to the sequence that ends a Part-10 file: `file`'s last data
 * element must be a sequence of undefined length; the result is the file as if that sequence had held the
 * items from the start. Undefined when `file` does not end with a Sequence Delimitation Item; the caller
 * then writes the whole file. The caller guarantees that no element follows the sequence in `file`.
 */
export function appendSequenceItems(file: Uint8Array, items: readonly Uint8Array[]): Uint8Array | undefined {
  if (!endsWithDelimitation(file)) return undefined;
  return concatBytes([file.subarray(0, file.length - sequenceDelimitation.length), ...items, sequenceDelimitation]);
}

export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
