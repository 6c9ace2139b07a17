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
 * Three labels have no code we could verify offline (SNOMED CT concepts for pleural thickening, lung
 * lesion and enlarged cardiomediastinum surely exist, but we found no trustworthy source for their ids
 * here, and we do not guess ids). They use the local coding scheme 99CXRF, which the SR declares in its
 * CodingSchemeIdentificationSequence (PS3.3 C.12.1.1.8: private schemes begin with "99"). Replace them
 * with SNOMED CT codes once verified against a SNOMED CT browser; readers must not assume the scheme.
 */
export const localCodingScheme = Object.freeze({
  CodingSchemeDesignator: '99CXRF',
  CodingSchemeName: 'CXR Findings local codes for TorchXRayVision labels without a verified standard code',
  CodingSchemeResponsibleOrganization: 'CXR Findings project',
} as const);

function sct(CodeValue: string, CodeMeaning: string): CodedConcept {
  return Object.freeze({ CodeValue, CodingSchemeDesignator: 'SCT', CodeMeaning });
}
function local(CodeValue: string, CodeMeaning: string): CodedConcept {
  return Object.freeze({ CodeValue, CodingSchemeDesignator: localCodingScheme.CodingSchemeDesignator, CodeMeaning });
}

/**
 * The document title of an SR made by the demo model: the root concept itself says it, so every reader
 * (OHIF's heading, dsrdump's first line, a PACS's document list) shows it before any number. A local
 * code: no standard concept means "not a real report", and a LOINC code must keep its own meaning.
 */
export const demoReportTitle = local('DEMO-CXR-REPORT', 'DEMO MODEL - not clinically meaningful - chest X-ray findings');

export const findingCodes: Readonly<Record<string, CodedConcept>> = Object.freeze({
  // SNOMED CT 46621007 |Atelectasis (disorder)|: HL7 FHIR MedDRA→SNOMED ConceptMap (10003598 Atelectasis, equivalent).
  Atelectasis: sct('46621007', 'Atelectasis'),
  // SNOMED CT 95436008 |Lung consolidation (disorder)|: OHDSI vocabulary, concept 4318404.
  Consolidation: sct('95436008', 'Lung consolidation'),
  // SNOMED CT 409609008 |Radiologic infiltrate of lung|: UMLS (SNOMEDCT_US source view).
  Infiltration: sct('409609008', 'Radiologic infiltrate of lung'),
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
  // SNOMED CT 414403008 |Hernia (morphologic abnormality)|: used as the morphology of hernias in SNOMED CT
  // expression constraints. The label is literally "Hernia" (in NIH ChestX-ray14 mostly hiatal hernia).
  Hernia: sct('414403008', 'Hernia'),
  'Lung Lesion': local('LUNG-LESION', 'Lung lesion'),
  // SNOMED CT 125605004 |Fracture of bone (disorder)|: SNOMED International's term-server scripts.
  Fracture: sct('125605004', 'Fracture of bone'),
  // (112001, DCM, "Opacity"): DICOM CID 6104; PS3.16 defines it as a radiographic opacity.
  'Lung Opacity': Object.freeze({ CodeValue: '112001', CodingSchemeDesignator: 'DCM', CodeMeaning: 'Opacity' }),
  'Enlarged Cardiomediastinum': local('ENL-CARDIOMED', 'Enlarged cardiomediastinum'),
});

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
