import { describe, expect, it } from 'vitest';
import { decodeNpy, encodeNpy } from './npy.ts';

// Byte for byte: WHATWG's 'latin1' decoder is windows-1252 and maps 0x93 (the magic's first byte) elsewhere.
const latin1 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('latin1');

describe('encodeNpy', () => {
  describe('a 1×224×224 float32 tensor', () => {
    const data = Float32Array.from({ length: 224 * 224 }, (_, i) => (i % 2049) - 1024.5);
    const bytes = encodeNpy(data, [1, 224, 224]);
    const headerLength = new DataView(bytes.buffer).getUint16(8, true);

    it('should open with the .npy 1.0 magic and version', () => {
      expect(Array.from(bytes.subarray(0, 8))).toEqual([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
    });

    it('should write the dict header numpy expects, padded so data starts on a 64-byte boundary', () => {
      const header = latin1(bytes.subarray(10, 10 + headerLength));
      expect(header).toMatch(/^\{'descr': '<f4', 'fortran_order': False, 'shape': \(1, 224, 224\), \} *\n$/);
      expect((10 + headerLength) % 64).toBe(0);
      expect(bytes.length).toBe(10 + headerLength + data.length * 4);
    });

    it('should store the values little-endian and read back identical', () => {
      expect(new DataView(bytes.buffer).getFloat32(10 + headerLength + 4 * 5, true)).toBe(data[5]);
      const back = decodeNpy(bytes);
      expect(back.shape).toEqual([1, 224, 224]);
      expect(back.data).toEqual(data);
    });
  });

  describe('a one-dimensional array', () => {
    it("should write the shape as a one-element tuple '(n,)'", () => {
      const bytes = encodeNpy(Float32Array.of(1, 2, 3), [3]);
      expect(latin1(bytes)).toContain("'shape': (3,), }");
      expect(decodeNpy(bytes).shape).toEqual([3]);
    });
  });

  describe('refusals', () => {
    it('should refuse a shape that does not hold the data', () => {
      expect(() => encodeNpy(new Float32Array(6), [4, 2])).toThrow(/shape \(4, 2\) does not hold 6 values/);
    });
  });
});

describe('decodeNpy', () => {
  describe('files numpy wrote', () => {
    it('should read a float64 array', () => {
      // np.save of np.array([1.5, -2.0]) (float64): the header numpy 1.24 writes, then two doubles.
      const dict = "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }";
      const header = dict.padEnd(117, ' ') + '\n';
      const bytes = new Uint8Array(128 + 16);
      bytes.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, 118, 0]);
      bytes.set(new TextEncoder().encode(header), 10);
      new DataView(bytes.buffer).setFloat64(128, 1.5, true);
      new DataView(bytes.buffer).setFloat64(136, -2, true);
      const { shape, data } = decodeNpy(bytes);
      expect(shape).toEqual([2]);
      expect(data).toBeInstanceOf(Float64Array);
      expect(Array.from(data)).toEqual([1.5, -2]);
    });
  });

  describe('refusals', () => {
    it('should refuse bytes without the magic', () => {
      expect(() => decodeNpy(new Uint8Array(64))).toThrow(/not a \.npy file/);
    });

    it('should refuse a dtype it does not read, naming it', () => {
      const bytes = encodeNpy(Float32Array.of(1), [1]);
      const text = latin1(bytes).replace("'<f4'", "'<i2'");
      expect(() => decodeNpy(Uint8Array.from(text, (c) => c.charCodeAt(0)))).toThrow(/dtype '<i2' is not supported/);
    });

    it('should refuse Fortran order', () => {
      const bytes = encodeNpy(Float32Array.of(1), [1]);
      const text = latin1(bytes).replace('False', 'True ');
      expect(() => decodeNpy(Uint8Array.from(text, (c) => c.charCodeAt(0)))).toThrow(/Fortran-order/);
    });

    it('should refuse truncated data', () => {
      const bytes = encodeNpy(new Float32Array(4), [4]);
      expect(() => decodeNpy(bytes.subarray(0, bytes.length - 1))).toThrow(/needs 16/);
    });
  });
});
