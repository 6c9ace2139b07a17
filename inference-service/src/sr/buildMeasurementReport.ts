import type { CamRegion } from '../cam/index.ts';
import type { DicomDataset } from '../dicom/types.ts';
import type { ModelCard } from '../model/modelCard.ts';
import type { ImageFindings } from '../pipeline/types.ts';
import { srConcepts, srSopClassUids, srTemplates } from './codes.ts';
import { codeSequence } from './contentItems.ts';
import { encodeSr } from './encodeSr.ts';
import { hasNonAscii, imageReference, isDemoResult, seriesDescription, srDocumentAttributes } from './buildFindingsSr.ts';
import type { FindingsSr } from './buildFindingsSr.ts';
import { findingScores } from './findingsContent.ts';
import { heatmapEvidence, measurementReportContent } from './measurementReportContent.ts';
import type { HeatmapReference } from './measurementReportContent.ts';
import { defaultSoftware, objectHeader } from './srHeader.ts';
import type { Software } from './srHeader.ts';
import { measurementReportUids } from './uids.ts';

export interface MeasurementReportInput {
  readonly image: DicomDataset;
  readonly result: ImageFindings;
  readonly card: ModelCard;
  /** Where the model looked, by label (cam/computeCams.ts); findings without one get no region. */
  readonly regions?: ReadonlyMap<string, CamRegion>;
  readonly heatmaps?: HeatmapReference;
  readonly now?: Date;
  readonly software?: Software;
}

/**
 * The AI result of one image as IHE AI Results expects it: a TID 1500 Imaging Measurement Report in a
 * Comprehensive SR (TID 1500 is allowed in Enhanced and Comprehensive SR; SCOORD needs one of them),
 * deterministic UIDs per (image, model) in its own series. See measurementReportContent.ts.
 */
export function buildMeasurementReport(input: MeasurementReportInput): FindingsSr {
  const { image, result, card } = input;
  const now = input.now ?? new Date();
  const software = input.software ?? defaultSoftware;
  const imageRef = imageReference(image, result, card);
  const { SOPInstanceUID, SeriesInstanceUID } = measurementReportUids(imageRef.SOPInstanceUID, result.model.onnxSha256);
  const isDemo = isDemoResult(card, result);
  const scores = findingScores(card, result);
  const content = measurementReportContent({
    card,
    result,
    scores,
    manufacturer: software.manufacturer,
    isDemo,
    source: { ReferencedSOPClassUID: imageRef.SOPClassUID, ReferencedSOPInstanceUID: imageRef.SOPInstanceUID },
    regions: input.regions ?? new Map(),
    ...(input.heatmaps === undefined ? {} : { heatmaps: input.heatmaps }),
  });
  const dataset: DicomDataset = {
    ...objectHeader({
      image,
      result,
      card,
      now,
      software,
      SOPClassUID: srSopClassUids.comprehensiveSR,
      SOPInstanceUID,
      SeriesInstanceUID,
      Modality: 'SR',
      SeriesDescription: seriesDescription('CXR result', card, isDemo),
      kind: 'tid1500 result',
      concepts: scores.map((s) => s.concept),
    }),
    ...srDocumentAttributes(imageRef, srTemplates.imagingMeasurementReport),
    ...heatmapEvidence(imageRef.StudyInstanceUID, input.heatmaps),
    ConceptNameCodeSequence: codeSequence(srConcepts.imagingMeasurementReport),
  };
  if (hasNonAscii([dataset, content])) dataset['SpecificCharacterSet'] = 'ISO_IR 192';
  return { dataset: { ...dataset, ContentSequence: content }, part10: encodeSr(dataset, content), SOPInstanceUID, SeriesInstanceUID };
}
