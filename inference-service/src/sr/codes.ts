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

export const srConcepts = Object.freeze({
  /**
   * The document title. Not (126000, DCM, "Imaging Measurement Report"): OHIF 3 then hydrates TID 1500
   * measurement groups and crashes on groups without SCOORD; any other root concept is shown as a report.
   */
  diagnosticImagingReport: code('18748-4', 'LN', 'Diagnostic Imaging Report'),
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
  /** Procedure reported, as TID 2000 places it, and its value (SNOMED CT 399208008 |Plain chest X-ray|). */
  procedureReported: code('121058', 'DCM', 'Procedure reported'),
  plainChestXray: code('399208008', 'SCT', 'Plain chest X-ray'),
  /** Report headings, CID 7001 Diagnostic Imaging Report Headings. */
  findings: code('121070', 'DCM', 'Findings'),
  impressions: code('121072', 'DCM', 'Impressions'),
  /** CID 7002 Diagnostic Imaging Report Elements. */
  impression: code('121073', 'DCM', 'Impression'),
  comment: code('121106', 'DCM', 'Comment'),
  /** UCUM (PS3.16 CID 82 Units of Measurement): per cent. */
  percent: code('%', 'UCUM', 'Percent'),
} as const);

