import type { DicomDataset } from '../dicom/types.ts';
import type { CodedConcept } from './codes.ts';

/**
 * SR content items (PS3.3 C.17.3) as naturalized dcmjs data sets. dcmjs's own SR helpers are not used:
 * in 0.51/0.52 they build trees other tools reject. Each item carries a ConceptNameCodeSequence, which
 * OHIF needs to show it.
 */

export type RelationshipType = 'CONTAINS' | 'HAS OBS CONTEXT' | 'HAS CONCEPT MOD' | 'SELECTED FROM' | 'INFERRED FROM' | 'HAS ACQ CONTEXT';

export function codeSequence(concept: CodedConcept): DicomDataset[] {
  return [{ CodeValue: concept.CodeValue, CodingSchemeDesignator: concept.CodingSchemeDesignator, CodeMeaning: concept.CodeMeaning }];
}

/** CONTAINER; SEPARATE because its children are independent statements (C.17.3.2.3). */
export function containerItem(
  relationship: RelationshipType,
  concept: CodedConcept,
  children: readonly DicomDataset[],
): DicomDataset {
  return {
    RelationshipType: relationship,
    ValueType: 'CONTAINER',
    ConceptNameCodeSequence: codeSequence(concept),
    ContinuityOfContent: 'SEPARATE',
    ContentSequence: [...children],
  };
}

export function textItem(relationship: RelationshipType, concept: CodedConcept, text: string): DicomDataset {
  if (text.length === 0) throw new Error(`textItem: empty text for '${concept.CodeMeaning}' (TextValue is type 1)`);
  return { RelationshipType: relationship, ValueType: 'TEXT', ConceptNameCodeSequence: codeSequence(concept), TextValue: text };
}

export function codeItem(relationship: RelationshipType, concept: CodedConcept, value: CodedConcept): DicomDataset {
  return {
    RelationshipType: relationship,
    ValueType: 'CODE',
    ConceptNameCodeSequence: codeSequence(concept),
    ConceptCodeSequence: codeSequence(value),
  };
}

export function uidrefItem(relationship: RelationshipType, concept: CodedConcept, uid: string): DicomDataset {
  return { RelationshipType: relationship, ValueType: 'UIDREF', ConceptNameCodeSequence: codeSequence(concept), UID: uid };
}

/**
 * NUM with one measured value (C.18.1). NumericValue is DS: at most 16 characters (PS3.5 6.2), so the
 * caller passes it already formatted.
 */
export function numItem(relationship: RelationshipType, concept: CodedConcept, numericValue: string, unit: CodedConcept): DicomDataset {
  if (!/^[+-]?\d+(\.\d+)?$/.test(numericValue) || numericValue.length > 16) {
    throw new Error(`numItem: '${numericValue}' for '${concept.CodeMeaning}' is not a decimal string of at most 16 characters`);
  }
  return {
    RelationshipType: relationship,
    ValueType: 'NUM',
    ConceptNameCodeSequence: codeSequence(concept),
    MeasuredValueSequence: [{ NumericValue: numericValue, MeasurementUnitsCodeSequence: codeSequence(unit) }],
  };
}

/** A reference to one composite instance (C.18.3 / C.18.4 Referenced SOP Sequence). */
export interface SopReference {
  readonly ReferencedSOPClassUID: string;
  readonly ReferencedSOPInstanceUID: string;
}

/** IMAGE, optionally without a concept name (TID 1601 and SELECTED FROM rows name none). */
export function imageItem(relationship: RelationshipType, reference: SopReference, concept?: CodedConcept): DicomDataset {
  return {
    RelationshipType: relationship,
    ValueType: 'IMAGE',
    ...(concept === undefined ? {} : { ConceptNameCodeSequence: codeSequence(concept) }),
    ReferencedSOPSequence: [{ ...reference }],
  };
}

/** COMPOSITE: a reference to a non-image object, such as a Real World Value Map (C.18.3). */
export function compositeItem(relationship: RelationshipType, concept: CodedConcept, reference: SopReference): DicomDataset {
  return { RelationshipType: relationship, ValueType: 'COMPOSITE', ConceptNameCodeSequence: codeSequence(concept), ReferencedSOPSequence: [{ ...reference }] };
}

/**
 * SCOORD in image pixel coordinates (C.18.6: column, row pairs from the top left corner of the top left
 * pixel), SELECTED FROM the image it is drawn on.
 */
export function scoordItem(
  relationship: RelationshipType,
  concept: CodedConcept,
  graphicType: 'POINT' | 'POLYLINE' | 'MULTIPOINT',
  points: readonly (readonly [number, number])[],
  image: SopReference,
): DicomDataset {
  return {
    RelationshipType: relationship,
    ValueType: 'SCOORD',
    ConceptNameCodeSequence: codeSequence(concept),
    GraphicType: graphicType,
    GraphicData: points.flatMap(([column, row]) => [column, row]),
    ContentSequence: [imageItem('SELECTED FROM', image)],
  };
}
