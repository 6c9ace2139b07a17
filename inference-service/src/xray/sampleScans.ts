import type { PixelRegion, SampleArray } from './resize.ts';

/**
 * Whole-region scans of a frame's samples, in twin loops per array type: V8 compiles a loop for the array
 * types it has seen, and one loop fed Uint8, Uint16 and Float32 reads every sample through a polymorphic load (on a
 * 3000² 16-bit crop, a generic min/max scan took 15 ms, a Uint16-only one 4–6 ms).
 */

/**
 * The region's [min, max] — unless it holds a sample below `pivot` and one above it, then undefined as
 * soon as a row shows both (on a radiograph, after its first rows). One pass either way.
 */
export function rangeUnlessSpanning(src: SampleArray, srcWidth: number, region: PixelRegion, pivot: number): { min: number; max: number } | undefined {
  if (src instanceof Uint16Array) return rangeUint16(src, srcWidth, region, pivot);
  if (src instanceof Uint8Array) return rangeUint8(src, srcWidth, region, pivot);
  return rangeAny(src, srcWidth, region, pivot);
}

function rangeUint16(src: Uint16Array, srcWidth: number, region: PixelRegion, pivot: number): { min: number; max: number } | undefined {
  let min = Infinity;
  let max = -Infinity;
  for (let row = 0; row < region.height; row++) {
    const base = (region.y + row) * srcWidth + region.x;
    for (let i = base, end = base + region.width; i < end; i++) {
      const v = src[i]!;
      min = v < min ? v : min;
      max = v > max ? v : max;
    }
    if (min < pivot && max > pivot) return undefined;
  }
  return { min, max };
}

function rangeUint8(src: Uint8Array, srcWidth: number, region: PixelRegion, pivot: number): { min: number; max: number } | undefined {
  let min = Infinity;
  let max = -Infinity;
  for (let row = 0; row < region.height; row++) {
    const base = (region.y + row) * srcWidth + region.x;
    for (let i = base, end = base + region.width; i < end; i++) {
      const v = src[i]!;
      min = v < min ? v : min;
      max = v > max ? v : max;
    }
    if (min < pivot && max > pivot) return undefined;
  }
  return { min, max };
}

function rangeAny(src: SampleArray, srcWidth: number, region: PixelRegion, pivot: number): { min: number; max: number } | undefined {
  let min = Infinity;
  let max = -Infinity;
  for (let row = 0; row < region.height; row++) {
    const base = (region.y + row) * srcWidth + region.x;
    for (let i = base, end = base + region.width; i < end; i++) {
      const v = src[i]!;
      min = v < min ? v : min;
      max = v > max ? v : max;
    }
    if (min < pivot && max > pivot) return undefined;
  }
  return { min, max };
}
