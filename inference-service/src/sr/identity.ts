import type { DicomDataset } from '../dicom/types.ts';
import { operatingPoint } from '../finding/rules.ts';
import type { ModelCard } from '../model/modelCard.ts';
import type { ImageFindings } from '../pipeline/types.ts';
import { parametricMapSopClassUid, srConcepts, srSopClassUids } from './codes.ts';
import type { CodedConcept } from './codes.ts';
import { nameBasedUid } from './uids.ts';

export { operatingPoint };

/**
 * Recognising our own objects, so that exactly one exists per (image, model): the evidence says which
 * image, the algorithm's Contributing Equipment item (IHE AIR §6.5.3.1) says which model: its Software
 * Versions are the model id and the ONNX SHA-256, and its Device UID is derived from them. Its
 * ContributionDescription holds the parameters as "key: value" lines, keys from this table, for people;
 * the TID 1500 result carries the same lines as TID 4019 Algorithm Parameters.
 */
export const algorithmParameterKeys = Object.freeze({
  modelId: 'model id',
  modelKind: 'model kind',
  onnxSha256: 'ONNX SHA-256',
  weightsSha256: 'weights SHA-256',
  input: 'input',
  output: 'output',
  /** A demo or custom model's card warning: readers of the result alone must still see it. */
  warning: 'warning',
} as const);

export type AlgorithmParameter = readonly [keyof typeof algorithmParameterKeys, string];

/** What identifies the model exactly, and how to read its numbers. */
export function algorithmParameters(card: ModelCard, result: ImageFindings): AlgorithmParameter[] {
  const parameters: AlgorithmParameter[] = [
    ['modelId', card.id],
    ['modelKind', card.kind],
    ['onnxSha256', result.model.onnxSha256],
  ];
  if (card.weights !== undefined) parameters.push(['weightsSha256', card.weights.sha256]);
  parameters.push(
    ['input', `${card.input.resolution}x${card.input.resolution}, ${card.input.channels} channel, intensity range [${card.input.range.join(', ')}]`],
    ['output', `per-finding score in percent after TorchXRayVision op_norm; ${operatingPoint * 100} % is each finding's operating point`],
  );
  const warning = card.warning ?? result.model.warning;
  if (warning !== undefined && warning.length > 0) parameters.push(['warning', warning]);
  return parameters;
}

export function formatAlgorithmParameter([key, value]: AlgorithmParameter): string {
  return `${algorithmParameterKeys[key]}: ${value}`;
}

/** One parameter per line (ST allows CR LF, PS3.5 6.2). */
export function formatAlgorithmParameters(parameters: readonly AlgorithmParameter[]): string {
  return parameters.map(formatAlgorithmParameter).join('\r\n');
}

/** The Device UID of the algorithm (IHE AIR: it changes when the model changes). */
export function algorithmDeviceUid(modelId: string, onnxSha256: string): string {
  return nameBasedUid('algorithm-device', modelId, onnxSha256);
}

export interface FindingsSrIdentity {
  readonly referencedSOPInstanceUID: string;
  readonly modelId: string;
  readonly onnxSha256: string;
}

const srClasses: ReadonlySet<string> = new Set([srSopClassUids.comprehensiveSR, srSopClassUids.enhancedSR]);

/**
 * The (image, model) an object of ours was made for, or undefined when the data set is not one of ours:
 * not a Comprehensive/Enhanced SR with exactly one referenced instance in
 * CurrentRequestedProcedureEvidenceSequence, nor a Parametric Map with exactly one in its
 * ReferencedSeriesSequence (Common Instance Reference), or not exactly one Processing Algorithm
 * contributing equipment whose versions and Device UID are ours.
 */
export function readFindingsSrIdentity(dataset: DicomDataset): FindingsSrIdentity | undefined {
  const sopClass = dataset['SOPClassUID'];
  let referenced: unknown[];
  if (typeof sopClass === 'string' && srClasses.has(sopClass)) {
    referenced = items(dataset['CurrentRequestedProcedureEvidenceSequence'])
      .flatMap((study) => items(study['ReferencedSeriesSequence']))
      .flatMap((series) => items(series['ReferencedSOPSequence']))
      .map((sop) => sop['ReferencedSOPInstanceUID']);
  } else if (sopClass === parametricMapSopClassUid) {
    referenced = items(dataset['ReferencedSeriesSequence'])
      .flatMap((series) => items(series['ReferencedInstanceSequence']))
      .map((sop) => sop['ReferencedSOPInstanceUID']);
  } else {
    return undefined;
  }
  const [referencedSOPInstanceUID] = referenced;
  if (referenced.length !== 1 || typeof referencedSOPInstanceUID !== 'string' || referencedSOPInstanceUID.length === 0) {
    return undefined;
  }
  const algorithms = items(dataset['ContributingEquipmentSequence']).filter((item) => hasCode(item['PurposeOfReferenceCodeSequence'], srConcepts.processingAlgorithm));
  if (algorithms.length !== 1) return undefined;
  // Software Versions are [model id, ONNX SHA-256] and the Device UID is derived from both: short values
  // that every reader keeps (Orthanc's simplified tags drop ContributionDescription, over 256 characters).
  const [algorithm] = algorithms;
  const versions = values(algorithm?.['SoftwareVersions']);
  const [modelId, onnxSha256] = versions;
  if (versions.length !== 2 || modelId === undefined || modelId.length === 0 || onnxSha256 === undefined || !/^[0-9a-f]{64}$/.test(onnxSha256)) {
    return undefined;
  }
  if (algorithm?.['DeviceUID'] !== algorithmDeviceUid(modelId, onnxSha256)) return undefined;
  return { referencedSOPInstanceUID, modelId, onnxSha256 };
}

/**
 * The instances a result lists as Pertinent Other Evidence (PS3.3 C.17.2.3): the heatmaps it references.
 * What else of an image's objects must exist before its result counts as done.
 */
export function pertinentEvidenceUids(dataset: DicomDataset): string[] {
  return items(dataset['PertinentOtherEvidenceSequence'])
    .flatMap((study) => items(study['ReferencedSeriesSequence']))
    .flatMap((series) => items(series['ReferencedSOPSequence']))
    .map((sop) => sop['ReferencedSOPInstanceUID'])
    .filter((uid): uid is string => typeof uid === 'string');
}

/** A multi-valued string as dcmjs gives it (an array) or as Orthanc's simplified tags do ("a\\b"). */
function values(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(String);
  return typeof value === 'string' ? value.split('\\') : [];
}

/** A naturalized sequence is an array of data sets; tolerate a lone item and absence. */
function items(value: unknown): DicomDataset[] {
  if (Array.isArray(value)) return value.filter((v): v is DicomDataset => typeof v === 'object' && v !== null);
  if (typeof value === 'object' && value !== null) return [value as DicomDataset];
  return [];
}

function hasCode(sequence: unknown, concept: CodedConcept): boolean {
  const [code] = items(sequence);
  return code !== undefined && code['CodeValue'] === concept.CodeValue && code['CodingSchemeDesignator'] === concept.CodingSchemeDesignator;
}
