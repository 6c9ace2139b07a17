/**
 * The findings Structured Report: build it, name it deterministically, recognise it again.
 */
export { buildFindingsSr, defaultSoftware } from './buildFindingsSr.ts';
export type { FindingsSr, FindingsSrInput } from './buildFindingsSr.ts';
export { operatingPoint, scoreExplanation } from './findingsContent.ts';
export { findingsSrUids } from './uids.ts';
export { readFindingsSrIdentity } from './identity.ts';
export type { FindingsSrIdentity } from './identity.ts';
export { findingCode, findingCodes } from './findingCodes.ts';
export { srConcepts, srSopClassUids } from './codes.ts';
export type { CodedConcept } from './codes.ts';
export { readStoredFindings } from './readStoredFindings.ts';
