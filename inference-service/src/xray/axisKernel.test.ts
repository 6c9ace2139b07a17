import { describe, expect, it } from 'vitest';
import { axisKernel } from './axisKernel.ts';
import { antiAliasSigma, gaussianWeights } from './gaussian.ts';

const tapSum = (k: ReturnType<typeof axisKernel>, o: number): number =>
  k.weights.subarray(o * k.stride, o * k.stride + k.length[o]!).reduce((a, b) => a + b, 0);

describe('gaussianWeights', () => {
  describe('σ = (1024/224 − 1)/2, the 1024² → 224² case', () => {
    it("should equal scipy 1.10's _gaussian_kernel1d (15 taps)", () => {
      const sigma = antiAliasSigma(1024, 224);
      expect(sigma).toBe(1.7857142857142856);
      const w = gaussianWeights(sigma);
      expect(w.length).toBe(15);
      // Printed by scipy.ndimage._filters._gaussian_kernel1d(sigma, 0, 7).
      expect(w[7]).toBeCloseTo(0.22341237267248107, 15);
      expect(w[0]).toBeCloseTo(0.00010288116122216338, 17);
    });
  });
});

describe('axisKernel', () => {
  describe('downsampling 1024 → 224', () => {
    const k = axisKernel(1024, 224);

    it('should give each output the bilinear pair of Gaussians: 16 taps summing to 1 inside the image', () => {
      expect(k.stride).toBe(16);
      expect(k.length[112]).toBe(16);
      expect(tapSum(k, 112)).toBeCloseTo(1, 12);
    });

    it('should lose weight to the zero padding at the edges', () => {
      expect(k.start[0]).toBe(0);
      expect(tapSum(k, 0)).toBeLessThan(0.999);
      expect(k.start[223]! + k.length[223]!).toBe(1024);
    });
  });

  describe('upsampling 47 → 96', () => {
    const k = axisKernel(47, 96);

    it('should sample pixel centres linearly, half a pixel outside counting as 0', () => {
      // Output 0 samples input coordinate (0.5)·47/96 − 0.5 ≈ −0.255: only pixel 0 contributes, with 1 − 0.255.
      expect(k.start[0]).toBe(0);
      expect(k.length[0]).toBe(1);
      expect(k.weights[0]).toBeCloseTo(1 - (0.5 - 0.5 * (47 / 96)), 12);
      expect(tapSum(k, 48)).toBeCloseTo(1, 12);
    });
  });

  describe('refusals', () => {
    it('should refuse non-positive sizes', () => {
      expect(() => axisKernel(0, 224)).toThrow(/0 → 224 must be positive integers/);
    });
  });
});
