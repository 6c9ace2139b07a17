import type { DicomDataset } from '../dicom/types.ts';
import type { ModelCard } from '../model/modelCard.ts';
import type { ImageFindings } from '../pipeline/types.ts';
import { srConcepts, srSopClassUids, srTemplates } from './codes.ts';
import { codeSequence } from './contentItems.ts';
import { encodeSr } from './encodeSr.ts';
import { demoNotice, findingScores, findingsContent } from './findingsContent.ts';
import { defaultSoftware, objectHeader } from './srHeader.ts';
import type { Software } from './srHeader.ts';
import { findingsSrUids } from './uids.ts';

export { defaultSoftware };

export interface FindingsSrInput {
  /** The classified image's naturalized data set (its pixel data is not needed). */
  readonly image: DicomDataset;
  readonly result: ImageFindings;
  readonly card: ModelCard;
  /** Content and instance creation time; defaults to the current time. */
  readonly now?: Date;
  readonly software?: Software;
}

export interface FindingsSr {
  readonly dataset: DicomDataset;
  readonly part10: Uint8Array;
  readonly SOPInstanceUID: string;
  readonly SeriesInstanceUID: string;
}

export interface ImageReference {
  readonly StudyInstanceUID: string;
  readonly SeriesInstanceUID: string;
  readonly SOPClassUID: string;
  readonly SOPInstanceUID: string;
}

/**
 * Builds the readable report (a Comprehensive SR, PS3.3 A.35.3) of one image's findings and its Part-10
 * bytes: TID 2000 Basic Diagnostic Imaging Report, declared in ContentTemplateSequence. The same image
 * and model always give the same SOP Instance UID (see uids.ts), in a new series of the image's study.
 * Its machine-readable twin is the TID 1500 result (buildMeasurementReport.ts).
 */
export function buildFindingsSr(input: FindingsSrInput): FindingsSr {
  const { image, result, card } = input;
  const now = input.now ?? new Date();
  const software = input.software ?? defaultSoftware;
  const imageRef = imageReference(image, result, card);
  const { SOPInstanceUID, SeriesInstanceUID } = findingsSrUids(imageRef.SOPInstanceUID, result.model.onnxSha256);
  const isDemo = isDemoResult(card, result);

  const scores = findingScores(card, result);
  const content = findingsContent({ card, result, scores, manufacturer: software.manufacturer, isDemo });
  const title = srConcepts.diagnosticImagingReport;
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
      SeriesDescription: seriesDescription('CXR report', card, isDemo),
      kind: 'readable report',
      concepts: [title, ...scores.map((s) => s.concept)],
    }),
    ...srDocumentAttributes(imageRef, srTemplates.basicDiagnosticImagingReport),
    ConceptNameCodeSequence: codeSequence(title),
  };
  // dcmjs writes text as UTF-8; only non-ASCII text needs saying so (PS3.3 C.12.1.1.2). Without it the
  // default repertoire applies, which every reader (dsrdump's VR checker too) handles.
  if (hasNonAscii([dataset, content.context, content.result])) dataset['SpecificCharacterSet'] = 'ISO_IR 192';
  const part10 = encodeSr(dataset, [...content.context, ...content.result]);
  return { dataset: { ...dataset, ContentSequence: [...content.context, ...content.result] }, part10, SOPInstanceUID, SeriesInstanceUID };
}

export function isDemoResult(card: ModelCard, result: ImageFindings): boolean {
  return card.kind === 'demo' || result.model.kind === 'demo';
}

/**
 * SR Document General and Content modules (PS3.3 C.17.2, C.17.3) of a device's unverified report on one
 * image: the root CONTAINER's attributes but its concept and children, and the evidence.
 */
export function srDocumentAttributes(imageRef: ImageReference, template: string): DicomDataset {
  return {
    ValueType: 'CONTAINER',
    ContinuityOfContent: 'SEPARATE',
    ContentTemplateSequence: [{ MappingResource: 'DCMR', TemplateIdentifier: template }],
    CompletionFlag: 'COMPLETE',
    // Nobody has verified an algorithm's output (PS3.3 C.17.2.1).
    VerificationFlag: 'UNVERIFIED',
    CurrentRequestedProcedureEvidenceSequence: [
      {
        StudyInstanceUID: imageRef.StudyInstanceUID,
        ReferencedSeriesSequence: [
          {
            SeriesInstanceUID: imageRef.SeriesInstanceUID,
            ReferencedSOPSequence: [{ ReferencedSOPClassUID: imageRef.SOPClassUID, ReferencedSOPInstanceUID: imageRef.SOPInstanceUID }],
          },
        ],
      },
    ],
    PerformedProcedureCodeSequence: [],
  };
}

/** The image the result is about, checked against the result and the card. */
export function imageReference(image: DicomDataset, result: ImageFindings, card: ModelCard): ImageReference {
  if (result.model.id !== card.id) {
    throw new Error(`buildFindingsSr: the result is from model '${result.model.id}' but the card is '${card.id}'`);
  }
  const uid = (key: keyof ImageReference): string => {
    const value = image[key];
    if (typeof value !== 'string' || value.length === 0) {
      throw new Error(`buildFindingsSr: the image data set has no ${key}; the SR must reference it (PS3.3 C.17.2.3)`);
    }
    return value;
  };
  const ref = {
    StudyInstanceUID: uid('StudyInstanceUID'),
    SeriesInstanceUID: uid('SeriesInstanceUID'),
    SOPClassUID: uid('SOPClassUID'),
    SOPInstanceUID: uid('SOPInstanceUID'),
  };
  if (ref.SOPInstanceUID !== result.SOPInstanceUID || ref.StudyInstanceUID !== result.StudyInstanceUID) {
    throw new Error(
      `buildFindingsSr: the findings are for SOP instance ${result.SOPInstanceUID} (study ${result.StudyInstanceUID}), ` +
        `not for the image given (${ref.SOPInstanceUID}, study ${ref.StudyInstanceUID})`,
    );
  }
  return ref;
}

export function seriesDescription(what: string, card: ModelCard, isDemo: boolean): string {
  return `${what} (AI) - ${isDemo ? demoNotice : card.id}`;
}

const nonAscii = /[\u0080-\uffff]/;

export function hasNonAscii(value: unknown): boolean {
  if (typeof value === 'string') return nonAscii.test(value);
  // Binary values (pixel data, floats) hold no text, and their elements need no walk.
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return false;
  if (Array.isArray(value)) return value.some(hasNonAscii);
  if (typeof value === 'object' && value !== null) return Object.values(value).some(hasNonAscii);
  return false;
}
