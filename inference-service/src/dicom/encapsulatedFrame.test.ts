import { describe, expect, it } from 'vitest';
import { firstEncapsulatedFrame } from './encapsulatedFrame.ts';
import { DicomReadError } from './errors.ts';

const bytes = (...values: number[]) => Uint8Array.from(values);

describe('firstEncapsulatedFrame', () => {
  describe('frame 1 of several frames', () => {
    // Frame 1 is three fragments, the first of which happens to end in FF D9; frame 2 is one fragment.
    const fragments = [bytes(1, 2, 0xff, 0xd9), bytes(3, 4), bytes(5, 0xff, 0xd9, 0), bytes(9, 9, 0xff, 0xd9)];

    it('should end frame 1 at the first fragment ending with FF D9 when there is no table', () => {
      expect(Array.from(firstEncapsulatedFrame(fragments, 2, 'test'))).toEqual([1, 2, 0xff, 0xd9]);
    });

    it('should take the fragments the Extended Offset Table gives frame 1, wherever FF D9 falls', () => {
      // Offsets count each fragment's 8-byte item header: frame 2 starts at (8+4)+(8+2)+(8+4) = 34.
      const frame = firstEncapsulatedFrame(fragments, 2, 'test', { offsets: [0, 34], lengths: [10, 4] });
      expect(Array.from(frame)).toEqual([1, 2, 0xff, 0xd9, 3, 4, 5, 0xff, 0xd9, 0]);
    });

    it('should refuse table lengths that disagree with the fragments', () => {
      expect(() => firstEncapsulatedFrame(fragments, 2, 'test', { offsets: [0, 34], lengths: [7, 4] })).toThrow(DicomReadError);
      expect(() => firstEncapsulatedFrame(fragments, 2, 'test', { offsets: [0, 34], lengths: [7, 4] })).toThrow(/lengths .* say frame 1 is 7 bytes, its fragments hold 10/);
    });

    it('should refuse a table whose first offset is not 0', () => {
      expect(() => firstEncapsulatedFrame(fragments, 2, 'test', { offsets: [12, 34] })).toThrow(/starts at 12, not 0/);
    });
  });
});
