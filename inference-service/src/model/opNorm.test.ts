import { describe, expect, it } from 'vitest';
import { calibratedProbabilities, opNorm, sigmoid } from './opNorm.ts';

describe('opNorm', () => {
  describe('TorchXRayVision op_norm', () => {
    it('should map the threshold to 0.5 and the ends to 0 and 1', () => {
      for (const t of [0.0022490358, 0.07422872, 0.20204692, 0.9]) {
        expect(opNorm(t, t)).toBeCloseTo(0.5, 12);
        expect(opNorm(0, t)).toBe(0);
        expect(opNorm(1, t)).toBe(1);
      }
    });

    it('should be linear on each side of the threshold', () => {
      expect(opNorm(0.05, 0.1)).toBeCloseTo(0.25, 12);
      expect(opNorm(0.55, 0.1)).toBeCloseTo(0.75, 12);
    });
  });

  describe('sigmoid', () => {
    it('should stay finite and exact at the extremes', () => {
      expect(sigmoid(0)).toBe(0.5);
      expect(sigmoid(-1000)).toBe(0);
      expect(sigmoid(1000)).toBe(1);
      expect(sigmoid(2)).toBeCloseTo(1 / (1 + Math.exp(-2)), 15);
    });
  });

  describe('calibratedProbabilities', () => {
    it('should apply sigmoid then op_norm per finding', () => {
      const t = [0.1, 0.5];
      expect(Array.from(calibratedProbabilities(new Float32Array([Math.log(0.1 / 0.9), 0]), t))).toEqual([
        expect.closeTo(0.5, 6),
        0.5,
      ]);
    });

    it('should refuse logits and thresholds of different lengths', () => {
      expect(() => calibratedProbabilities(new Float32Array(17), new Array(18).fill(0.5))).toThrow(/17 logits for 18 operating thresholds/);
    });
  });
});
