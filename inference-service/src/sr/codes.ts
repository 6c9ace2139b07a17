/**
 * The coded concepts and UIDs of the findings SR, as data. Meanings are those of PS3.16 (DCM codes:
 * PS3.16 Annex D; LN and SCT codes as PS3.16 uses them). Finding codes live in findingCodes.ts.
 */

/** A code as DICOM carries it in a Code Sequence item (PS3.3 Table 8.8-1). */
export interface CodedConcept {
  readonly CodeValue: string;
  readonly CodingSchemeDesignator: string;
  readonly CodeMeaning: string;
}

function code(CodeValue: string, CodingSchemeDesignator: string, CodeMeaning: string): CodedConcept {
  return Object.freeze({ CodeValue, CodingSchemeDesignator, CodeMeaning });
}

export const srSopClassUids = Object.freeze({
  /** PS3.4 B.5: Comprehensive SR Storage. */
  comprehensiveSR: '1.2.840.10008.5.1.4.1.1.88.33',
  enhancedSR: '1.2.840.10008.5.1.4.1.1.88.22',
} as const);

/** PS3.5 A.2: Explicit VR Little Endian, the transfer syntax of every file we write. */
export const explicitVrLittleEndian = '1.2.840.10008.1.2.1';

/** ContentTemplateSequence values (PS3.3 C.18.8.1.2): the root template, from the DCMR mapping resource. */
export const srTemplates = Object.freeze({
  basicDiagnosticImagingReport: '2000',
  imagingMeasurementReport: '1500',
} as const);

export const srConcepts = Object.freeze({
  /** The readable report's title, CID 7000 Diagnostic Imaging Report Document Titles (TID 2000 row 1). */
  diagnosticImagingReport: code('18748-4', 'LN', 'Diagnostic Imaging Report'),
  /** The AI result's title, CID 7021 Measurement Report Document Titles (TID 1500 row 1). */
  imagingMeasurementReport: code('126000', 'DCM', 'Imaging Measurement Report'),
  /** TID 1204 Language of Content Item and Descendants. */
  languageOfContent: code('121049', 'DCM', 'Language of Content Item and Descendants'),
  english: code('en', 'RFC5646', 'English'),
  /** TID 1002 Observer Context / TID 1004 Device Observer Identifying Attributes. */
  observerType: code('121005', 'DCM', 'Observer Type'),
  device: code('121007', 'DCM', 'Device'),
  deviceObserverUID: code('121012', 'DCM', 'Device Observer UID'),
  deviceObserverName: code('121013', 'DCM', 'Device Observer Name'),
  deviceObserverManufacturer: code('121014', 'DCM', 'Device Observer Manufacturer'),
  deviceObserverModelName: code('121015', 'DCM', 'Device Observer Model Name'),
  /** TID 4019 Algorithm Identification. */
  algorithmName: code('111001', 'DCM', 'Algorithm Name'),
  algorithmVersion: code('111003', 'DCM', 'Algorithm Version'),
  algorithmParameters: code('111002', 'DCM', 'Algorithm Parameters'),
  /**
   * Procedure reported (TID 2000 row 2, TID 1500 row 4). TID 1500 takes its value from CID 100 Quantitative
   * Diagnostic Imaging Procedures, which has no chest radiograph code: (363679005, SCT, "Imaging procedure")
   * is in it (pydicom's PS3.16 tables list it for CIDs 100 and 634). TID 2000 sets no value set, so the
   * readable report says which imaging procedure, SNOMED CT 399208008 |Plain chest X-ray|.
   */
  procedureReported: code('121058', 'DCM', 'Procedure reported'),
  plainChestXray: code('399208008', 'SCT', 'Plain chest X-ray'),
  imagingProcedure: code('363679005', 'SCT', 'Imaging procedure'),
  /** Report headings, CID 7001 Diagnostic Imaging Report Headings. */
  findings: code('121070', 'DCM', 'Findings'),
  impressions: code('121072', 'DCM', 'Impressions'),
  currentProcedureDescriptions: code('121064', 'DCM', 'Current Procedure Descriptions'),
  /** CID 7002 Diagnostic Imaging Report Elements, the concepts of TID 2002's TEXT and CODE rows. */
  impression: code('121073', 'DCM', 'Impression'),
  finding: code('121071', 'DCM', 'Finding'),
  procedureDescription: code('121065', 'DCM', 'Procedure Description'),
  /** TID 1600 Image Library. */
  imageLibrary: code('111028', 'DCM', 'Image Library'),
  imageLibraryGroup: code('126200', 'DCM', 'Image Library Group'),
  /** TID 1500 row 6, TID 1501 Measurement Group, TID 4108 tracking. */
  imagingMeasurements: code('126010', 'DCM', 'Imaging Measurements'),
  measurementGroup: code('125007', 'DCM', 'Measurement Group'),
  trackingIdentifier: code('112039', 'DCM', 'Tracking Identifier'),
  trackingUniqueIdentifier: code('112040', 'DCM', 'Tracking Unique Identifier'),
  /** TID 1501 row 10c (and TID 320 under its NUM): the region, a SCOORD SELECTED FROM the source image. */
  imageRegion: code('111030', 'DCM', 'Image Region'),
  /** TID 1501 row 6 Finding Site (a HAS CONCEPT MOD of the group). */
  findingSite: code('363698007', 'SCT', 'Finding Site'),
  /**
   * The score's concept: (111012, DCM, "Certainty of Finding"), from CID 6048 CAD Operating Point Axis
   * Label (PS3.16; pydicom's tables list it there), the axis a CAD's operating point is set on, which is
   * what op_norm's 50 % is. Its unit is % (UCUM).
   */
  certaintyOfFinding: code('111012', 'DCM', 'Certainty of Finding'),
  /** TID 1501 row 10b (IMAGE): the heatmap frame (a Parametric Map image) that shows the region's evidence. */
  illustrationOfRoi: code('121200', 'DCM', 'Illustration of ROI'),
  /** TID 1500 row 12: image-level qualitative results, which OHIF 3.13 does not hydrate (and so does not crash on). */
  qualitativeEvaluations: code('C0034375', 'UMLS', 'Qualitative Evaluations'),
  /** CID 241 Present-Absent Only (PS3.16; pydicom's tables). The result at the operating point. */
  present: code('52101004', 'SCT', 'Present'),
  absent: code('272519000', 'SCT', 'Absent'),
  /** IHE AIR Rev 1.1 §6.5.3.1: Purpose of Reference of an algorithm in the Contributing Equipment Sequence. */
  processingAlgorithm: code('Newcode1', '99IHE', 'Processing Algorithm'),
  /** UCUM (PS3.16 CID 82 Units of Measurement): per cent. */
  percent: code('%', 'UCUM', 'Percent'),
} as const);


/** PS3.4 B.5: Parametric Map Storage, the heatmaps object (buildParametricMap.ts). */
export const parametricMapSopClassUid = '1.2.840.10008.5.1.4.1.1.30';

/**
 * The Parametric Map's codes. What a CAM is has no code in the CIDs we could check here (CID 7180's
 * quantities and CID 7203's derivations in pydicom's PS3.16 tables; both are extensible), so those two are
 * local 99CXRF codes; the others are from the CIDs their attributes name.
 */
export const parametricMapConcepts = Object.freeze({
  /** Derivation Code Sequence (CID 7203 Image Derivation, extensible): how the frames came from the image. */
  derivation: code('CAM', '99CXRF', 'Class activation mapping'),
  /** Purpose of Reference of the source image, CID 7202 Source Image Purposes of Reference. */
  sourceImage: code('121322', 'DCM', 'Source image for image processing operation'),
  /** Quantity Definition (TID 1419's concept name of the quantity, (246205007, SCT, "Quantity")). */
  quantity: code('246205007', 'SCT', 'Quantity'),
  classActivation: code('CAMSCALED', '99CXRF', 'Class activation, scaled 0 to 1'),
  /** UCUM "1", CID 7181: the values are unitless. */
  noUnits: code('1', 'UCUM', 'no units'),
  /** Frame Anatomy, CID 4031 Common Anatomic Regions: (51185008, SCT, "Chest"). */
  chest: code('51185008', 'SCT', 'Chest'),
} as const);
