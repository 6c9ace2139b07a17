import type { DicomPixelFrame } from '../dicom/types.ts';
import type { XrayImage } from './types.ts';
import { pixelOutOfRange, xrvNormalize, xrvScalingOf } from './xrvScaling.ts';

/** Above this many bits a lookup table would cost more than it saves. */
const maxLutBits = 16;
const lutCache = new Map<string, Float32Array>();

/**
 * TorchXRayVision's `utils.read_xray_dcm(path)` with its defaults, on an already decoded frame:
 * - no Modality LUT (RescaleSlope/Intercept ignored) and no VOI LUT (window ignored), as upstream;
 * - MONOCHROME1 ("minimum is white", PS3.3 C.7.6.3.1.2) inverted as `max − x`, `max = 2^BitsStored − 1`,
 *   the largest value BitsStored can hold, not the image's own maximum;
 * - scaled with upstream's `normalize(x, max)`: `(2·x/max − 1)·1024`, so [0, max] maps onto [−1024, 1024].
 * The arithmetic follows numpy's float32 steps (x/max rounded to float32, then 2·q − 1 rounded), so the
 * values are bit-identical to upstream's.
 *
 * Beyond upstream: signed pixels (PixelRepresentation 1). Upstream hands pydicom's negative values to
 * normalize(), which then yields values below −1024 for half the range. Here a signed stored value is
 * offset by 2^(BitsStored−1) first (two's complement read as offset binary), so the full signed range
 * [−2^(B−1), 2^(B−1)−1] maps monotonically onto [−1024, 1024], exactly as an unsigned image of the same
 * BitsStored would; MONOCHROME1 inversion then applies to the offset value.
 */
export function toXrvScale(frame: DicomPixelFrame): XrayImage {
  const scaling = xrvScalingOf(frame);
  const { max, offset, invert } = scaling;
  const bits = frame.bitsStored;
  const count = frame.rows * frame.columns;
  const pixels = frame.pixels;
  const data = new Float32Array(count);

  if (bits <= maxLutBits && offset === 0 && (pixels instanceof Uint8Array || pixels instanceof Uint16Array)) {
    // Unsigned 8- and 16-bit radiographs, nearly all of them, get loops of their own: with one array
    // type at the access V8 compiles a tight loop (measured on the real 1024² image: 4.5–5.8 ms → 2.8 ms).
    const lut = scaleLut(bits, invert);
    const bad = pixels instanceof Uint8Array ? scaleUint8(pixels, lut, data, max) : scaleUint16(pixels, lut, data, max);
    if (bad >= 0) throw pixelOutOfRange(frame, scaling, pixels[bad] as number, bad);
  } else if (bits <= maxLutBits) {
    const lut = scaleLut(bits, invert);
    for (let i = 0; i < count; i++) {
      const u = (pixels[i] as number) + offset;
      // `>>> 0` turns a negative index into a huge one, so one comparison checks both ends.
      if (u >>> 0 > max) throw pixelOutOfRange(frame, scaling, pixels[i] as number, i);
      data[i] = lut[u] as number;
    }
  } else {
    for (let i = 0; i < count; i++) {
      const u = (pixels[i] as number) + offset;
      if (u < 0 || u > max) throw pixelOutOfRange(frame, scaling, pixels[i] as number, i);
      data[i] = xrvNormalize(invert ? max - u : u, max);
    }
  }
  return { width: frame.columns, height: frame.rows, data };
}

/** Looks every value up in `lut`; returns the index of the first one above `max`, or -1. */
function scaleUint8(pixels: Uint8Array, lut: Float32Array, out: Float32Array, max: number): number {
  for (let i = 0; i < pixels.length; i++) {
    const u = pixels[i] as number;
    if (u > max) return i;
    out[i] = lut[u] as number;
  }
  return -1;
}

/** scaleUint8's twin for 16-bit storage: the same loop, compiled for the other array type. */
function scaleUint16(pixels: Uint16Array, lut: Float32Array, out: Float32Array, max: number): number {
  for (let i = 0; i < pixels.length; i++) {
    const u = pixels[i] as number;
    if (u > max) return i;
    out[i] = lut[u] as number;
  }
  return -1;
}

function scaleLut(bits: number, invert: boolean): Float32Array {
  const key = `${bits}:${invert ? 1 : 0}`;
  let lut = lutCache.get(key);
  if (lut === undefined) {
    const max = 2 ** bits - 1;
    lut = new Float32Array(max + 1);
    for (let u = 0; u <= max; u++) lut[u] = xrvNormalize(invert ? max - u : u, max);
    lutCache.set(key, lut);
  }
  return lut;
}
