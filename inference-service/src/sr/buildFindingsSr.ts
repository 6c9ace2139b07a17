import type { DicomDataset } from '../dicom/types.ts';
import type { ModelCard } from '../model/modelCard.ts';
import type { ImageFindings } from '../pipeline/types.ts';
import { srConcepts, srSopClassUids } from './codes.ts';
import { codeSequence } from './contentItems.ts';
import { encodeFindingsSr } from './encodeFindingsSr.ts';
import { demoReportTitle, localCodingScheme, usesLocalScheme } from './findingCodes.ts';
import { demoNotice, deviceModelName, findingScores, findingsContent } from './findingsContent.ts';
import { findingsSrUids } from './uids.ts';

export interface FindingsSrInput {
  /** The classified image's naturalized data set (its pixel data is not needed). */
  readonly image: DicomDataset;
  readonly result: ImageFindings;
  readonly card: ModelCard;
  /** Content and instance creation time; defaults to the current time. Written in UTC. */
  readonly now?: Date;
  readonly software?: { readonly manufacturer: string; readonly version: string };
}

export interface FindingsSr {
  readonly dataset: DicomDataset;
  readonly part10: Uint8Array;
  readonly SOPInstanceUID: string;
  readonly SeriesInstanceUID: string;
}

export const defaultSoftware = Object.freeze({ manufacturer: 'CXR Findings project', version: '0.1.0' });

/** Our SRs follow their image's series (series numbers are display order in viewers). */
const seriesNumberOffset = 9000;

/**
 * Builds the Comprehensive SR (PS3.3 A.35.3) of one image's findings and its Part-10 bytes. The same
 * image and model always give the same SOP Instance UID (see uids.ts), in a new series of the image's
 * study. No ContentTemplateSequence: the tree borrows TID 2000's shape (language, observer context,
 * procedure reported, headed sections) but its NUM concepts are finding codes, which TID 2000/2002 do
 * not allow, so claiming the template would be false.
 */
export function buildFindingsSr(input: FindingsSrInput): FindingsSr {
  const { image, result, card } = input;
  const now = input.now ?? new Date();
  const software = input.software ?? defaultSoftware;
  const imageRef = imageReference(image, result);
  if (result.model.id !== card.id) {
    throw new Error(`buildFindingsSr: the result is from model '${result.model.id}' but the card is '${card.id}'`);
  }
  const { SOPInstanceUID, SeriesInstanceUID } = findingsSrUids(imageRef.SOPInstanceUID, result.model.onnxSha256);
  const isDemo = card.kind === 'demo' || result.model.kind === 'demo';

  const scores = findingScores(card, result);
  const content = findingsContent({ card, result, scores, manufacturer: software.manufacturer, isDemo });

  const date = dicomDate(now);
  const time = dicomTime(now);
  const title = isDemo ? demoReportTitle : srConcepts.diagnosticImagingReport;
  const dataset: DicomDataset = {
    InstanceCreationDate: date,
    InstanceCreationTime: time,
    SOPClassUID: srSopClassUids.comprehensiveSR,
    SOPInstanceUID,
    StudyDate: type2(image, 'StudyDate'),
    SeriesDate: date,
    ContentDate: date,
    StudyTime: type2(image, 'StudyTime'),
    SeriesTime: time,
    ContentTime: time,
    AccessionNumber: type2(image, 'AccessionNumber'),
    Modality: 'SR',
    Manufacturer: software.manufacturer,
    ReferringPhysicianName: type2(image, 'ReferringPhysicianName', []),
    TimezoneOffsetFromUTC: '+0000',
    ...(usesLocalScheme([title, ...scores.map((s) => s.concept)]) ? { CodingSchemeIdentificationSequence: [{ ...localCodingScheme }] } : {}),
    ...copyIfPresent(image, 'StudyDescription'),
    SeriesDescription: seriesDescription(card, isDemo),
    ManufacturerModelName: deviceModelName,
    ReferencedPerformedProcedureStepSequence: [],
    PatientName: type2(image, 'PatientName', []),
    PatientID: type2(image, 'PatientID'),
    ...copyIfPresent(image, 'IssuerOfPatientID'),
    PatientBirthDate: type2(image, 'PatientBirthDate'),
    PatientSex: type2(image, 'PatientSex'),
    SoftwareVersions: software.version,
    StudyInstanceUID: imageRef.StudyInstanceUID,
    SeriesInstanceUID,
    StudyID: type2(image, 'StudyID'),
    SeriesNumber: seriesNumberFor(image),
    InstanceNumber: 1,
    // SR Document Content Module: the root content item (PS3.3 C.17.3), no relationship type.
    ValueType: 'CONTAINER',
    ConceptNameCodeSequence: codeSequence(title),
    ContinuityOfContent: 'SEPARATE',
    CompletionFlag: 'COMPLETE',
    // Nobody has verified an algorithm's output (PS3.3 C.17.2.1).
    VerificationFlag: 'UNVERIFIED',
    CurrentRequestedProcedureEvidenceSequence: [
      {
        StudyInstanceUID: imageRef.StudyInstanceUID,
        ReferencedSeriesSequence: [
          {
            SeriesInstanceUID: imageRef.SeriesInstanceUID,
            ReferencedSOPSequence: [
              { ReferencedSOPClassUID: imageRef.SOPClassUID, ReferencedSOPInstanceUID: imageRef.SOPInstanceUID },
            ],
          },
        ],
      },
    ],
    PerformedProcedureCodeSequence: [],
  };
  // dcmjs writes text as UTF-8; only non-ASCII text needs saying so (PS3.3 C.12.1.1.2). Without it the
  // default repertoire applies, which every reader (dsrdump's VR checker too) handles.
  if (hasNonAscii([dataset, content.context, content.result])) dataset['SpecificCharacterSet'] = 'ISO_IR 192';
  const part10 = encodeFindingsSr(dataset, content);
  return { dataset: { ...dataset, ContentSequence: [...content.context, ...content.result] }, part10, SOPInstanceUID, SeriesInstanceUID };
}

interface ImageReference {
  readonly StudyInstanceUID: string;
  readonly SeriesInstanceUID: string;
  readonly SOPClassUID: string;
  readonly SOPInstanceUID: string;
}

function imageReference(image: DicomDataset, result: ImageFindings): ImageReference {
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

/** Type 2 attributes are present even when empty (PS3.5 7.4.3). */
function type2(image: DicomDataset, key: string, empty: unknown = ''): unknown {
  const value = image[key];
  return value === undefined || value === null ? empty : value;
}

function copyIfPresent(image: DicomDataset, key: string): DicomDataset {
  const value = image[key];
  return value === undefined || value === null || value === '' ? {} : { [key]: value };
}

function seriesNumberFor(image: DicomDataset): number {
  const n = Number(image['SeriesNumber']);
  return Number.isInteger(n) && n >= 0 && n < 1000 ? seriesNumberOffset + n : seriesNumberOffset;
}

function seriesDescription(card: ModelCard, isDemo: boolean): string {
  const text = isDemo ? `CXR Findings (AI) - ${demoNotice}` : `CXR Findings (AI) - ${card.id}`;
  return text.slice(0, 64); // LO: 64 characters at most
}

function dicomDate(d: Date): string {
  return d.toISOString().slice(0, 10).replaceAll('-', '');
}

function dicomTime(d: Date): string {
  return d.toISOString().slice(11, 19).replaceAll(':', '');
}

function hasNonAscii(value: unknown): boolean {
  if (typeof value === 'string') return [...value].some((c) => c.charCodeAt(0) > 0x7f);
  if (Array.isArray(value)) return value.some(hasNonAscii);
  if (typeof value === 'object' && value !== null) return Object.values(value).some(hasNonAscii);
  return false;
}
