import type { CodedConcept } from './codes.ts';

/**
 * The concept of each TorchXRayVision label, for the NUM items of the Findings container.
 *
 * Every standard code here was checked against a terminology source before use; the source is named
 * beside it. "DICOM CID n" means the code is used, with that meaning, in PS3.16 context group n (read
 * from the DICOM code tables Debian's python3-pydicom ships, pydicom/sr/_concepts_dict.py, and
 * fhir.org's rendering of CID 6104). SNOMED CT fully specified names are quoted where a browser or
 * a SNOMED International source showed them.
 *
 * One label has no code we could verify offline: Pleural_Thickening. No PS3.16 context group lists a
 * pleural thickening concept (searched in pydicom's PS3.16 tables), and we found no SNOMED CT browser copy
 * of one here; we do not guess ids. It uses the local coding scheme 99CXRF, which the SR declares in its
 * CodingSchemeIdentificationSequence (PS3.3 C.12.1.1.8: private schemes begin with "99"). Replace it with
 * the SNOMED CT code once verified against a SNOMED CT browser; readers must not assume the scheme.
 *
 * Two labels are a general concept narrowed by a Finding Site (findingSites below), as PS3.16 codes
 * them: "Lung Lesion" is Lesion at Lung, "Enlarged Cardiomediastinum" is Enlarged at Mediastinum. The
 * TID 1500 result carries the site as a Finding Site concept modifier; the readable report names both.
 */
export const localCodingScheme = Object.freeze({
  CodingSchemeDesignator: '99CXRF',
  CodingSchemeName: 'CXR Findings local codes for TorchXRayVision labels without a verified standard code',
  CodingSchemeResponsibleOrganization: 'CXR Findings project',
} as const);

function sct(CodeValue: string, CodeMeaning: string): CodedConcept {
  return Object.freeze({ CodeValue, CodingSchemeDesignator: 'SCT', CodeMeaning });
}
export function local(CodeValue: string, CodeMeaning: string): CodedConcept {
  return Object.freeze({ CodeValue, CodingSchemeDesignator: localCodingScheme.CodingSchemeDesignator, CodeMeaning });
}

export const findingCodes: Readonly<Record<string, CodedConcept>> = Object.freeze({
  // SNOMED CT 46621007 |Atelectasis (disorder)|: HL7 FHIR MedDRA→SNOMED ConceptMap (10003598 Atelectasis, equivalent).
  Atelectasis: sct('46621007', 'Atelectasis'),
  // SNOMED CT 95436008 |Lung consolidation (disorder)|: OHDSI vocabulary, concept 4318404.
  Consolidation: sct('95436008', 'Lung consolidation'),
  // (112121, DCM, "Infiltrate"): DICOM CID 6102 / 6104 (Abnormal Opacity Finding or Feature), the chest
  // radiography findings PS3.16 defines. Replaces SNOMED CT 409609008, which we could only see in UMLS.
  Infiltration: Object.freeze({ CodeValue: '112121', CodingSchemeDesignator: 'DCM', CodeMeaning: 'Infiltrate' }),
  // SNOMED CT 36118008: DICOM CID 6102 / 6105 (Abnormal Lucency Finding or Feature).
  Pneumothorax: sct('36118008', 'Pneumothorax'),
  // SNOMED CT 19242006: DICOM CID 3700; FHIR MedDRA→SNOMED ConceptMap (Pulmonary oedema, equivalent).
  Edema: sct('19242006', 'Pulmonary edema'),
  // SNOMED CT 87433001 |Pulmonary emphysema (disorder)|: HL7 FHIR IG example, several clinical code lists.
  Emphysema: sct('87433001', 'Pulmonary emphysema'),
  // SNOMED CT 51615001 |Fibrosis of lung (disorder)|: FHIR MedDRA→SNOMED ConceptMap (Pulmonary fibrosis, equivalent).
  Fibrosis: sct('51615001', 'Fibrosis of lung'),
  // SNOMED CT 60046008: DICOM CID 645.
  Effusion: sct('60046008', 'Pleural effusion'),
  // SNOMED CT 233604007 |Pneumonia (disorder)|: UMLS C0032285 lists it.
  Pneumonia: sct('233604007', 'Pneumonia'),
  Pleural_Thickening: local('PL-THICKENING', 'Pleural thickening'),
  // SNOMED CT 8186001 |Cardiomegaly (disorder)|: several clinical code lists agree.
  Cardiomegaly: sct('8186001', 'Cardiomegaly'),
  // SNOMED CT 786838002 |Nodule of lung (disorder)|, synonym "Pulmonary nodule": SNOMED CT browser (2023-07).
  Nodule: sct('786838002', 'Pulmonary nodule'),
  // SNOMED CT 4147007 |Mass (morphologic abnormality)|: DICOM CID 6102 / 6104 (Abnormal Opacity Finding or Feature).
  Mass: sct('4147007', 'Mass'),
  // SNOMED CT 84089009 |Hiatal hernia (disorder)|: a disorder, not the morphology 414403008 used before.
  // ChestX-ray14's "Hernia" label is hiatal hernia (the only hernia a frontal chest film shows above the
  // diaphragm). The id and term agree in several public code lists (ICD-10 K44.9 ↔ SNOMED CT maps).
  Hernia: sct('84089009', 'Hiatal hernia'),
  // SNOMED CT 52988006 |Lesion|: DICOM CIDs 3487 / 4266; with Finding Site Lung (findingSites).
  'Lung Lesion': sct('52988006', 'Lesion'),
  // SNOMED CT 125605004 |Fracture of bone (disorder)|: SNOMED International's term-server scripts.
  Fracture: sct('125605004', 'Fracture of bone'),
  // (112033, DCM, "Abnormal opacity"): DICOM CID 6101 Chest Finding or Feature. The label means an
  // abnormal opacity of the lung, which the plain "Opacity" (112001) does not say.
  'Lung Opacity': Object.freeze({ CodeValue: '112033', CodingSchemeDesignator: 'DCM', CodeMeaning: 'Abnormal opacity' }),
  // SNOMED CT 260376009 |Enlarged|: DICOM CIDs 6107 / 6118 (size descriptors); with Finding Site Mediastinum.
  'Enlarged Cardiomediastinum': sct('260376009', 'Enlarged'),
});

/**
 * The anatomic site that narrows a label's concept (TID 1419 / TID 300 Finding Site). SNOMED CT 39607008
 * |Lung structure| and 72410000 |Mediastinal structure|: DICOM CID 6129 Chest Site Involvement lists both (pydicom's PS3.16 tables), with these meanings.
 */
export const findingSites: Readonly<Record<string, CodedConcept>> = Object.freeze({
  'Lung Lesion': sct('39607008', 'Lung'),
  'Enlarged Cardiomediastinum': sct('72410000', 'Mediastinum'),
});

/** How a label reads to a person: the concept's meaning, with its site where it has one. */
export function findingDisplayName(label: string): string {
  const concept = findingCode(label);
  const site = findingSites[label];
  return site === undefined ? concept.CodeMeaning : `${concept.CodeMeaning} (${site.CodeMeaning.toLowerCase()})`;
}

/** The concept for a label; an unknown label is an error (a card with labels this table lacks). */
export function findingCode(label: string): CodedConcept {
  const concept = findingCodes[label];
  if (concept === undefined) {
    throw new Error(`findingCode: no code for the label '${label}' (known: ${Object.keys(findingCodes).join(', ')})`);
  }
  return concept;
}

/** True when any of the concepts uses the local scheme (the SR must then declare it). */
export function usesLocalScheme(concepts: readonly CodedConcept[]): boolean {
  return concepts.some((c) => c.CodingSchemeDesignator === localCodingScheme.CodingSchemeDesignator);
}
