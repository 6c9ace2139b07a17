/**
 * dcmjs zero-fills a value that runs past the end of the file, so a truncated file would read as an
 * image with a black (native) or garbled (encapsulated) tail. These find the Pixel Data element in
 * the file bytes (PS3.5 7.1: tag, [VR, reserved,] 32-bit length) and say whether it is complete.
 * Undefined when no such element is found (a deflated data set is compressed as a whole).
 */

const undefinedLength = 0xffffffff;

function isPixelDataTag(bytes: Uint8Array, at: number, bigEndian: boolean): boolean {
  return bigEndian
    ? bytes[at] === 0x7f && bytes[at + 1] === 0xe0 && bytes[at + 2] === 0x00 && bytes[at + 3] === 0x10
    : bytes[at] === 0xe0 && bytes[at + 1] === 0x7f && bytes[at + 2] === 0x10 && bytes[at + 3] === 0x00;
}

function isSequenceDelimiter(bytes: Uint8Array, at: number): boolean {
  return (
    at >= 0 &&
    bytes[at] === 0xfe && bytes[at + 1] === 0xff && bytes[at + 2] === 0xdd && bytes[at + 3] === 0xe0 &&
    bytes[at + 4] === 0 && bytes[at + 5] === 0 && bytes[at + 6] === 0 && bytes[at + 7] === 0
  );
}

/** Offsets of candidate Pixel Data elements with their value offset and length, last first. */
function* pixelDataElements(bytes: Uint8Array, bigEndian: boolean): Generator<{ valueAt: number; length: number }> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let at = bytes.length - 8; at >= 132; at--) {
    if (!isPixelDataTag(bytes, at, bigEndian)) continue;
    const vr = String.fromCharCode(bytes[at + 4]!, bytes[at + 5]!);
    const headerLength = vr === 'OB' || vr === 'OW' || vr === 'UN' ? 12 : 8;
    if (at + headerLength > bytes.length) continue;
    yield { valueAt: at + headerLength, length: view.getUint32(at + headerLength - 4, !bigEndian) };
  }
}

export function nativePixelDataFits(part10: Uint8Array, valueLength: number, bigEndian: boolean): boolean | undefined {
  // The usual file ends with Pixel Data: look where its header must then be before scanning backwards
  // through the whole value (which a 3000×3000 16-bit image makes 18 MB long).
  for (const headerLength of [12, 8]) {
    const at = part10.length - valueLength - headerLength;
    if (at >= 132 && isPixelDataTag(part10, at, bigEndian)) {
      const length = new DataView(part10.buffer, part10.byteOffset + at + headerLength - 4, 4).getUint32(0, !bigEndian);
      if (length === valueLength) return true;
    }
  }
  let found = false;
  for (const element of pixelDataElements(part10, bigEndian)) {
    if (element.length !== valueLength) continue;
    found = true;
    if (element.valueAt + element.length <= part10.length) return true;
  }
  return found ? false : undefined;
}

/** Encapsulated Pixel Data ends with a Sequence Delimitation Item (FFFE,E0DD), PS3.5 A.4. */
export function encapsulatedPixelDataComplete(part10: Uint8Array): boolean | undefined {
  if (isSequenceDelimiter(part10, part10.length - 8)) return true; // the usual file ends with it
  for (const element of pixelDataElements(part10, false)) {
    if (element.length !== undefinedLength) continue;
    for (let at = part10.length - 8; at >= element.valueAt; at--) {
      if (isSequenceDelimiter(part10, at)) return true;
    }
    return false;
  }
  return undefined;
}
