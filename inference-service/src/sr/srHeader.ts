import { readFileSync } from 'node:fs';
import type { DicomDataset } from '../dicom/types.ts';
import type { ModelCard } from '../model/modelCard.ts';
import type { ImageFindings } from '../pipeline/types.ts';
import { srConcepts } from './codes.ts';
import type { CodedConcept } from './codes.ts';
import { codeSequence } from './contentItems.ts';
import { localCodingScheme } from './findingCodes.ts';
import { algorithmDeviceUid, algorithmParameters, formatAlgorithmParameters } from './identity.ts';
import { nameBasedUid } from './uids.ts';

/**
 * What every object we write for an image shares: the Patient, Patient Study and General Study modules
 * copied from the image, the equipment, the dates, and the Contributing Equipment that identifies the
 * algorithm as IHE AI Results (AIR) Rev 1.1 §6.5.3.1 asks.
 */

const packageVersion = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

export interface Software {
  readonly manufacturer: string;
  readonly version: string;
}

/** The sidecar's own identity; its version is the package's, so it changes with every release. */
export const defaultSoftware: Software = Object.freeze({ manufacturer: 'CXR Findings project', version: packageVersion });

export const deviceName = 'CXR Findings';
export const deviceModelName = 'CXR Findings inference service';

/**
 * Patient (C.7.1.1), Patient Study (C.7.2.2) and General Study (C.7.2.1) attributes that are copied when
 * present. Type 2 ones (typeTwo) are always written, empty when the image has none (PS3.5 7.4.3).
 */
const typeTwo = ['PatientName', 'PatientID', 'PatientBirthDate', 'PatientSex', 'StudyDate', 'StudyTime', 'ReferringPhysicianName', 'StudyID', 'AccessionNumber'] as const;
const copiedWhenPresent = [
  // Patient
  'IssuerOfPatientID', 'IssuerOfPatientIDQualifiersSequence', 'PatientBirthTime', 'OtherPatientIDsSequence', 'PatientComments',
  'EthnicGroup', 'PatientSpeciesDescription', 'PatientSpeciesCodeSequence', 'PatientBreedDescription', 'PatientBreedCodeSequence',
  'BreedRegistrationSequence', 'ResponsiblePerson', 'ResponsiblePersonRole', 'ResponsibleOrganization', 'PatientIdentityRemoved',
  'DeidentificationMethod', 'DeidentificationMethodCodeSequence',
  // Patient Study
  'AdmittingDiagnosesDescription', 'AdmittingDiagnosesCodeSequence', 'PatientAge', 'PatientSize', 'PatientWeight',
  'PatientSizeCodeSequence', 'MedicalAlerts', 'Allergies', 'SmokingStatus', 'PregnancyStatus', 'LastMenstrualDate',
  'PatientState', 'AdditionalPatientHistory', 'Occupation', 'PatientSexNeutered', 'AdmissionID', 'IssuerOfAdmissionIDSequence',
  'ServiceEpisodeID', 'ServiceEpisodeDescription', 'IssuerOfServiceEpisodeIDSequence',
  // General Study
  'StudyDescription', 'IssuerOfAccessionNumberSequence', 'ReferringPhysicianIdentificationSequence', 'PhysiciansOfRecord',
  'PhysiciansOfRecordIdentificationSequence', 'NameOfPhysiciansReadingStudy', 'PhysiciansReadingStudyIdentificationSequence',
  'RequestingServiceCodeSequence', 'ReferencedStudySequence', 'ProcedureCodeSequence', 'ReasonForPerformedProcedureCodeSequence',
] as const;

/**
 * Values that must have their VR's form to be copied (PS3.5 6.2). Images carry broken ones (the SIIM test
 * image's PatientAge is "62", not "062Y"); copying them would make our objects invalid, and correcting
 * them would be guessing, so they are left out.
 */
const copiedFormats: Readonly<Record<string, RegExp>> = Object.freeze({
  PatientAge: /^\d{3}[DWMY]$/,
  PatientSize: /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/,
  PatientWeight: /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/,
  LastMenstrualDate: /^\d{8}$/,
});

export interface HeaderInput {
  readonly image: DicomDataset;
  readonly result: ImageFindings;
  readonly card: ModelCard;
  readonly now: Date;
  readonly software: Software;
  readonly SOPClassUID: string;
  readonly SOPInstanceUID: string;
  readonly SeriesInstanceUID: string;
  readonly Modality: string;
  readonly SeriesDescription: string;
  /** What this object is, for its series number (see seriesNumberFor). */
  readonly kind: string;
  /** Codes of private schemes used anywhere in the object, to declare them. */
  readonly concepts: readonly CodedConcept[];
}

/** The header attributes, in no particular order (dcmjs sorts them); all below the content tree's tags. */
export function objectHeader(input: HeaderInput): DicomDataset {
  const { image, now, software } = input;
  const offset = timezoneOffset(image);
  const date = dicomDate(now, offset);
  const time = dicomTime(now, offset);
  const header: DicomDataset = {
    SOPClassUID: input.SOPClassUID,
    SOPInstanceUID: input.SOPInstanceUID,
    InstanceCreationDate: date,
    InstanceCreationTime: time,
    SeriesDate: date,
    SeriesTime: time,
    ContentDate: date,
    ContentTime: time,
    Modality: input.Modality,
    Manufacturer: software.manufacturer,
    ManufacturerModelName: deviceModelName,
    SoftwareVersions: software.version,
    SeriesDescription: input.SeriesDescription.slice(0, 64), // LO: 64 characters at most
    StudyInstanceUID: requiredUid(image, 'StudyInstanceUID'),
    SeriesInstanceUID: input.SeriesInstanceUID,
    SeriesNumber: seriesNumberFor(requiredUid(image, 'SOPInstanceUID'), input.kind),
    InstanceNumber: 1,
    ReferencedPerformedProcedureStepSequence: [],
    ContributingEquipmentSequence: [contributingAlgorithm(input)],
    ...(offset === undefined ? {} : { TimezoneOffsetFromUTC: offset }),
  };
  for (const key of typeTwo) header[key] = type2(image, key, key === 'PatientName' || key === 'ReferringPhysicianName' ? [] : '');
  for (const key of copiedWhenPresent) Object.assign(header, copyIfPresent(image, key));
  const schemes = privateSchemes(input.concepts);
  if (schemes.length > 0) header['CodingSchemeIdentificationSequence'] = schemes;
  return header;
}

/**
 * IHE AIR §6.5.3.1: the algorithm as contributing equipment, with a Device UID that changes when the
 * model changes (it is derived from the ONNX file's SHA-256). The model's own name goes in Model Name;
 * Software Versions hold the model id and the ONNX hash; the parameters in the description.
 */
function contributingAlgorithm({ card, result, now }: HeaderInput): DicomDataset {
  return {
    PurposeOfReferenceCodeSequence: codeSequence(srConcepts.processingAlgorithm),
    Manufacturer: algorithmManufacturer(card),
    ManufacturerModelName: card.id.slice(0, 64),
    SoftwareVersions: [card.id.slice(0, 64), result.model.onnxSha256],
    DeviceUID: algorithmDeviceUid(card.id, result.model.onnxSha256),
    ContributionDateTime: dicomDateTime(now),
    ContributionDescription: formatAlgorithmParameters(algorithmParameters(card, result)).slice(0, 1024), // ST
  };
}

function algorithmManufacturer(card: ModelCard): string {
  return card.kind === 'demo' ? 'CXR Findings project (DEMO MODEL)' : 'TorchXRayVision (Cohen et al.)';
}

const privateSchemeDeclarations: Readonly<Record<string, DicomDataset>> = Object.freeze({
  [localCodingScheme.CodingSchemeDesignator]: { ...localCodingScheme },
  '99IHE': { CodingSchemeDesignator: '99IHE', CodingSchemeName: 'IHE temporary codes', CodingSchemeResponsibleOrganization: 'IHE' },
});

function privateSchemes(concepts: readonly CodedConcept[]): DicomDataset[] {
  const used = new Set([...concepts.map((c) => c.CodingSchemeDesignator), srConcepts.processingAlgorithm.CodingSchemeDesignator]);
  return Object.entries(privateSchemeDeclarations)
    .filter(([designator]) => used.has(designator))
    .map(([, declaration]) => ({ ...declaration }));
}

function requiredUid(image: DicomDataset, key: string): string {
  const value = image[key];
  if (typeof value !== 'string' || value.length === 0) {
    throw new Error(`objectHeader: the image data set has no ${key}; the objects must reference it (PS3.3 C.17.2.3)`);
  }
  return value;
}

/**
 * A series number for each object of an image, unique within the study with high probability: derived from
 * the image's SOP Instance UID and the object's kind (nine digits, so two images of one series, which share
 * a series number, no longer give their SRs the same one). No PACS query: the same object always gets the
 * same number, like its UIDs.
 */
export function seriesNumberFor(imageSOPInstanceUID: string, kind: string): number {
  const uid = nameBasedUid('series-number', imageSOPInstanceUID, kind);
  return 100_000_000 + Number(BigInt(uid.slice('2.25.'.length)) % 900_000_000n);
}

/**
 * The image's TimezoneOffsetFromUTC when it has a valid one: its copied dates (study, birth) are then in
 * that offset and ours are written in it too, so the one attribute is true for every date (PS3.3 C.12.1.1.8). Without one, the copied dates' offset is unknown, so the SR claims none and
 * writes its own dates in the machine's local time (DICOM's meaning of a date without an offset).
 */
function timezoneOffset(image: DicomDataset): string | undefined {
  const value = image['TimezoneOffsetFromUTC'];
  return typeof value === 'string' && /^[+-](0\d|1[0-4])[0-5]\d$/.test(value) ? value : undefined;
}

function shifted(d: Date, offset: string | undefined): { date: string; time: string } {
  const minutes = offset === undefined ? -d.getTimezoneOffset() : (offset[0] === '-' ? -1 : 1) * (Number(offset.slice(1, 3)) * 60 + Number(offset.slice(3, 5)));
  const iso = new Date(d.getTime() + minutes * 60_000).toISOString();
  return { date: iso.slice(0, 10).replaceAll('-', ''), time: iso.slice(11, 19).replaceAll(':', '') };
}

function dicomDate(d: Date, offset: string | undefined): string {
  return shifted(d, offset).date;
}

function dicomTime(d: Date, offset: string | undefined): string {
  return shifted(d, offset).time;
}

/** DT with its own offset (UTC): a DT value may carry one, and then TimezoneOffsetFromUTC does not apply. */
function dicomDateTime(d: Date): string {
  const { date, time } = shifted(d, '+0000');
  return `${date}${time}+0000`;
}

/** Type 2 attributes are present even when empty (PS3.5 7.4.3). */
function type2(image: DicomDataset, key: string, empty: unknown): unknown {
  const value = image[key];
  return value === undefined || value === null ? empty : value;
}

function copyIfPresent(image: DicomDataset, key: string): DicomDataset {
  const value = image[key];
  if (value === undefined || value === null || value === '' || (Array.isArray(value) && value.length === 0)) return {};
  const format = copiedFormats[key];
  if (format !== undefined && !format.test(String(value))) return {};
  return { [key]: value };
}
