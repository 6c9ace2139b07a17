/**
 * dcmjs zero-fills a value that runs past the end of the file, so a truncated native Pixel Data would
 * read as an image with a black tail. This finds the Pixel Data element header in the file (PS3.5 7.1:
 * tag, [VR, reserved,] 32-bit length) with the length dcmjs read, and says whether its value fits.
 * Undefined when no such header is found (deflated data sets are compressed as a whole).
 */
export function nativePixelDataFits(part10: Uint8Array, valueLength: number, bigEndian: boolean): boolean | undefined {
  const tag = bigEndian ? [0x7f, 0xe0, 0x00, 0x10] : [0xe0, 0x7f, 0x10, 0x00];
  const view = new DataView(part10.buffer, part10.byteOffset, part10.byteLength);
  let found = false;
  for (let at = part10.length - 8; at >= 132; at--) {
    if (part10[at] !== tag[0] || part10[at + 1] !== tag[1] || part10[at + 2] !== tag[2] || part10[at + 3] !== tag[3]) continue;
    const vr = String.fromCharCode(part10[at + 4]!, part10[at + 5]!);
    const explicit = vr === 'OB' || vr === 'OW' || vr === 'UN' || vr === 'OD' || vr === 'OF';
    const headerLength = explicit ? 12 : 8;
    if (at + headerLength > part10.length) continue;
    const length = view.getUint32(at + headerLength - 4, !bigEndian);
    if (length !== valueLength) continue;
    found = true;
    if (at + headerLength + length <= part10.length) return true;
  }
  return found ? false : undefined;
}
