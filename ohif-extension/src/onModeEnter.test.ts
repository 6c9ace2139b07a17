import { describe, expect, it } from 'vitest';
import { isLongitudinalRoute } from './onModeEnter.ts';

describe('isLongitudinalRoute', () => {
  describe("longitudinal mode's route", () => {
    it('should match /viewer with or without a data source segment', () => {
      expect(isLongitudinalRoute('/viewer')).toBe(true);
      expect(isLongitudinalRoute('/viewer/orthanc')).toBe(true);
    });
  });

  describe('other routes', () => {
    it('should not match the study list or other modes', () => {
      expect(isLongitudinalRoute('/')).toBe(false);
      expect(isLongitudinalRoute('/segmentation')).toBe(false);
      expect(isLongitudinalRoute('/viewers')).toBe(false);
    });
  });
});
