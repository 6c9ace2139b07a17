import type { DicomPixelFrame } from '../dicom/types.ts';
import { centerCropWindow } from './centerCrop.ts';
import { resizeMappedRegion, resizeRegion, sampleRange } from './resize.ts';
import type { ModelInput, XrayImage } from './types.ts';
import { stageRegion } from './simd/simdRowSums.ts';
import { pixelOutOfRange, xrvScalingOf, xrvValue } from './xrvScaling.ts';

/**
 * TorchXRayVision's preprocessing for its 224 models: `XRayCenterCrop()` then `XRayResizer(resolution)`,
 * on an image already in its [−1024, 1024] scale. The crop is not copied: the resize reads through it.
 * The crop geometry is returned so results (e.g. class activation maps) can be mapped back: input pixel
 * (u, v) of the tensor covers original pixels `x + (u + 0.5)·size/resolution − 0.5` (and likewise y).
 */
export function prepareModelInput(img: XrayImage, resolution = 224): ModelInput {
  checkResolution(resolution);
  const { x, y, size } = centerCropWindow(img.width, img.height);
  const tensor = resizeRegion(img, { x, y, width: size, height: size }, resolution, resolution);
  return { tensor, crop: { x, y, size, resolution } };
}

/**
 * `prepareModelInput(toXrvScale(frame))` straight from the stored values: read_xray_dcm's scaling is affine
 * and the resize linear, so the crop is resized first and the 224² result scaled, never making the
 * full-size float image (on the real 1024² image, 9.6 → 5.2 ms here). Values agree with the
 * two-step path to float32 rounding (about 1e-4 on the ±1024 scale). Only pixels inside the crop are
 * checked against BitsStored's range, as only they reach the model.
 */
export function prepareFrameInput(frame: DicomPixelFrame, resolution = 224): ModelInput {
  checkResolution(resolution);
  const scaling = xrvScalingOf(frame);
  const lowest = -scaling.offset;
  const highest = scaling.max - scaling.offset;
  const valueOf = (u: number): number => {
    if (!(u >= lowest && u <= highest)) throw pixelOutOfRange(frame, scaling, u, frame.pixels.indexOf(u));
    return xrvValue(scaling, u);
  };
  const { x, y, size } = centerCropWindow(frame.columns, frame.rows);
  const region = { x, y, width: size, height: size };
  const pixels = frame.pixels;
  // The resize may never look at every sample's value (see resizeMappedRegion), so check them here:
  // not at all when the container holds nothing BitsStored cannot; by one OR over the copy the SIMD
  // resize takes when it is unsigned (stageRegion copies only 8- and 16-bit unsigned frames; 3000²: ~0.5 ms);
  // by both ends otherwise (and to name the value that does not fit).
  const staged = stageRegion(pixels, frame.columns, region);
  const containerFits = staged !== undefined && frame.bitsStored === pixels.BYTES_PER_ELEMENT * 8;
  const orFits = (): boolean => staged !== undefined && frame.pixelRepresentation === 0 && staged.orOfSamples() <= 2 ** frame.bitsStored - 1;
  if (!containerFits && !orFits()) {
    const { min, max } = sampleRange(pixels, frame.columns, region);
    valueOf(min);
    valueOf(max);
  }
  const source = { width: frame.columns, height: frame.rows, samples: frame.pixels, slope: scaling.slope, intercept: scaling.intercept, staged };
  const tensor = resizeMappedRegion(source, region, resolution, resolution, valueOf);
  return { tensor, crop: { x, y, size, resolution } };
}

function checkResolution(resolution: number): void {
  if (!Number.isInteger(resolution) || resolution < 1) {
    throw new RangeError(`prepareModelInput: resolution ${resolution} must be a positive integer`);
  }
}
