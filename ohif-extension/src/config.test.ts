import { describe, expect, it } from 'vitest';
import { readConfiguration } from './config.ts';

describe('readConfiguration', () => {
  describe('where the configuration comes from', () => {
    it("should take an OHIF build's [extension, configuration] pair first, then the app-config's cxrFindings key", () => {
      expect(readConfiguration({ sidecarUrl: 'https://pacs.example/cxr/' }, { cxrFindings: { sidecarUrl: '/other' } })).toEqual({ sidecarUrl: 'https://pacs.example/cxr' });
      expect(readConfiguration({}, { cxrFindings: { sidecarUrl: '/cxr' } })).toEqual({ sidecarUrl: '/cxr' });
      expect(readConfiguration(undefined, {})).toEqual({ sidecarUrl: '' });
    });
  });

  describe('wrong values', () => {
    it('should refuse them at start-up, naming the field', () => {
      expect(() => readConfiguration({ sidecarUrl: 42 })).toThrow(/'sidecarUrl' must be a string/);
      expect(() => readConfiguration({ sidecarUrl: 'javascript:alert(1)' })).toThrow(/'sidecarUrl' must be an http\(s\) URL or a path/);
      expect(() => readConfiguration(undefined, { cxrFindings: 'yes' })).toThrow(/must be an object/);
    });
  });
});
