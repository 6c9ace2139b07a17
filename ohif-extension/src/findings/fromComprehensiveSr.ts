import { type Finding, type ImageFindings, isModelKind, type ModelIdentity, type SeriesRef } from './imageFindings.ts';

/**
 * Reads the findings back from the Comprehensive SR the sidecar stores (see README "The Structured
 * Report"), as OHIF holds it: the instance's metadata naturalised by dcmjs (sequences are arrays of
 * items keyed by DICOM keywords). Returns undefined for any SR that is not ours; never guesses a value.
 */

type Item = Record<string, unknown>;

/** Root concepts of our SRs (PS3.16 / the local 99CXRF scheme the SR declares). */
const rootConcepts = [
  { CodeValue: '18748-4', CodingSchemeDesignator: 'LN' },
  { CodeValue: 'DEMO-CXR-REPORT', CodingSchemeDesignator: '99CXRF' },
] as const;
const concepts = {
  findings: { CodeValue: '121070', CodingSchemeDesignator: 'DCM' },
  algorithmName: { CodeValue: '111001', CodingSchemeDesignator: 'DCM' },
  algorithmVersion: { CodeValue: '111003', CodingSchemeDesignator: 'DCM' },
  algorithmParameters: { CodeValue: '111002', CodingSchemeDesignator: 'DCM' },
  comment: { CodeValue: '121106', CodingSchemeDesignator: 'DCM' },
} as const;
const defaultOperatingPoint = 50;

function isItem(value: unknown): value is Item {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** dcmjs gives sequences as arrays; some OHIF paths unwrap a one-item sequence to the item itself. */
function items(value: unknown): Item[] {
  if (Array.isArray(value)) return value.filter(isItem);
  return isItem(value) ? [value] : [];
}

function text(value: unknown): string | undefined {
  const first = Array.isArray(value) ? value[0] : value;
  return typeof first === 'string' && first.length > 0 ? first : undefined;
}

function hasConcept(item: Item, concept: { readonly CodeValue: string; readonly CodingSchemeDesignator: string }): boolean {
  const code = items(item.ConceptNameCodeSequence)[0];
  return code !== undefined && code.CodeValue === concept.CodeValue && code.CodingSchemeDesignator === concept.CodingSchemeDesignator;
}

function conceptMeaning(item: Item): string | undefined {
  return text(items(item.ConceptNameCodeSequence)[0]?.CodeMeaning);
}

function numericValue(item: Item): number | undefined {
  const measured = items(item.MeasuredValueSequence)[0];
  const raw = Array.isArray(measured?.NumericValue) ? measured.NumericValue[0] : measured?.NumericValue;
  const value = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
  return Number.isFinite(value) ? value : undefined;
}

/** The one image the SR is about, from its evidence (PS3.3 C.17.2.3). */
function evidenceImage(sr: Item): SeriesRef | undefined {
  for (const study of items(sr.CurrentRequestedProcedureEvidenceSequence)) {
    for (const series of items(study.ReferencedSeriesSequence)) {
      for (const sop of items(series.ReferencedSOPSequence)) {
        const StudyInstanceUID = text(study.StudyInstanceUID) ?? text(sr.StudyInstanceUID);
        const SeriesInstanceUID = text(series.SeriesInstanceUID);
        const SOPInstanceUID = text(sop.ReferencedSOPInstanceUID);
        if (StudyInstanceUID && SeriesInstanceUID && SOPInstanceUID) return { StudyInstanceUID, SeriesInstanceUID, SOPInstanceUID };
      }
    }
  }
  return undefined;
}

/** The UIDs of the image an SR instance is about, or undefined: cheap enough to ask of every SR in a study. */
export function imageOfFindingsSr(sr: unknown): SeriesRef | undefined {
  if (!isItem(sr) || !rootConcepts.some((concept) => hasConcept(sr, concept))) return undefined;
  return evidenceImage(sr);
}

export function imageFindingsFromComprehensiveSr(sr: unknown): ImageFindings | undefined {
  const image = imageOfFindingsSr(sr);
  if (!image || !isItem(sr)) return undefined;
  const content = items(sr.ContentSequence);
  const name = text(content.find((item) => hasConcept(item, concepts.algorithmName))?.TextValue);
  const version = text(content.find((item) => hasConcept(item, concepts.algorithmVersion))?.TextValue);
  const parameters = content.filter((item) => hasConcept(item, concepts.algorithmParameters)).map((item) => text(item.TextValue) ?? '');
  const kind = parameters.map((parameter) => /^model kind: (\w+)$/.exec(parameter)?.[1]).find(isModelKind);
  const operatingPointText = parameters.map((parameter) => /(\d+(?:\.\d+)?) % is each finding's operating point/.exec(parameter)?.[1]).find(Boolean);
  const operatingPoint = operatingPointText ? Number(operatingPointText) : defaultOperatingPoint;
  const findingsContainer = content.find((item) => item.ValueType === 'CONTAINER' && hasConcept(item, concepts.findings));
  if (!name || !version || !kind || !findingsContainer) return undefined;
  const findings: Finding[] = [];
  for (const item of items(findingsContainer.ContentSequence)) {
    if (item.ValueType !== 'NUM') continue;
    const meaning = conceptMeaning(item);
    const score = numericValue(item);
    if (meaning === undefined || score === undefined) continue;
    findings.push({ name: meaning, score, operatingPoint });
  }
  if (findings.length === 0) return undefined;
  // The first comment of a demo or custom model's SR is its warning (the sidecar writes it so).
  const comment = text(content.find((item) => hasConcept(item, concepts.comment))?.TextValue);
  const model: ModelIdentity = { name, version, kind, ...(kind !== 'upstream' && comment ? { warning: comment } : {}) };
  const StudyInstanceUID = text(sr.StudyInstanceUID);
  const SeriesInstanceUID = text(sr.SeriesInstanceUID);
  const SOPInstanceUID = text(sr.SOPInstanceUID);
  const report = StudyInstanceUID && SeriesInstanceUID && SOPInstanceUID ? { StudyInstanceUID, SeriesInstanceUID, SOPInstanceUID } : undefined;
  return { image, model, findings, ...(report ? { report } : {}), source: 'comprehensive-sr' };
}
