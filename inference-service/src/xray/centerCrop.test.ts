import { describe, expect, it } from 'vitest';
import { centerCrop, centerCropWindow } from './centerCrop.ts';

describe('centerCropWindow', () => {
  describe('as XRayCenterCrop computes it (Python floor division on both terms)', () => {
    it('should cut columns of a landscape image and rows of a portrait one', () => {
      expect(centerCropWindow(517, 389)).toEqual({ x: 64, y: 0, size: 389 });
      expect(centerCropWindow(301, 454)).toEqual({ x: 0, y: 77, size: 301 });
    });

    it('should put the extra pixel of an odd surplus where the parities put it', () => {
      // 6 → 3: 6//2 − 3//2 = 2 (two pixels cut on the left, one on the right); 7 → 4: 3 − 2 = 1 (one left, two right).
      expect(centerCropWindow(6, 3)).toEqual({ x: 2, y: 0, size: 3 });
      expect(centerCropWindow(4, 7)).toEqual({ x: 0, y: 1, size: 4 });
    });

    it('should keep a square image whole', () => {
      expect(centerCropWindow(1024, 1024)).toEqual({ x: 0, y: 0, size: 1024 });
    });
  });

  describe('refusals', () => {
    it('should refuse an empty or fractional size', () => {
      expect(() => centerCropWindow(0, 5)).toThrow(/0×5 must be positive integers/);
      expect(() => centerCropWindow(2.5, 5)).toThrow(RangeError);
    });
  });
});

describe('centerCrop', () => {
  describe('a 5×3 image', () => {
    it('should copy the centred 3×3 block', () => {
      const data = Float32Array.from({ length: 15 }, (_, i) => i);
      const crop = centerCrop({ width: 5, height: 3, data });
      expect(crop.width).toBe(3);
      expect(crop.height).toBe(3);
      expect(Array.from(crop.data)).toEqual([1, 2, 3, 6, 7, 8, 11, 12, 13]);
    });
  });
});
