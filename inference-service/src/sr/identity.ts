import type { DicomDataset } from '../dicom/types.ts';
import { srConcepts, srSopClassUids } from './codes.ts';
import type { CodedConcept } from './codes.ts';

/**
 * Recognising our own SRs, so that exactly one exists per (image, model): the evidence says which image,
 * the TID 4019 Algorithm Parameters say which model. The parameters are TEXT items "key: value", keys
 * from this table; the builder writes them with formatAlgorithmParameter and this module reads them.
 */
export const algorithmParameterKeys = Object.freeze({
  modelId: 'model id',
  modelKind: 'model kind',
  onnxSha256: 'ONNX SHA-256',
  weightsSha256: 'weights SHA-256',
  input: 'input',
  output: 'output',
} as const);

export function formatAlgorithmParameter(key: keyof typeof algorithmParameterKeys, value: string): string {
  return `${algorithmParameterKeys[key]}: ${value}`;
}

export interface FindingsSrIdentity {
  readonly referencedSOPInstanceUID: string;
  readonly modelId: string;
  readonly onnxSha256: string;
}

const srClasses: ReadonlySet<string> = new Set([srSopClassUids.comprehensiveSR, srSopClassUids.enhancedSR]);

/**
 * The (image, model) a findings SR was made for, or undefined when the data set is not one of ours:
 * not a Comprehensive/Enhanced SR, not exactly one referenced instance in
 * CurrentRequestedProcedureEvidenceSequence, or no TID 4019 Algorithm Name with our model id and ONNX
 * SHA-256 parameters at the root of the content tree.
 */
export function readFindingsSrIdentity(dataset: DicomDataset): FindingsSrIdentity | undefined {
  if (typeof dataset['SOPClassUID'] !== 'string' || !srClasses.has(dataset['SOPClassUID'])) return undefined;
  const referenced = items(dataset['CurrentRequestedProcedureEvidenceSequence'])
    .flatMap((study) => items(study['ReferencedSeriesSequence']))
    .flatMap((series) => items(series['ReferencedSOPSequence']))
    .map((sop) => sop['ReferencedSOPInstanceUID']);
  const [referencedSOPInstanceUID] = referenced;
  if (referenced.length !== 1 || typeof referencedSOPInstanceUID !== 'string' || referencedSOPInstanceUID.length === 0) {
    return undefined;
  }
  const root = items(dataset['ContentSequence']);
  if (!root.some((item) => item['ValueType'] === 'TEXT' && hasConcept(item, srConcepts.algorithmName))) return undefined;
  const parameters = new Map<string, string>();
  for (const item of root) {
    if (item['ValueType'] !== 'TEXT' || !hasConcept(item, srConcepts.algorithmParameters)) continue;
    const text = item['TextValue'];
    if (typeof text !== 'string') continue;
    const colon = text.indexOf(': ');
    if (colon > 0) parameters.set(text.slice(0, colon), text.slice(colon + 2).trim());
  }
  const modelId = parameters.get(algorithmParameterKeys.modelId);
  const onnxSha256 = parameters.get(algorithmParameterKeys.onnxSha256);
  if (modelId === undefined || modelId.length === 0 || onnxSha256 === undefined || !/^[0-9a-f]{64}$/.test(onnxSha256)) {
    return undefined;
  }
  return { referencedSOPInstanceUID, modelId, onnxSha256 };
}

/** A naturalized sequence is an array of data sets; tolerate a lone item and absence. */
function items(value: unknown): DicomDataset[] {
  if (Array.isArray(value)) return value.filter((v): v is DicomDataset => typeof v === 'object' && v !== null);
  if (typeof value === 'object' && value !== null) return [value as DicomDataset];
  return [];
}

function hasConcept(item: DicomDataset, concept: CodedConcept): boolean {
  const [name] = items(item['ConceptNameCodeSequence']);
  return name !== undefined && name['CodeValue'] === concept.CodeValue && name['CodingSchemeDesignator'] === concept.CodingSchemeDesignator;
}
