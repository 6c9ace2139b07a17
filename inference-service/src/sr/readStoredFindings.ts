import type { DicomDataset } from '../dicom/types.ts';
import type { FindingProbabilities } from '../pipeline/types.ts';
import { srConcepts } from './codes.ts';
import type { CodedConcept } from './codes.ts';
import { findingCode } from './findingCodes.ts';
import { operatingPoint } from './identity.ts';

function items(value: unknown): DicomDataset[] {
  return Array.isArray(value) ? (value as DicomDataset[]) : [];
}

function is(item: DicomDataset, concept: CodedConcept, sequence = 'ConceptNameCodeSequence'): boolean {
  const c = items(item[sequence])[0];
  return c?.['CodeValue'] === concept.CodeValue && c?.['CodingSchemeDesignator'] === concept.CodingSchemeDesignator;
}

const scorePattern = new RegExp(`^${srConcepts.certaintyOfFinding.CodeMeaning}: (\\d+(?:\\.\\d+)?) %$`);

/**
 * The probabilities a stored TID 1500 result holds, by label, so a request answered with an existing
 * result still shows its findings. Reads the Qualitative Evaluations of every finding: its score (TEXT)
 * and its result at the operating point (Present / Absent), and the NUM of its measurement group when it
 * has one; the three must agree (same value, present exactly when at or above the operating point).
 * Concepts map back to labels through the table that wrote them; values are percent. Undefined when any
 * label is missing or anything disagrees: a partial or inconsistent answer would mislead.
 */
export function readStoredFindings(sr: DicomDataset, labels: readonly string[]): FindingProbabilities | undefined {
  if (!is(sr, srConcepts.imagingMeasurementReport)) return undefined;
  const root = items(sr['ContentSequence']);
  const evaluations = items(root.find((item) => item['ValueType'] === 'CONTAINER' && is(item, srConcepts.qualitativeEvaluations))?.['ContentSequence']);
  const groups = items(root.find((item) => item['ValueType'] === 'CONTAINER' && is(item, srConcepts.imagingMeasurements))?.['ContentSequence']).filter(
    (item) => item['ValueType'] === 'CONTAINER' && is(item, srConcepts.measurementGroup),
  );
  const findings: FindingProbabilities = {};
  for (const label of labels) {
    const code = findingCode(label);
    const text = evaluations.find((item) => item['ValueType'] === 'TEXT' && is(item, code))?.['TextValue'];
    const result = evaluations.find((item) => item['ValueType'] === 'CODE' && is(item, code));
    const match = typeof text === 'string' ? scorePattern.exec(text) : null;
    if (match === null || result === undefined) return undefined;
    const percent = Number(match[1]);
    const present = is(result, srConcepts.present, 'ConceptCodeSequence');
    if (present !== percent / 100 >= operatingPoint || (!present && !is(result, srConcepts.absent, 'ConceptCodeSequence'))) return undefined;
    const group = groups.find((g) => items(g['ContentSequence']).some((item) => item['ValueType'] === 'CODE' && is(item, srConcepts.finding) && is(item, code, 'ConceptCodeSequence')));
    if (group !== undefined) {
      const num = items(group['ContentSequence']).find((item) => item['ValueType'] === 'NUM' && is(item, srConcepts.certaintyOfFinding));
      if (Number(items(num?.['MeasuredValueSequence'])[0]?.['NumericValue']) !== percent) return undefined;
    }
    findings[label] = percent / 100;
  }
  return findings;
}
