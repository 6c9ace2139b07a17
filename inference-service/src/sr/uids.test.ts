import { describe, expect, it } from 'vitest';
import { findingsSrUids, nameBasedUid } from './uids.ts';

const shaA = '0'.repeat(63) + 'a';
const shaB = '0'.repeat(63) + 'b';
const image1 = '1.2.276.0.7230010.3.1.4.8323329.6904.1517875201.850819';
const image2 = '1.2.276.0.7230010.3.1.4.8323329.6904.1517875201.850820';

describe('findingsSrUids', () => {
  describe('for one image and one model', () => {
    const uids = findingsSrUids(image1, shaA);

    it('should give the same UIDs every time', () => {
      expect(findingsSrUids(image1, shaA)).toEqual(uids);
    });

    it('should give the pinned UIDs: SRs already stored are found again only while the derivation stays', () => {
      expect(uids).toEqual({
        SOPInstanceUID: '2.25.214977458965737968541160353772925106638',
        SeriesInstanceUID: '2.25.85846264194416527068944978442555316650',
      });
    });

    it('should give valid UUID-derived UIDs (PS3.5 B.2, 9.1): 2.25 + a decimal without leading zero, ≤ 64 characters', () => {
      for (const uid of [uids.SOPInstanceUID, uids.SeriesInstanceUID]) {
        expect(uid).toMatch(/^2\.25\.[1-9]\d*$/);
        expect(uid.length).toBeLessThanOrEqual(64);
        expect(BigInt(uid.slice(5))).toBeLessThan(2n ** 128n);
      }
    });

    it('should set the RFC 9562 version 8 and variant bits of the UUID', () => {
      const hex = BigInt(uids.SOPInstanceUID.slice(5)).toString(16).padStart(32, '0');
      expect(hex[12]).toBe('8');
      expect(['8', '9', 'a', 'b']).toContain(hex[16]);
    });

    it('should give the series and the instance different UIDs', () => {
      expect(uids.SeriesInstanceUID).not.toBe(uids.SOPInstanceUID);
    });
  });

  describe('across images and models', () => {
    it('should differ per model hash and per image', () => {
      const all = [findingsSrUids(image1, shaA), findingsSrUids(image1, shaB), findingsSrUids(image2, shaA)];
      const instances = new Set(all.map((u) => u.SOPInstanceUID));
      const series = new Set(all.map((u) => u.SeriesInstanceUID));
      expect(instances.size).toBe(3);
      expect(series.size).toBe(3);
    });

    it('should not confuse how the name splits into parts', () => {
      expect(nameBasedUid('ab', 'c')).not.toBe(nameBasedUid('a', 'bc'));
    });
  });

  describe('with bad input', () => {
    it('should refuse a hash that is not 64 lower-case hex digits', () => {
      expect(() => findingsSrUids(image1, 'ABC')).toThrow(/onnxSha256 must be 64 lower-case hex digits, got 'ABC'/);
    });

    it('should refuse an empty image UID', () => {
      expect(() => findingsSrUids('', shaA)).toThrow(/imageSOPInstanceUID is empty/);
    });
  });
});
