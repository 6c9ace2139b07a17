import { DicomReadError } from '../errors.ts';
import type { RawWords } from '../storedValues.ts';
import type { DecodedFrame } from './decodedFrame.ts';

/**
 * RLE Lossless, PS3.5 Annex G. No maintained npm decoder exists for DICOM's RLE, and it is a few lines:
 * a 64-byte header of 16 little-endian uint32 (segment count, then up to 15 segment offsets), then
 * one PackBits-coded segment per byte plane — for each sample, most significant byte first (G.2).
 */
export function decodeRle(
  encoded: Uint8Array,
  geometry: { rows: number; columns: number; samplesPerPixel: number; bitsAllocated: number },
  where: string,
): DecodedFrame {
  const fail = (what: string): never => {
    throw new DicomReadError('corrupt-pixel-data', `${where}: RLE frame 1 ${what} (PS3.5 G.4)`);
  };
  const { rows, columns, samplesPerPixel: samples, bitsAllocated } = geometry;
  const bytesPerSample = bitsAllocated / 8;
  const pixels = rows * columns;
  const expectedSegments = samples * bytesPerSample;
  if (encoded.length < 64) fail(`is ${encoded.length} bytes, shorter than its 64-byte header`);
  const header = new DataView(encoded.buffer, encoded.byteOffset, 64);
  const segmentCount = header.getUint32(0, true);
  if (segmentCount !== expectedSegments) {
    fail(`has ${segmentCount} segments; ${samples} sample(s) of ${bitsAllocated} bits need ${expectedSegments}`);
  }
  const offsets: number[] = [];
  for (let s = 0; s < segmentCount; s++) offsets.push(header.getUint32(4 + 4 * s, true));
  offsets.push(encoded.length);

  // Decoded bytes land little-endian, samples interleaved: sample s, byte plane b (0 = most significant).
  const out = new Uint8Array(pixels * expectedSegments);
  const stride = expectedSegments;
  for (let segment = 0; segment < segmentCount; segment++) {
    const start = offsets[segment]!;
    const end = offsets[segment + 1]!;
    if (start < 64 || end > encoded.length || start > end) fail(`segment ${segment + 1} offset ${start} is out of range`);
    const sample = Math.floor(segment / bytesPerSample);
    const plane = segment % bytesPerSample;
    let target = sample * bytesPerSample + (bytesPerSample - 1 - plane);
    let written = 0;
    let at = start;
    while (at < end && written < pixels) {
      const n = encoded[at++]!;
      if (n < 128) {
        // Literal run of n + 1 bytes.
        const count = Math.min(n + 1, pixels - written, end - at);
        for (let k = 0; k < count; k++, target += stride) out[target] = encoded[at + k]!;
        at += n + 1;
        written += count;
      } else if (n > 128) {
        // Replicate the next byte 257 − n times (n read as signed: 1 − n).
        if (at >= end) break;
        const value = encoded[at++]!;
        const count = Math.min(257 - n, pixels - written);
        for (let k = 0; k < count; k++, target += stride) out[target] = value;
        written += count;
      }
      // n === 128 (−128) is a no-op.
    }
    if (written < pixels) fail(`segment ${segment + 1} decodes to ${written} bytes, ${pixels} expected`);
  }
  const words: RawWords =
    bytesPerSample === 1 ? out : bytesPerSample === 2 ? new Uint16Array(out.buffer) : new Uint32Array(out.buffer);
  return { words, width: columns, height: rows, components: samples };
}
