import { readFile } from 'node:fs/promises';
import { readClassifierWeight } from '../cam/index.ts';
import type { ClassifierWeight } from '../cam/index.ts';
import type { ClassifiedImage as PipelineResult, FindingsPipeline } from '../pipeline/findingsPipeline.ts';
import { boxOutline, findingsSrUids, imageObjectSteps, measurementReportUids, parametricMapUids } from '../sr/index.ts';
import type { ClassifiedImage, HeatmapsReference } from './types.ts';
import type { BuiltObject, ImageObjects, ParametricMap } from '../sr/index.ts';

/**
 * The DICOM objects the service writes for one image (sr/buildImageObjects.ts), apart from the service's
 * queueing and retries: which UIDs they have, how to build them, and storing them in the right order.
 */

export interface ObjectUids {
  readonly SeriesInstanceUID: string;
  readonly SOPInstanceUID: string;
}

/**
 * The UIDs of an image's objects; the TID 1500 result's is the one that says "this image is done". The
 * heatmaps' exist only for images with a positive finding.
 */
export function imageObjectUids(
  imageSOPInstanceUID: string,
  onnxSha256: string,
): { readonly result: ObjectUids; readonly report: ObjectUids; readonly heatmaps: ObjectUids } {
  return {
    result: measurementReportUids(imageSOPInstanceUID, onnxSha256),
    report: findingsSrUids(imageSOPInstanceUID, onnxSha256),
    heatmaps: parametricMapUids(imageSOPInstanceUID, onnxSha256),
  };
}

/** The heatmaps an answer names: the Parametric Map this request stored, and its frame of each finding. */
export function heatmapsReference(image: { readonly StudyInstanceUID: string }, heatmaps: ParametricMap): HeatmapsReference {
  return {
    StudyInstanceUID: image.StudyInstanceUID,
    SeriesInstanceUID: heatmaps.SeriesInstanceUID,
    SOPInstanceUID: heatmaps.SOPInstanceUID,
    frames: Object.fromEntries(heatmaps.frames),
  };
}

/**
 * What an answer says of the objects this request made beside the findings: the heatmaps and the regions.
 * Only when made now: read back, a score rounded to 50.00 % could move a frame or a region.
 */
export function answerOverlays(image: { readonly StudyInstanceUID: string }, objects: ImageObjects): Pick<ClassifiedImage, 'heatmaps' | 'regions'> {
  const regions = Object.fromEntries([...objects.regions].map(([label, region]) => [label, { graphicType: 'POLYLINE' as const, points: boxOutline(region) }]));
  return { ...(objects.heatmaps ? { heatmaps: heatmapsReference(image, objects.heatmaps) } : {}), ...(objects.regions.size > 0 ? { regions } : {}) };
}

/** Builds an image's objects; the classifier weight (for the regions) is read from the ONNX file once. */
export class ImageObjectBuilder {
  #classifierWeight: Promise<ClassifierWeight> | undefined;

  constructor(
    private readonly pipeline: FindingsPipeline,
    private readonly options: { readonly heatmaps: boolean } = { heatmaps: true },
  ) {}

  /**
   * With `onBuilt`, each object is handed over as soon as it is built and the event loop is let run before
   * the next, so that a store started for it goes out while the rest are built.
   */
  async build(
    classified: PipelineResult,
    software: { readonly manufacturer: string; readonly version: string } | undefined,
    onBuilt?: (built: BuiltObject) => void,
  ): Promise<ImageObjects> {
    const { onnxPath, card } = this.pipeline.model;
    this.#classifierWeight ??= readFile(onnxPath).then((bytes) => readClassifierWeight(bytes, onnxPath));
    const classifierWeight = await this.#classifierWeight;
    const steps = imageObjectSteps({ classified, card, classifierWeight, heatmaps: this.options.heatmaps, ...(software ? { software } : {}) });
    for (let step = steps.next(); ; step = steps.next()) {
      if (step.done) return step.value;
      if (!onBuilt) continue;
      onBuilt(step.value);
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
}
