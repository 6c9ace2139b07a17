/** Class activation maps: from the model's feature maps and its own classifier weight to original-image pixels. */
export { computeCams } from './computeCams.ts';
export type { CamOptions, CamPoint, CamRegion, FindingCam, ImageSize } from './computeCams.ts';
export { classifierWeightName, readClassifierWeight } from './classifierWeight.ts';
export type { ClassifierWeight } from './classifierWeight.ts';
export { upsampleBilinear } from './bilinear.ts';
export { renderCamOverlay, writeCamPngs } from './camOverlay.ts';
export type { OverlayOptions } from './camOverlay.ts';
export { encodeRgbPng } from './encodePng.ts';
export { camImage } from './camImage.ts';
