/**
 * The DICOM objects of one image's findings: the readable report (TID 2000) and the AI result
 * (TID 1500); build them, name them deterministically, recognise them again.
 */
export { buildFindingsSr, defaultSoftware } from './buildFindingsSr.ts';
export type { FindingsSr, FindingsSrInput } from './buildFindingsSr.ts';
export { buildMeasurementReport } from './buildMeasurementReport.ts';
export type { MeasurementReportInput } from './buildMeasurementReport.ts';
export { scoreExplanation } from './findingsContent.ts';
export { operatingPoint } from './identity.ts';
export { findingsSrUids, measurementReportUids, trackingUid } from './uids.ts';
export { pertinentEvidenceUids, readFindingsSrIdentity } from './identity.ts';
export type { FindingsSrIdentity } from './identity.ts';
export { findingCode, findingCodes, findingDisplayName, findingSites } from './findingCodes.ts';
export { srConcepts, srSopClassUids, srTemplates } from './codes.ts';
export type { CodedConcept } from './codes.ts';
export { readStoredFindings } from './readStoredFindings.ts';
export { seriesNumberFor } from './srHeader.ts';
export { buildImageObjects, imageObjectSteps } from './buildImageObjects.ts';
export type { BuiltObject, ImageObjects, ImageObjectsInput } from './buildImageObjects.ts';
export { buildParametricMap } from './buildParametricMap.ts';
export type { ParametricMap, ParametricMapInput } from './buildParametricMap.ts';
export { parametricMapUids } from './uids.ts';
export { parametricMapSopClassUid } from './codes.ts';
export type { HeatmapReference } from './measurementReportContent.ts';
export { boxOutline } from './measurementReportContent.ts';
