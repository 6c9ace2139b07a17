import { computeCams } from '../cam/index.ts';
import type { CamRegion, ClassifierWeight, FindingCam } from '../cam/index.ts';
import type { DicomDataset } from '../dicom/types.ts';
import type { ModelCard } from '../model/modelCard.ts';
import type { ClassifiedImage } from '../pipeline/findingsPipeline.ts';
import { buildFindingsSr } from './buildFindingsSr.ts';
import type { FindingsSr } from './buildFindingsSr.ts';
import { buildMeasurementReport } from './buildMeasurementReport.ts';
import { buildParametricMap } from './buildParametricMap.ts';
import type { ParametricMap } from './buildParametricMap.ts';
import { operatingPoint } from './identity.ts';
import type { Software } from './srHeader.ts';

export interface ImageObjects {
  /** TID 1500: the AI result, the object receivers of AI results read and the sidecar reads back. */
  readonly result: FindingsSr;
  /** TID 2000: the readable report, what a person reads in any SR viewer. */
  readonly report: FindingsSr;
  /** The positive findings' CAMs as a Parametric Map; absent when no finding is positive or there are no regions. */
  readonly heatmaps?: ParametricMap;
  /** Where the model looked for each positive finding, by label: the regions the result draws as SCOORD. */
  readonly regions: ReadonlyMap<string, CamRegion>;
}

export interface ImageObjectsInput {
  readonly classified: ClassifiedImage;
  readonly card: ModelCard;
  /** The model's classifier weight: with the image's feature maps it gives the regions (class activation maps). */
  readonly classifierWeight?: ClassifierWeight;
  readonly now?: Date;
  readonly software?: Software;
  /** Whether to build the heatmaps object (on by default); without it the result references none. */
  readonly heatmaps?: boolean;
}

/** One object of an image's set, as `imageObjectSteps` hands it out. */
export type BuiltObject = { readonly kind: 'report' | 'result'; readonly object: FindingsSr } | { readonly kind: 'heatmaps'; readonly object: ParametricMap };

/**
 * Every DICOM object written for one classified image: the readable report, the heatmaps (Parametric
 * Map) the result points at, and the result. Regions need the feature maps and the classifier weight;
 * without them the result has no measurement groups, only image-level results.
 */
export function buildImageObjects(input: ImageObjectsInput): ImageObjects {
  const steps = imageObjectSteps(input);
  for (let step = steps.next(); ; step = steps.next()) if (step.done) return step.value;
}

/**
 * buildImageObjects one object at a time, each handed out as soon as it is built, so that a caller can
 * start storing it while the next is built (Orthanc works on another core meanwhile). The report comes
 * first (it needs nothing else), then the heatmaps, then the result that references them.
 */
export function* imageObjectSteps({ classified, card, classifierWeight, now, software, heatmaps: withHeatmaps = true }: ImageObjectsInput): Generator<BuiltObject, ImageObjects> {
  const { prepared, result, featureMaps } = classified;
  const image: DicomDataset = prepared.dataset;
  const common = { image, result, card, ...(now === undefined ? {} : { now }), ...(software === undefined ? {} : { software }) };
  const report = buildFindingsSr(common);
  yield { kind: 'report', object: report };
  const regions = new Map<string, CamRegion>();
  let cams: FindingCam[] = [];
  // Only findings at or above the operating point get a region (measurementReportContent.ts says why).
  const positives = card.labels.flatMap((label, i) => ((result.findings[label] ?? 0) >= operatingPoint ? [i] : []));
  if (featureMaps !== undefined && classifierWeight !== undefined && positives.length > 0) {
    const size = { width: prepared.width, height: prepared.height };
    cams = computeCams(featureMaps, classifierWeight, prepared.input.crop, size, { findings: positives });
    for (const cam of cams) {
      const label = card.labels[cam.finding];
      if (label !== undefined) regions.set(label, cam.region);
    }
  }
  const heatmaps = cams.length === 0 || !withHeatmaps ? undefined : buildParametricMap({ ...common, cams, crop: prepared.input.crop, size: { width: prepared.width, height: prepared.height } });
  if (heatmaps) yield { kind: 'heatmaps', object: heatmaps };
  const heatmapReference = heatmaps && {
    reference: { ReferencedSOPClassUID: String(heatmaps.dataset['SOPClassUID']), ReferencedSOPInstanceUID: heatmaps.SOPInstanceUID },
    SeriesInstanceUID: heatmaps.SeriesInstanceUID,
    frames: heatmaps.frames,
  };
  const measurementReport = buildMeasurementReport({ ...common, regions, ...(heatmapReference ? { heatmaps: heatmapReference } : {}) });
  yield { kind: 'result', object: measurementReport };
  return { result: measurementReport, report, ...(heatmaps ? { heatmaps } : {}), regions };
}
