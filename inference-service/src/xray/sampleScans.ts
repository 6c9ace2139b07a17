import type { PixelRegion, SampleArray } from './resize.ts';

/**
 * Whole-region scans of a frame's samples, in twin loops per array type for the reason rowPass.ts gives:
 * one loop fed Uint8, Uint16 and Float32 arrays reads every sample through a polymorphic load (on a
 * 3000² 16-bit crop, a generic min/max scan took 15 ms, a Uint16-only one 4–6 ms).
 */

/**
 * Whether every sample of `region` in an unsigned 8- or 16-bit frame is below 2^bits (BitsStored), checked
 * before resizing. Sixteen-bit samples are OR-ed two at a time through a 32-bit view of the same memory:
 * a bit at or above `bits` in either half means a value BitsStored cannot hold (a 3000² crop: ~2 ms,
 * against 6 ms for a max scan and 15 ms for a generic min/max one). The caller finds which value on failure.
 */
export function unsignedFits(src: Uint8Array | Uint16Array, srcWidth: number, region: PixelRegion, bits: number): boolean {
  const mask = 2 ** bits - 1;
  if (src instanceof Uint8Array) return orUint8(src, srcWidth, region) <= mask;
  const wide = ((mask << 16) | mask) >>> 0;
  return (orUint16(src, srcWidth, region) & ~wide) === 0;
}

function orUint16(src: Uint16Array, srcWidth: number, region: PixelRegion): number {
  const aligned = src.byteOffset % 4 === 0;
  const pairs = aligned ? new Uint32Array(src.buffer, src.byteOffset, src.length >> 1) : undefined;
  let acc = 0;
  for (let row = 0; row < region.height; row++) {
    let i = (region.y + row) * srcWidth + region.x;
    const end = i + region.width;
    if (pairs === undefined) {
      for (; i < end; i++) acc |= src[i]!;
      continue;
    }
    if (i % 2 === 1) acc |= src[i++]!;
    const pairEnd = end >> 1;
    for (let p = i >> 1; p < pairEnd; p++) acc |= pairs[p]!;
    if (end % 2 === 1) acc |= src[end - 1]!;
  }
  return acc >>> 0;
}

function orUint8(src: Uint8Array, srcWidth: number, region: PixelRegion): number {
  let acc = 0;
  for (let row = 0; row < region.height; row++) {
    const base = (region.y + row) * srcWidth + region.x;
    for (let i = base, end = base + region.width; i < end; i++) acc |= src[i]!;
  }
  return acc;
}

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
