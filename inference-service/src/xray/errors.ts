/**
 * Why a decoded frame cannot be turned into a TorchXRayVision image. The code is stable (callers and
 * the HTTP/CLI layers branch on it); the message says what and why, for a human.
 */
export const xrayReadErrorCodes = [
  /** Not MONOCHROME1/MONOCHROME2: the model was trained on single-channel grey radiographs only. */
  'unsupported-photometric',
  /** More than one sample per pixel under a MONOCHROME label (contradicts PS3.3 C.7.6.3.1.2). */
  'unsupported-samples-per-pixel',
  /** BitsStored outside 1..32, or above BitsAllocated. */
  'unsupported-bits-stored',
  /** Rows × Columns × SamplesPerPixel does not match the number of decoded values. */
  'pixel-count-mismatch',
  /** A stored value outside the range BitsStored allows (upstream's normalize() refuses it too). */
  'pixel-out-of-range',
] as const;

export type XrayReadErrorCode = (typeof xrayReadErrorCodes)[number];

export class XrayReadError extends Error {
  override readonly name = 'XrayReadError';

  constructor(
    readonly code: XrayReadErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function isXrayReadError(value: unknown): value is XrayReadError {
  return value instanceof XrayReadError;
}
