import { describe, expect, it } from 'vitest';
import type { DicomPixelFrame } from '../dicom/types.ts';
import { XrayReadError } from './errors.ts';
import { toXrvScale } from './toXrvScale.ts';

function frame(pixels: DicomPixelFrame['pixels'], overrides: Partial<DicomPixelFrame> = {}): DicomPixelFrame {
  const bits = overrides.bitsStored ?? pixels.BYTES_PER_ELEMENT * 8;
  return {
    rows: 1,
    columns: pixels.length,
    samplesPerPixel: 1,
    photometricInterpretation: 'MONOCHROME2',
    bitsAllocated: pixels.BYTES_PER_ELEMENT * 8,
    bitsStored: bits,
    highBit: bits - 1,
    pixelRepresentation: 0,
    transferSyntaxUID: '1.2.840.10008.1.2.1',
    numberOfFrames: 1,
    pixels,
    ...overrides,
  };
}

const values = (f: DicomPixelFrame): number[] => Array.from(toXrvScale(f).data);

describe('toXrvScale', () => {
  describe('MONOCHROME2, unsigned', () => {
    // Expected values printed by numpy 1.24: (2 * (x.astype(float32) / max) - 1.) * 1024.
    it('should equal upstream normalize(x, 255) bit for bit on 8-bit values', () => {
      expect(values(frame(Uint8Array.of(0, 1, 8, 127, 128, 255)))).toEqual([
        -1024, -1015.9686279296875, -959.7490234375, -4.01568603515625, 4.0157470703125, 1024,
      ]);
    });

    it('should scale BitsStored 12 of 16 by 2^12 − 1, not by the container or the image maximum', () => {
      const f = frame(Uint16Array.of(0, 1, 1000, 2048, 3095, 4094, 4095), { bitsStored: 12, highBit: 11 });
      expect(values(f)).toEqual([-1024, -1023.4998779296875, -523.8779296875, 0.2501220703125, 523.8779296875, 1023.4998779296875, 1024]);
    });

    it('should scale 16-bit values by 65535', () => {
      expect(values(frame(Uint16Array.of(0, 1, 32768, 65535)))).toEqual([-1024, -1023.96875, 0.015625, 1024]);
    });

    it('should scale wide stored values (BitsStored 20 in 32) without a lookup table', () => {
      const max = 2 ** 20 - 1;
      expect(values(frame(Uint32Array.of(0, max), { bitsStored: 20, highBit: 19 }))).toEqual([-1024, 1024]);
    });

    it('should keep the geometry of the frame', () => {
      const img = toXrvScale(frame(new Uint8Array(6), { rows: 2, columns: 3 }));
      expect([img.width, img.height, img.data.length]).toEqual([3, 2, 6]);
    });
  });

  describe('MONOCHROME1', () => {
    it('should invert as (2^BitsStored − 1) − x before scaling, whatever the image maximum', () => {
      // The image's own maximum is 1000; upstream inverts against 4095 all the same.
      const f = frame(Uint16Array.of(0, 1000, 4095), { bitsStored: 12, highBit: 11, photometricInterpretation: 'MONOCHROME1' });
      expect(values(f)).toEqual([1024, 523.8779296875, -1024]);
    });

    it('should read every 8-bit value as the negative of its MONOCHROME2 reading', () => {
      const all = Uint8Array.from({ length: 256 }, (_, i) => i);
      const mono2 = values(frame(all));
      const mono1 = values(frame(all, { photometricInterpretation: 'MONOCHROME1' }));
      mono1.forEach((v, i) => expect(v).toBeCloseTo(-mono2[i]!, 3));
      expect(mono1[8]).toBeCloseTo(959.749, 3);
    });
  });

  describe('signed pixels (beyond upstream: offset by 2^(BitsStored−1))', () => {
    it('should map the full signed 12-bit range onto [−1024, 1024]', () => {
      const f = frame(Int16Array.of(-2048, -1, 0, 2047), { bitsStored: 12, highBit: 11, pixelRepresentation: 1 });
      // −1 and 0 read as the unsigned 2047 and 2048 would (numpy: −0.25006103515625, 0.2501220703125).
      expect(values(f)).toEqual([-1024, -0.25006103515625, 0.2501220703125, 1024]);
    });

    it('should invert signed MONOCHROME1 after the offset', () => {
      const f = frame(Int16Array.of(-32768, 32767), { pixelRepresentation: 1, photometricInterpretation: 'MONOCHROME1' });
      expect(values(f)).toEqual([1024, -1024]);
    });

    it('should handle signed values wider than 16 bits', () => {
      const f = frame(Int32Array.of(-(2 ** 23), 2 ** 23 - 1), { bitsStored: 24, highBit: 23, pixelRepresentation: 1 });
      expect(values(f)).toEqual([-1024, 1024]);
    });
  });

  describe('refusals', () => {
    for (const photometric of ['RGB', 'YBR_FULL_422', 'YBR_FULL', 'PALETTE COLOR']) {
      it(`should refuse ${photometric}, naming it and the reason`, () => {
        const f = frame(new Uint8Array(3), { photometricInterpretation: photometric, samplesPerPixel: photometric === 'PALETTE COLOR' ? 1 : 3, columns: 1 });
        const error = catchError(() => toXrvScale(f));
        expect(error).toBeInstanceOf(XrayReadError);
        expect(error).toMatchObject({ code: 'unsupported-photometric' });
        expect((error as Error).message).toContain(`'${photometric}'`);
        expect((error as Error).message).toMatch(/only MONOCHROME1 and MONOCHROME2/);
      });
    }

    it('should refuse a MONOCHROME label with three samples per pixel', () => {
      expect(() => toXrvScale(frame(new Uint8Array(3), { samplesPerPixel: 3, columns: 1 }))).toThrow(
        expect.objectContaining({ code: 'unsupported-samples-per-pixel', message: expect.stringMatching(/SamplesPerPixel 3/) }),
      );
    });

    it('should refuse BitsStored above BitsAllocated or outside 1..32', () => {
      for (const bitsStored of [0, 17, 33]) {
        expect(() => toXrvScale(frame(new Uint16Array(2), { bitsStored }))).toThrow(
          expect.objectContaining({ code: 'unsupported-bits-stored', message: expect.stringMatching(`BitsStored ${bitsStored}`) }),
        );
      }
    });

    it('should refuse a frame whose value count does not match Rows × Columns', () => {
      expect(() => toXrvScale(frame(new Uint8Array(5), { rows: 2, columns: 3 }))).toThrow(
        expect.objectContaining({ code: 'pixel-count-mismatch', message: expect.stringMatching(/5 stored values .* needs 6/) }),
      );
    });

    it('should refuse a stored value BitsStored cannot hold, saying where', () => {
      const f = frame(Uint16Array.of(0, 4095, 4096), { bitsStored: 12, highBit: 11 });
      expect(() => toXrvScale(f)).toThrow(
        expect.objectContaining({ code: 'pixel-out-of-range', message: expect.stringMatching(/4096 at row 0, column 2 .* \[0, 4095\]/) }),
      );
      const signed = frame(Int16Array.of(-2049), { bitsStored: 12, highBit: 11, pixelRepresentation: 1 });
      expect(() => toXrvScale(signed)).toThrow(expect.objectContaining({ code: 'pixel-out-of-range', message: expect.stringMatching(/\[-2048, 2047\]/) }));
    });
  });
});

function catchError(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}
