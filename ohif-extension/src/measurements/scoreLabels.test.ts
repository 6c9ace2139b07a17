import { describe, expect, it } from 'vitest';
import { labelRegionsWithScores } from './scoreLabels.ts';

/** Tool data as @cornerstonejs/adapters' generateToolState gives it to onBeforeSRHydration (its shape in OHIF 3.13). */
function region(TrackingUniqueIdentifier: string, label?: string): { TrackingUniqueIdentifier: string; annotation: { data: { label?: string } } } {
  return { TrackingUniqueIdentifier, annotation: { data: label === undefined ? {} : { label } } };
}

describe('labelRegionsWithScores', () => {
  it("should name each region by its group's Tracking Identifier and score", () => {
    const stored = { RectangleROI: [region('2.25.1'), region('2.25.2')] };
    const measurements = [
      { TrackingUniqueIdentifier: '2.25.2', TrackingIdentifier: 'Lesion (lung)', labels: [{ label: 'Certainty of Finding', value: '52.32 %' }, { label: '363698007', value: 'Lung' }] },
      { TrackingUniqueIdentifier: '2.25.1', TrackingIdentifier: 'Pneumothorax', labels: [{ label: 'Certainty of Finding', value: '50.64 %' }] },
    ];
    const out = labelRegionsWithScores({ storedMeasurementByAnnotationType: stored, displaySet: { measurements } });
    expect(out).toBe(stored);
    expect(stored.RectangleROI.map((r) => r.annotation.data.label)).toEqual(['Pneumothorax: 50.64 %', 'Lesion (lung): 52.32 %']);
  });

  describe('when a group has no score or the region a label', () => {
    it('should leave the region as OHIF made it', () => {
      const stored = { RectangleROI: [region('2.25.1', 'reader’s own'), region('2.25.2'), region('2.25.3')], Length: 'not a list' };
      const measurements = [
        { TrackingUniqueIdentifier: '2.25.1', TrackingIdentifier: 'Pneumothorax', labels: [{ label: 'Certainty of Finding', value: '50.64 %' }] },
        { TrackingUniqueIdentifier: '2.25.2', TrackingIdentifier: 'Nodule', labels: [{ label: 'Long Axis', value: '31.00 mm' }] },
      ];
      labelRegionsWithScores({ storedMeasurementByAnnotationType: stored, displaySet: { measurements } });
      expect(stored.RectangleROI.map((r) => r.annotation.data.label)).toEqual(['reader’s own', undefined, undefined]);
      expect(labelRegionsWithScores({ storedMeasurementByAnnotationType: stored, displaySet: { measurements: null } })).toBe(stored);
    });
  });
});
