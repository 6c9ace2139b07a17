/** (FFFE,E0DD) Sequence Delimitation Item with its zero length (PS3.5 7.5.2). */
const sequenceDelimitation = Uint8Array.of(0xfe, 0xff, 0xdd, 0xe0, 0, 0, 0, 0);
/** Explicit VR LE header of a sequence of undefined length: tag (4), "SQ", 2 reserved bytes, 0xFFFFFFFF. */
const sequenceHeaderLength = 12;

function endsWithDelimitation(bytes: Uint8Array): boolean {
  const start = bytes.length - sequenceDelimitation.length;
  return start >= 0 && sequenceDelimitation.every((b, i) => bytes[start + i] === b);
}

function isUndefinedLengthSequence(bytes: Uint8Array, tag: Uint8Array): boolean {
  return (
    bytes.length >= sequenceHeaderLength + sequenceDelimitation.length &&
    tag.every((b, i) => bytes[i] === b) &&
    bytes[4] === 0x53 && // 'S'
    bytes[5] === 0x51 && // 'Q'
    bytes[6] === 0 &&
    bytes[7] === 0 &&
    bytes.subarray(8, sequenceHeaderLength).every((b) => b === 0xff) &&
    endsWithDelimitation(bytes)
  );
}

/**
 * Appends items to the sequence that ends a Part-10 file (Explicit VR Little Endian). `file`'s last data
 * element must be the sequence (`group`,`element`) in undefined length; each of `sequences` is that same
 * element encoded alone (encodeDataSet of `{ Keyword: items }`). Items of undefined length sit between a
 * sequence's header and its delimiter, so the result is the file as if its sequence had held all the items
 * from the start. Returns undefined when an input is not encoded that way; the caller then writes the
 * whole file. The caller guarantees that no element follows the sequence in `file`.
 */
export function appendSequenceItems(file: Uint8Array, sequences: readonly Uint8Array[], group: number, element: number): Uint8Array | undefined {
  const tag = Uint8Array.of(group & 0xff, group >> 8, element & 0xff, element >> 8);
  if (!endsWithDelimitation(file) || !sequences.every((s) => isUndefinedLengthSequence(s, tag))) return undefined;
  const parts = [
    file.subarray(0, file.length - sequenceDelimitation.length),
    ...sequences.map((s) => s.subarray(sequenceHeaderLength, s.length - sequenceDelimitation.length)),
    sequenceDelimitation,
  ];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
