import { describe, expect, it } from 'vitest';
import { classifiableImage } from './eligibility.ts';
import type { OhifDisplaySet, OhifInstance } from './ohifTypes.ts';

/** Display sets shaped as OHIF 3.13's image and SR SOP class handlers make them. */
const study = '1.2.276.0.7230010.3.1.2.8323329.6904.1517875201.850818';
const series = '1.2.276.0.7230010.3.1.3.8323329.6904.1517875201.850817';

function image(SOPInstanceUID: string, SOPClassUID: string, Modality: string): OhifInstance {
  return { StudyInstanceUID: study, SeriesInstanceUID: series, SOPInstanceUID, SOPClassUID, Modality };
}

function imageDisplaySet(SOPClassUID: string, Modality: string, count = 1): OhifDisplaySet {
  return {
    displaySetInstanceUID: 'ds-1',
    StudyInstanceUID: study,
    SeriesInstanceUID: series,
    SOPClassUID,
    Modality,
    images: Array.from({ length: count }, (_, i) => image(`1.2.3.${i + 1}`, SOPClassUID, Modality)),
  };
}

describe('classifiableImage', () => {
  describe('a secondary capture of a chest radiograph', () => {
    it('should target the shown image by its study, series and SOP instance UIDs', () => {
      expect(classifiableImage(imageDisplaySet('1.2.840.10008.5.1.4.1.1.7', 'CR'), 0)).toEqual({
        ok: true,
        target: { studyInstanceUID: study, seriesInstanceUID: series, sopInstanceUID: '1.2.3.1' },
      });
    });
  });

  describe('a stack of DX images', () => {
    it('should target the image at the shown stack position', () => {
      const result = classifiableImage(imageDisplaySet('1.2.840.10008.5.1.4.1.1.1.1', 'DX', 3), 2);
      expect(result.ok && result.target.sopInstanceUID).toBe('1.2.3.3');
    });

    it('should keep an out-of-range position inside the stack', () => {
      const result = classifiableImage(imageDisplaySet('1.2.840.10008.5.1.4.1.1.1', 'CR', 2), 9);
      expect(result.ok && result.target.sopInstanceUID).toBe('1.2.3.2');
    });
  });

  describe('what cannot be classified', () => {
    it('should refuse an SR display set as a report', () => {
      const sr: OhifDisplaySet = {
        displaySetInstanceUID: 'ds-sr',
        StudyInstanceUID: study,
        SeriesInstanceUID: '1.2.9',
        SOPClassUID: '1.2.840.10008.5.1.4.1.1.88.33',
        Modality: 'SR',
        instances: [image('1.2.9.1', '1.2.840.10008.5.1.4.1.1.88.33', 'SR')],
      };
      expect(classifiableImage(sr, 0)).toEqual({ ok: false, reason: expect.stringMatching(/report, not an image/) });
    });

    it('should refuse a CT image naming its modality, not its SOP class UID', () => {
      expect(classifiableImage(imageDisplaySet('1.2.840.10008.5.1.4.1.1.2', 'CT'), 0)).toEqual({
        ok: false,
        reason: 'Only chest X-rays (CR, DX, or a secondary capture of one) can be classified; this is a CT image.',
      });
    });

    it('should refuse an empty viewport', () => {
      expect(classifiableImage(undefined, 0)).toEqual({ ok: false, reason: expect.stringMatching(/No image/) });
    });

    it('should refuse a display set without images', () => {
      expect(classifiableImage(imageDisplaySet('1.2.840.10008.5.1.4.1.1.7', 'CR', 0), 0)).toEqual({ ok: false, reason: expect.stringMatching(/no image/) });
    });
  });
});
