import type { DicomPixelFrame } from '../dicom/types.ts';
import { XrayReadError } from './errors.ts';

/** The only interpretations TorchXRayVision's read_xray_dcm accepts (it raises on every other). */
export const xrvPhotometricInterpretations = ['MONOCHROME1', 'MONOCHROME2'] as const;

/**
 * How a frame's stored values map onto TorchXRayVision's [−1024, 1024] scale (see toXrvScale for the
 * rules). The map is affine, `value(u) ≈ slope·u + intercept`; `value` is the exact float32 form.
 */
export interface XrvScaling {
  /** 2^BitsStored − 1, upstream's `maxval`. */
  readonly max: number;
  /** Added to a stored value before scaling: 2^(BitsStored−1) for signed pixels, else 0. */
  readonly offset: number;
  readonly invert: boolean;
  readonly slope: number;
  readonly intercept: number;
}

/**
 * Checks that `frame` is an image read_xray_dcm would scale (one grey sample per pixel, sane BitsStored,
 * as many values as pixels) and returns its scaling; throws XrayReadError naming the problem otherwise.
 */
export function xrvScalingOf(frame: DicomPixelFrame): XrvScaling {
  const photometric = frame.photometricInterpretation.trim();
  if (!(xrvPhotometricInterpretations as readonly string[]).includes(photometric)) {
    throw new XrayReadError(
      'unsupported-photometric',
      `PhotometricInterpretation '${photometric}' is not supported: TorchXRayVision reads only MONOCHROME1 and ` +
        'MONOCHROME2 (single-channel grey radiographs); colour, YBR and palette images are not what the model was trained on',
    );
  }
  if (frame.samplesPerPixel !== 1) {
    throw new XrayReadError(
      'unsupported-samples-per-pixel',
      `SamplesPerPixel ${frame.samplesPerPixel} with ${photometric}: a MONOCHROME image has exactly one sample per pixel (PS3.3 C.7.6.3.1.1)`,
    );
  }
  const bits = frame.bitsStored;
  if (!Number.isInteger(bits) || bits < 1 || bits > 32 || bits > frame.bitsAllocated) {
    throw new XrayReadError(
      'unsupported-bits-stored',
      `BitsStored ${bits} (BitsAllocated ${frame.bitsAllocated}) cannot be scaled: it must be an integer in 1..32 and at most BitsAllocated`,
    );
  }
  const count = frame.rows * frame.columns;
  if (frame.pixels.length !== count) {
    throw new XrayReadError(
      'pixel-count-mismatch',
      `The frame has ${frame.pixels.length} stored values but Rows ${frame.rows} × Columns ${frame.columns} needs ${count}`,
    );
  }
  const max = 2 ** bits - 1;
  const offset = frame.pixelRepresentation === 1 ? 2 ** (bits - 1) : 0;
  const invert = photometric === 'MONOCHROME1';
  // (2·v/max − 1)·1024 with v = u + offset, or v = max − (u + offset) for MONOCHROME1.
  const gain = 2048 / max;
  return invert
    ? { max, offset, invert, slope: -gain, intercept: 1024 - gain * offset }
    : { max, offset, invert, slope: gain, intercept: gain * offset - 1024 };
}

/** The scaled value of stored value `u`, bit-identical to upstream (numpy's float32 steps); u must be in range. */
export function xrvValue(scaling: XrvScaling, u: number): number {
  const v = u + scaling.offset;
  return xrvNormalize(scaling.invert ? scaling.max - v : v, scaling.max);
}

/** Upstream's normalize(x, max) for one value, with numpy's float32 rounding at each step. */
export function xrvNormalize(x: number, max: number): number {
  return Math.fround(2 * Math.fround(x / max) - 1) * 1024;
}

/** The error for a stored value outside what BitsStored and PixelRepresentation allow. */
export function pixelOutOfRange(frame: DicomPixelFrame, scaling: XrvScaling, value: number, index: number): XrayReadError {
  return new XrayReadError(
    'pixel-out-of-range',
    `Stored value ${value} at row ${Math.floor(index / frame.columns)}, column ${index % frame.columns} is outside ` +
      `[${-scaling.offset}, ${scaling.max - scaling.offset}] allowed by BitsStored ${frame.bitsStored} and PixelRepresentation ${frame.pixelRepresentation}`,
  );
}
