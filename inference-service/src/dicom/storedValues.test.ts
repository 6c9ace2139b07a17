import { describe, expect, it } from 'vitest';
import { toStoredValues } from './storedValues.ts';

describe('toStoredValues', () => {
  describe('words that already are stored values', () => {
    it('should return the same memory for unsigned words within BitsStored', () => {
      const raw = Uint16Array.of(0, 1, 4095, 2048);
      const out = toStoredValues(raw, { BitsStored: 12, HighBit: 11, PixelRepresentation: 0 }, false);
      expect(out).toBe(raw);
    });

    it('should return a signed view of the same memory for sign-extended words', () => {
      const raw = Uint16Array.of(0xffff, 0xf800, 0x07ff, 0);
      const out = toStoredValues(raw, { BitsStored: 12, HighBit: 11, PixelRepresentation: 1 }, false);
      expect(out).toBeInstanceOf(Int16Array);
      expect(out.buffer).toBe(raw.buffer);
      expect(Array.from(out)).toEqual([-1, -2048, 2047, 0]);
    });
  });

  describe('words with bits outside the stored ones', () => {
    it('should mask bits above HighBit without touching the input when not owned', () => {
      const raw = Uint16Array.of(0xf123, 0x1fff, 0x0abc);
      const out = toStoredValues(raw, { BitsStored: 12, HighBit: 11, PixelRepresentation: 0 }, false);
      expect(Array.from(out)).toEqual([0x123, 0xfff, 0xabc]);
      expect(raw[0]).toBe(0xf123);
    });

    it('should rewrite owned words in place', () => {
      const raw = Uint8Array.of(0xff, 0x80);
      const out = toStoredValues(raw, { BitsStored: 7, HighBit: 6, PixelRepresentation: 0 }, true);
      expect(out).toBe(raw);
      expect(Array.from(out)).toEqual([0x7f, 0]);
    });

    it('should shift stored bits down to bit 0 when HighBit is above BitsStored − 1', () => {
      const raw = Uint16Array.of(0xabc5, 0x0010);
      const out = toStoredValues(raw, { BitsStored: 12, HighBit: 15, PixelRepresentation: 0 }, false);
      expect(Array.from(out)).toEqual([0xabc, 0x001]);
    });

    it('should sign-extend 12-bit two’s complement', () => {
      const raw = Uint16Array.of(0x0800, 0x0fff, 0x07ff, 0xa001);
      const out = toStoredValues(raw, { BitsStored: 12, HighBit: 11, PixelRepresentation: 1 }, false);
      expect(out).toBeInstanceOf(Int16Array);
      expect(Array.from(out)).toEqual([-2048, -1, 2047, 1]);
    });

    it('should handle 32-bit words without 31-bit overflow', () => {
      const raw = Uint32Array.of(0xffffffff, 0x80000000);
      expect(Array.from(toStoredValues(raw, { BitsStored: 32, HighBit: 31, PixelRepresentation: 1 }, false))).toEqual([-1, -2147483648]);
      expect(Array.from(toStoredValues(raw, { BitsStored: 31, HighBit: 31, PixelRepresentation: 0 }, false))).toEqual([0x7fffffff, 0x40000000]);
    });
  });
});
