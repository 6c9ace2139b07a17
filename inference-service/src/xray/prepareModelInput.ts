import { centerCropWindow } from './centerCrop.ts';
import { resizeRegion } from './resize.ts';
import type { ModelInput, XrayImage } from './types.ts';

/**
 * TorchXRayVision's preprocessing for its 224 models: `XRayCenterCrop()` then `XRayResizer(resolution)`,
 * on an image already in its [−1024, 1024] scale. The crop is not copied: the resize reads through it.
 * The crop geometry is returned so results (e.g. class activation maps) can be mapped back: input pixel
 * (u, v) of the tensor covers original pixels `x + (u + 0.5)·size/resolution − 0.5` (and likewise y).
 */
export function prepareModelInput(img: XrayImage, resolution = 224): ModelInput {
  if (!Number.isInteger(resolution) || resolution < 1) {
    throw new RangeError(`prepareModelInput: resolution ${resolution} must be a positive integer`);
  }
  const { x, y, size } = centerCropWindow(img.width, img.height);
  const tensor = resizeRegion(img, { x, y, width: size, height: size }, resolution, resolution);
  return { tensor, crop: { x, y, size, resolution } };
}
