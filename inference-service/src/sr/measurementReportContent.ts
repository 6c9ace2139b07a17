import type { CamRegion } from '../cam/index.ts';
import type { DicomDataset } from '../dicom/types.ts';
import type { ModelCard } from '../model/modelCard.ts';
import type { ImageFindings } from '../pipeline/types.ts';
import { srConcepts } from './codes.ts';
import { codeItem, containerItem, imageItem, numItem, scoordItem, textItem, uidrefItem } from './contentItems.ts';
import type { SopReference } from './contentItems.ts';
import { findingSites } from './findingCodes.ts';
import type { FindingScore } from './findingsContent.ts';
import { algorithmName, algorithmVersion, deviceObserverContext } from './findingsContent.ts';
import { algorithmParameters, formatAlgorithmParameter, operatingPoint } from './identity.ts';
import { trackingUid } from './uids.ts';

export interface MeasurementReportContentInput {
  readonly card: ModelCard;
  readonly result: ImageFindings;
  readonly scores: readonly FindingScore[];
  readonly manufacturer: string;
  readonly isDemo: boolean;
  readonly source: SopReference;
  /** Where the model looked, by label, in the source image's pixels (cam/computeCams.ts). */
  readonly regions: ReadonlyMap<string, CamRegion>;
  /** The heatmaps object, when one is written beside the report. */
  readonly heatmaps?: HeatmapReference;
}

/** The Parametric Map of the image's CAMs, and which of its frames holds which finding's. */
export interface HeatmapReference {
  readonly reference: SopReference;
  readonly SeriesInstanceUID: string;
  /** 1-based frame number by label; a finding without one gets no Illustration of ROI. */
  readonly frames: ReadonlyMap<string, number>;
}

/**
 * The children of the TID 1500 Imaging Measurement Report's root:
 * - TID 1204 language, TID 1001 device observer, procedure reported (CID 100);
 * - TID 1600 Image Library with the source image;
 * - Imaging Measurements: per finding at or above its operating point with a region, a TID 1501
 *   Measurement Group: Tracking Identifier and UID (TID 4108), Finding, Finding Site where the label has
 *   one, the region as SCOORD (Image Region) SELECTED FROM the source image, its heatmap frame as
 *   Illustration of ROI, and the score as NUM (111012, DCM, "Certainty of Finding") in % INFERRED FROM
 *   the region (see regionMeasurementGroup for why this shape); TID 4019 algorithm identification for the container;
 * - Qualitative Evaluations: the image-level result of every finding at the operating point, CODE
 *   finding = Present / Absent (CID 241), and its score as TEXT.
 *
 * Why image-level results are not measurement groups too: OHIF 3.13 hydrates every group of Imaging
 * Measurements and crashes on one without SCOORD, and it does not read Qualitative Evaluations; a finding
 * below its operating point has no region to draw (drawing one would show a negative as a lesion).
 */
export function measurementReportContent(input: MeasurementReportContentInput): DicomDataset[] {
  const { scores, source, regions } = input;
  const identification = tid4019AlgorithmIdentification(input);
  const groups = scores.flatMap((score) => {
    const region = regions.get(score.label);
    return score.positive && region !== undefined ? [regionMeasurementGroup(input, score, region)] : [];
  });
  return [
    codeItem('HAS CONCEPT MOD', srConcepts.languageOfContent, srConcepts.english),
    ...deviceObserverContext(input.manufacturer),
    codeItem('HAS CONCEPT MOD', srConcepts.procedureReported, srConcepts.imagingProcedure),
    containerItem('CONTAINS', srConcepts.imageLibrary, [containerItem('CONTAINS', srConcepts.imageLibraryGroup, [imageItem('CONTAINS', source)])]),
    containerItem('CONTAINS', srConcepts.imagingMeasurements, [...identification, ...groups]),
    // No TID 4019 here: PixelMed's validator takes its TEXT items for row 14 ("TEXT *", CONTAINS) and
    // rejects their relationship. The Imaging Measurements container and Contributing Equipment carry it.
    containerItem('CONTAINS', srConcepts.qualitativeEvaluations, [
      ...scores.map((s) => codeItem('CONTAINS', s.concept, s.positive ? srConcepts.present : srConcepts.absent)),
      ...scores.map((s) => textItem('CONTAINS', s.concept, scoreText(s))),
    ]),
  ];
}

/** "Certainty of Finding: 9.06 %": the TEXT form of a score (readStoredFindings reads it back). */
export function scoreText(score: FindingScore): string {
  return `${srConcepts.certaintyOfFinding.CodeMeaning}: ${score.percent} %`;
}

/**
 * TID 1501 for one positive finding, in the form OHIF 3.13 hydrates into its measurement panel (its
 * cornerstone adapters, @cornerstonejs/adapters MeasurementReport.generateToolState):
 * - the region as the group's SCOORD (row 10c, CONTAINS, SELECTED FROM the image): a POLYLINE of 5 points
 *   named (111030, DCM, "Image Region") is what the adapters map to a RectangleROI without a cornerstone
 *   Tracking Identifier, and what makes OHIF offer to load the SR's measurements at all (isRehydratable);
 * - the score as TID 300 NUM INFERRED FROM the same region (TID 320): the adapter reads a group's first
 *   NUM and takes the region from that NUM's children, and skips the whole group ("No spatial
 *   coordinates group found") when the NUM has none. The relation is true of a CAM: the score is the
 *   average of the class activation over the image, and the region is where it is high.
 * OHIF's panel then names the region by the Finding's meaning (its label falls back to the finding's
 * text). TID 1410 (Planar ROI) was the first choice, but its TID 1419 NUM has no INFERRED FROM row, so
 * the one form the adapter reads is outside TID 1410 (PixelMed: "not in template"); TID 1501 has both.
 */
function regionMeasurementGroup(input: MeasurementReportContentInput, score: FindingScore, region: CamRegion): DicomDataset {
  const { result, source, heatmaps } = input;
  const site = findingSites[score.label];
  const outline = boxOutline(region);
  return containerItem('CONTAINS', srConcepts.measurementGroup, [
    textItem('HAS OBS CONTEXT', srConcepts.trackingIdentifier, score.displayName),
    uidrefItem('HAS OBS CONTEXT', srConcepts.trackingUniqueIdentifier, trackingUid(source.ReferencedSOPInstanceUID, result.model.onnxSha256, score.label)),
    codeItem('CONTAINS', srConcepts.finding, score.concept),
    ...(site === undefined ? [] : [codeItem('HAS CONCEPT MOD', srConcepts.findingSite, site)]),
    scoordItem('CONTAINS', srConcepts.imageRegion, 'POLYLINE', outline, source),
    ...heatmapFrame(heatmaps, score.label),
    {
      ...numItem('CONTAINS', srConcepts.certaintyOfFinding, score.percent, srConcepts.percent),
      ContentSequence: [scoordItem('INFERRED FROM', srConcepts.imageRegion, 'POLYLINE', outline, source)],
    },
  ]);
}

/**
 * The heatmaps object as Pertinent Other Evidence (PS3.3 C.17.2.3): every instance the content tree
 * references must be listed in an evidence sequence, and it is not evidence of the requested procedure.
 */
export function heatmapEvidence(StudyInstanceUID: string, heatmaps: HeatmapReference | undefined): DicomDataset {
  if (heatmaps === undefined) return {};
  const series = { SeriesInstanceUID: heatmaps.SeriesInstanceUID, ReferencedSOPSequence: [{ ...heatmaps.reference }] };
  return { PertinentOtherEvidenceSequence: [{ StudyInstanceUID, ReferencedSeriesSequence: [series] }] };
}

/** The finding's frame of the heatmaps object, when it has one. */
function heatmapFrame(heatmaps: HeatmapReference | undefined, label: string): DicomDataset[] {
  const frame = heatmaps?.frames.get(label);
  if (heatmaps === undefined || frame === undefined) return [];
  const item = imageItem('CONTAINS', heatmaps.reference, srConcepts.illustrationOfRoi);
  return [{ ...item, ReferencedSOPSequence: [{ ...heatmaps.reference, ReferencedFrameNumber: frame }] }];
}

/**
 * The region's inclusive pixel box as a closed polyline along its outer pixel edges: pixel (c, r) covers
 * [c, c+1) × [r, r+1) in SCOORD's image coordinates (PS3.3 C.18.6.1.1).
 */
export function boxOutline(region: CamRegion): Array<[number, number]> {
  const left = region.x0;
  const top = region.y0;
  const right = region.x1 + 1;
  const bottom = region.y1 + 1;
  return [
    [left, top],
    [right, top],
    [right, bottom],
    [left, bottom],
    [left, top],
  ];
}

/** TID 4019: name, version, and the parameters that identify the model exactly (as Contributing Equipment). */
function tid4019AlgorithmIdentification({ card, result, isDemo }: MeasurementReportContentInput): DicomDataset[] {
  return [
    textItem('HAS CONCEPT MOD', srConcepts.algorithmName, algorithmName(card, isDemo)),
    textItem('HAS CONCEPT MOD', srConcepts.algorithmVersion, algorithmVersion(card, result)),
    ...algorithmParameters(card, result).map((p) => textItem('HAS CONCEPT MOD', srConcepts.algorithmParameters, formatAlgorithmParameter(p))),
  ];
}

export { operatingPoint };
