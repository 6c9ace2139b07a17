import { readFile } from 'node:fs/promises';
import { readClassifierWeight } from '../cam/index.ts';
import type { ClassifierWeight } from '../cam/index.ts';
import type { OrthancClient } from '../orthanc/orthancClient.ts';
import type { ClassifiedImage as PipelineResult, FindingsPipeline } from '../pipeline/findingsPipeline.ts';
import { buildImageObjects, findingsSrUids, measurementReportUids, parametricMapUids } from '../sr/index.ts';
import type { HeatmapsReference } from './types.ts';
import type { ImageObjects, ParametricMap } from '../sr/index.ts';

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

/** Builds an image's objects; the classifier weight (for the regions) is read from the ONNX file once. */
export class ImageObjectBuilder {
  #classifierWeight: Promise<ClassifierWeight> | undefined;

  constructor(
    private readonly pipeline: FindingsPipeline,
    private readonly options: { readonly heatmaps: boolean } = { heatmaps: true },
  ) {}

  async build(classified: PipelineResult, software: { readonly manufacturer: string; readonly version: string } | undefined): Promise<ImageObjects> {
    const { onnxPath, card } = this.pipeline.model;
    this.#classifierWeight ??= readFile(onnxPath).then((bytes) => readClassifierWeight(bytes, onnxPath));
    const classifierWeight = await this.#classifierWeight;
    return buildImageObjects({ classified, card, classifierWeight, heatmaps: this.options.heatmaps, ...(software ? { software } : {}) });
  }
}

/**
 * Stores the readable report, the heatmaps, then the result: the result's presence is what later requests
 * check, so it goes last and an interrupted store is completed by the next attempt (Orthanc keeps what it
 * already has). alreadyExisted is the result's: it was stored before this call.
 */
export async function storeImageObjects(orthanc: OrthancClient, objects: ImageObjects): Promise<{ readonly alreadyExisted: boolean }> {
  await storeOne(orthanc, objects.report.part10, objects.report.SOPInstanceUID);
  if (objects.heatmaps) await storeOne(orthanc, objects.heatmaps.part10, objects.heatmaps.SOPInstanceUID);
  const status = await storeOne(orthanc, objects.result.part10, objects.result.SOPInstanceUID);
  return { alreadyExisted: status === 'AlreadyStored' };
}

/** Orthanc answers 200 also when it refuses an instance ("FilteredOut"): only these two mean stored. */
async function storeOne(orthanc: OrthancClient, part10: Uint8Array, SOPInstanceUID: string): Promise<string> {
  const { Status } = await orthanc.uploadInstance(part10);
  if (Status !== 'Success' && Status !== 'AlreadyStored') {
    throw new Error(`storeImageObjects: Orthanc did not store ${SOPInstanceUID} (status '${String(Status)}')`);
  }
  return Status;
}
