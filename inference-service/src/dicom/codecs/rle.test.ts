import { describe, expect, it } from 'vitest';
import { DicomReadError } from '../errors.ts';
import { decodeRle } from './rle.ts';

/** An RLE frame (PS3.5 G.3): 64-byte header with segment offsets, then the segments. */
function rleFrame(segments: readonly number[][]): Uint8Array {
  const header = new Uint32Array(16);
  header[0] = segments.length;
  let offset = 64;
  segments.forEach((segment, i) => {
    header[i + 1] = offset;
    offset += segment.length;
  });
  const out = new Uint8Array(offset);
  out.set(new Uint8Array(header.buffer));
  let at = 64;
  for (const segment of segments) {
    out.set(segment, at);
    at += segment.length;
  }
  return out;
}

describe('decodeRle', () => {
  describe('well-formed frames', () => {
    it('should expand literal runs, replicate runs and skip the −128 no-op', () => {
      // 2×3 8-bit: literal [1,2], no-op, replicate 7 three times, literal [9]
      const frame = rleFrame([[1, 1, 2, 128, 254, 7, 0, 9]]);
      const out = decodeRle(frame, { rows: 2, columns: 3, samplesPerPixel: 1, bitsAllocated: 8 }, 'test');
      expect(Array.from(out.words)).toEqual([1, 2, 7, 7, 7, 9]);
    });

    it('should put the most significant byte segment first for 16-bit samples (G.2)', () => {
      const frame = rleFrame([
        [1, 0x12, 0xab],
        [1, 0x34, 0xcd],
      ]);
      const out = decodeRle(frame, { rows: 1, columns: 2, samplesPerPixel: 1, bitsAllocated: 16 }, 'test');
      expect(out.words).toBeInstanceOf(Uint16Array);
      expect(Array.from(out.words)).toEqual([0x1234, 0xabcd]);
    });

    it('should interleave colour segments into R G B triplets', () => {
      const frame = rleFrame([[255, 1], [255, 2], [255, 3]]);
      const out = decodeRle(frame, { rows: 1, columns: 2, samplesPerPixel: 3, bitsAllocated: 8 }, 'test');
      expect(Array.from(out.words)).toEqual([1, 2, 3, 1, 2, 3]);
    });
  });

  describe('malformed frames', () => {
    it('should refuse a segment that decodes short', () => {
      const frame = rleFrame([[1, 5, 6]]);
      expect(() => decodeRle(frame, { rows: 2, columns: 2, samplesPerPixel: 1, bitsAllocated: 8 }, 'Pixel Data (RLE)')).toThrow(
        expect.objectContaining({ code: 'corrupt-pixel-data', message: expect.stringMatching(/segment 1 decodes to 2 bytes, 4 expected/) }) as DicomReadError,
      );
    });

    it('should refuse a segment count that does not match the samples', () => {
      const frame = rleFrame([[0, 1]]);
      expect(() => decodeRle(frame, { rows: 1, columns: 1, samplesPerPixel: 1, bitsAllocated: 16 }, 'x')).toThrow(/has 1 segments; 1 sample\(s\) of 16 bits need 2/);
    });

    it('should refuse a frame shorter than its header', () => {
      expect(() => decodeRle(new Uint8Array(10), { rows: 1, columns: 1, samplesPerPixel: 1, bitsAllocated: 8 }, 'x')).toThrow(DicomReadError);
    });
  });
});
