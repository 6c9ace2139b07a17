import type { XrayImage } from './types.ts';

/** A square window inside an image, in its pixel coordinates. */
export interface SquareWindow {
  readonly x: number;
  readonly y: number;
  readonly size: number;
}

/**
 * TorchXRayVision's `XRayCenterCrop`: the long side is cut to the short one, centred with Python's floor
 * division on both terms (`start = side // 2 − size // 2`); which side loses the extra pixel of an odd
 * surplus depends on both parities (6→3 starts at 2, 7→4 at 1), so it is computed exactly that way.
 * Only the window is computed; resizing reads through it without copying.
 */
export function centerCropWindow(width: number, height: number): SquareWindow {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new RangeError(`centerCropWindow: image size ${width}×${height} must be positive integers`);
  }
  const size = Math.min(width, height);
  const half = Math.floor(size / 2);
  return { x: Math.floor(width / 2) - half, y: Math.floor(height / 2) - half, size };
}

/** The centre crop as its own image (for callers that need the pixels, e.g. to show what the model saw). */
export function centerCrop(img: XrayImage): XrayImage {
  const { x, y, size } = centerCropWindow(img.width, img.height);
  const data = new Float32Array(size * size);
  for (let row = 0; row < size; row++) {
    const from = (y + row) * img.width + x;
    data.set(img.data.subarray(from, from + size), row * size);
  }
  return { width: size, height: size, data };
}
