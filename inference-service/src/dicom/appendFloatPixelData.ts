import { endianness } from 'node:os';

/** Explicit VR LE header of (7FE0,0008) Float Pixel Data: tag, "OF", 2 reserved bytes, 4-byte length (PS3.5 7.1.2). */
const headerLength = 12;
/** A value length is 32 bits and 0xFFFFFFFF means undefined length, which OF may not have. */
const maxValueLength = 0xfffffffe;

/**
 * Appends Float Pixel Data to a Part-10 file written by writePart10 without it. dcmjs would copy the
 * frames through an array of numbers; here they are written once, as they are. The caller guarantees the
 * file's data set is Explicit VR Little Endian and has no element with a higher tag (Float Pixel Data ends
 * a data set unless Data Set Trailing Padding follows, which we never write).
 */
export function appendFloatPixelData(file: Uint8Array, pixels: Float32Array): Uint8Array {
  // OF is little-endian in this transfer syntax; a Float32Array holds the host's byte order.
  if (endianness() !== 'LE') throw new Error('appendFloatPixelData: this host is big-endian; Float Pixel Data would need byte swapping');
  const length = pixels.byteLength;
  if (length > maxValueLength) throw new Error(`appendFloatPixelData: ${length} bytes do not fit one element (at most ${maxValueLength})`);
  const out = new Uint8Array(file.length + headerLength + length);
  out.set(file, 0);
  const header = new DataView(out.buffer, file.length, headerLength);
  header.setUint16(0, 0x7fe0, true);
  header.setUint16(2, 0x0008, true);
  header.setUint8(4, 0x4f); // 'O'
  header.setUint8(5, 0x46); // 'F'
  header.setUint16(6, 0, true);
  header.setUint32(8, length, true);
  out.set(new Uint8Array(pixels.buffer, pixels.byteOffset, length), file.length + headerLength);
  return out;
}
