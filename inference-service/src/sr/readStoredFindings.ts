import type { DicomDataset } from '../dicom/types.ts';
import type { FindingProbabilities } from '../pipeline/types.ts';
import { srConcepts } from './codes.ts';
import { findingCode } from './findingCodes.ts';

function items(value: unknown): DicomDataset[] {
  return Array.isArray(value) ? (value as DicomDataset[]) : [];
}

function concept(item: DicomDataset): { CodeValue?: unknown; CodingSchemeDesignator?: unknown } | undefined {
  return items(item.ConceptNameCodeSequence)[0];
}

/**
 * The probabilities a stored findings SR holds, by label, so a request answered with an existing SR
 * still shows its findings. Reads the NUM items of the Findings container (121070, DCM) and maps
 * their concepts back to the labels through the same table that wrote them; values are percent
 * (UCUM "%"). Undefined when any label is missing: a partial answer would mislead.
 */
export function readStoredFindings(sr: DicomDataset, labels: readonly string[]): FindingProbabilities | undefined {
  const findingsConcept = srConcepts.findings;
  const container = items(sr.ContentSequence).find((item) => {
    const c = concept(item);
    return item.ValueType === 'CONTAINER' && c?.CodeValue === findingsConcept.CodeValue && c?.CodingSchemeDesignator === findingsConcept.CodingSchemeDesignator;
  });
  if (!container) return undefined;
  const nums = items(container.ContentSequence).filter((item) => item.ValueType === 'NUM');
  const findings: FindingProbabilities = {};
  for (const label of labels) {
    const code = findingCode(label);
    const num = nums.find((item) => {
      const c = concept(item);
      return c?.CodeValue === code.CodeValue && c?.CodingSchemeDesignator === code.CodingSchemeDesignator;
    });
    const value = Number(items(num?.MeasuredValueSequence)[0]?.NumericValue);
    if (!Number.isFinite(value)) return undefined;
    findings[label] = value / 100;
  }
  return findings;
}
