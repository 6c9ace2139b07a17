import { describe, expect, it } from 'vitest';
import { checkRequestTarget, maxRequestTargetLength } from './requestTarget.ts';

describe('checkRequestTarget', () => {
  describe('plain targets', () => {
    it.each([
      '/',
      '/viewer?StudyInstanceUIDs=1.2.840.1',
      '/dicom-web/studies/1.2.3/series/4.5/instances/6.7/frames/1',
      '/dicom-web/studies?PatientName=Do*&includefield=00081030%2C00080060',
      '/dicom-web/studies?StudyDescription=Chest%20PA',
      '/app.bundle.0f6159c501addfe9.js',
      '/wado?requestType=WADO&studyUID=1.2&seriesUID=1.3&objectUID=1.4',
    ])('should let %s through', (target) => {
      expect(checkRequestTarget(target)).toBeUndefined();
    });
  });

  describe('targets that mean something else further on', () => {
    it.each([
      ['/dicom-web/..%2fsystem', 'encoded-delimiter'],
      ['/dicom-web/%2e%2e/system', 'encoded-delimiter'],
      ['/dicom-web/%2E%2E%2Fsystem', 'encoded-delimiter'],
      ['/dicom-web/studies%2f..%2f..%2fpatients', 'encoded-delimiter'],
      ['/dicom-web/..%5csystem', 'encoded-delimiter'],
      ['/dicom-web/..\\system', 'backslash'],
      ['/dicom-web/../system', 'dot-segment'],
      ['/dicom-web/./studies', 'dot-segment'],
      ['/dicom-web/studies/..', 'dot-segment'],
      ['/dicom-web//studies', 'empty-segment'],
      ['//127.0.0.1:8042/system', 'empty-segment'],
      ['/dicom-web/%252e%252e/system', 'double-encoding'],
      ['/dicom-web/%25%32%65%25%32%65/system', 'double-encoding'],
      ['/dicom-web/%c0%ae%c0%ae/system', 'invalid-utf8'],
      ['/dicom-web/%c0%af', 'invalid-utf8'],
      ['/dicom-web/%e0%80%af', 'invalid-utf8'],
      ['/dicom-web/studies%00/system', 'control-character'],
      ['/dicom-web/studies\u0000', 'control-character'],
      ['/dicom-web/stud ies', 'control-character'],
      ['/dicom-web/studiés', 'control-character'],
      ['/dicom-web/%zz', 'bad-percent-encoding'],
      ['/dicom-web/%2', 'bad-percent-encoding'],
      ['/dicom-web/studies%3bjsessionid=x', 'encoded-delimiter'],
      ['/dicom-web/studies%3f', 'encoded-delimiter'],
      ['/dicom-web/studies?x=%00', 'control-character'],
      ['/dicom-web/studies?x=%2541', 'double-encoding'],
      ['/dicom-web/studies?x=%c0%af', 'invalid-utf8'],
      ['http://127.0.0.1:8042/system', 'not-origin-form'],
      ['*', 'not-origin-form'],
      [`/${'a'.repeat(maxRequestTargetLength)}`, 'too-long'],
    ])('should refuse %j (%s)', (target, reason) => {
      expect(checkRequestTarget(target)?.reason).toBe(reason);
    });
  });
});
