import { performance } from 'node:perf_hooks';
import { readDicomImage, type DicomLimits } from '../dicom/index.ts';
import type { DicomDataset, DicomImage } from '../dicom/types.ts';
import { prepareFrameInput, prepareModelInput, toXrvScale } from '../xray/index.ts';
import type { ModelInput, XrayImage } from '../xray/types.ts';
import { ClassifyError } from './classifyError.ts';
import { checkEligibility } from './eligibility.ts';
import { checkIdentifiers } from './identifiers.ts';

/** An image read, checked and turned into the model's input, waiting for a batch. */
export interface PreparedImage {
  readonly dataset: DicomDataset;
  readonly input: ModelInput;
  readonly width: number;
  readonly height: number;
  readonly decodeMs: number;
  readonly preprocessMs: number;
  /** The whole image in TorchXRayVision's scale, kept only when asked for (CAM overlays draw on it). */
  readonly image?: XrayImage;
}

export interface PrepareOptions {
  readonly checkEligibility?: boolean;
  readonly keepImage?: boolean;
  /** What a file may hold before it is refused unread (dicom/limits.ts); default dicomLimitDefaults. */
  readonly limits?: DicomLimits;
  /**
   * The caller is done with the bytes: a worker thread may take them over instead of a copy, which
   * detaches the caller's buffer. A 4000² native image is 32 MB, and copying it held the event loop ~30 ms.
   */
  readonly handOver?: boolean;
}

export function toClassifyError(cause: unknown, code: ClassifyError['code']): ClassifyError {
  if (cause instanceof ClassifyError) return cause;
  const message = cause instanceof Error ? cause.message : String(cause);
  return new ClassifyError(code, message, { cause });
}

/** Reads and preprocesses one file for a model of `resolution`; throws ClassifyError naming what is wrong with it. */
export async function prepareImage(part10: Uint8Array, resolution: number, options: PrepareOptions = {}): Promise<PreparedImage> {
  const t0 = performance.now();
  let image: DicomImage;
  try {
    image = await readDicomImage(part10, options.limits ? { limits: options.limits } : {});
  } catch (cause) {
    throw toClassifyError(cause, 'unreadable-dicom');
  }
  const t1 = performance.now();
  checkIdentifiers(image.dataset);
  if (options.checkEligibility !== false) {
    const eligibility = checkEligibility(image.dataset);
    if (!eligibility.eligible) throw new ClassifyError('ineligible', `Not classified: ${eligibility.reason}`);
  }
  let input: ModelInput;
  let xray: XrayImage | undefined;
  try {
    // The full-size scaled image is made only for whoever keeps it (overlays); the model's input comes
    // straight from the stored values otherwise, a third of the work.
    if (options.keepImage) {
      xray = toXrvScale(image.frame);
      input = prepareModelInput(xray, resolution);
    } else {
      input = prepareFrameInput(image.frame, resolution);
    }
  } catch (cause) {
    throw toClassifyError(cause, 'unsupported-image');
  }
  const t2 = performance.now();
  return {
    dataset: image.dataset,
    input,
    width: image.frame.columns,
    height: image.frame.rows,
    decodeMs: t1 - t0,
    preprocessMs: t2 - t1,
    ...(xray ? { image: xray } : {}),
  };
}
