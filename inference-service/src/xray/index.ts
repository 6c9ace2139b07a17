export type { CropGeometry, ModelInput, XrayImage } from './types.ts';
export { XrayReadError, isXrayReadError, xrayReadErrorCodes, type XrayReadErrorCode } from './errors.ts';
export { toXrvScale } from './toXrvScale.ts';
export { xrvPhotometricInterpretations, xrvScalingOf, type XrvScaling } from './xrvScaling.ts';
export { centerCrop, centerCropWindow, type SquareWindow } from './centerCrop.ts';
export { resize, resizeRegion, type PixelRegion } from './resize.ts';
export { prepareFrameInput, prepareModelInput } from './prepareModelInput.ts';
export { decodeNpy, encodeNpy, type NpyArray } from './npy.ts';
