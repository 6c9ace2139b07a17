import { findingConcepts, findingName } from './findingNames.ts';
import { type Finding, type FindingRegion, findingRegion, type HeatmapSource, type ImageFindings, isModelKind, type ModelIdentity, type SeriesRef } from './imageFindings.ts';

/**
 * Reads the findings back from the TID 1500 result the sidecar stores (a Comprehensive SR; see the
 * README, "The DICOM objects"), as OHIF holds it: the instance's metadata naturalised by dcmjs (sequences are arrays of
 * items keyed by DICOM keywords). Returns undefined for any SR that is not ours; never guesses a value.
 */

type Item = Record<string, unknown>;

/** The root concept of our AI result: TID 1500 Imaging Measurement Report (the sidecar's README, "The DICOM objects"). */
const rootConcepts = [{ CodeValue: '126000', CodingSchemeDesignator: 'DCM' }] as const;
const concepts = {
  imagingMeasurements: { CodeValue: '126010', CodingSchemeDesignator: 'DCM' },
  qualitativeEvaluations: { CodeValue: 'C0034375', CodingSchemeDesignator: 'UMLS' },
  algorithmName: { CodeValue: '111001', CodingSchemeDesignator: 'DCM' },
  algorithmVersion: { CodeValue: '111003', CodingSchemeDesignator: 'DCM' },
  algorithmParameters: { CodeValue: '111002', CodingSchemeDesignator: 'DCM' },
  measurementGroup: { CodeValue: '125007', CodingSchemeDesignator: 'DCM' },
  finding: { CodeValue: '121071', CodingSchemeDesignator: 'DCM' },
  illustrationOfRoi: { CodeValue: '121200', CodingSchemeDesignator: 'DCM' },
  trackingIdentifier: { CodeValue: '112039', CodingSchemeDesignator: 'DCM' },
} as const;

/** PS3.4 B.5 Parametric Map Storage: the heatmaps object the result points at. */
const parametricMapSopClassUid = '1.2.840.10008.5.1.4.1.1.30';
/** "Certainty of Finding: 63.15 %", the score of one finding in Qualitative Evaluations. */
const scorePattern = /^Certainty of Finding: (\d+(?:\.\d+)?) %$/;
const labelOfConcept = new Map(Object.entries(findingConcepts).map(([label, concept]) => [concept, label]));
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

/** The name a reader sees: the label's, when the concept is one of ours; else the SR's own meaning. */
function findingNameOf(item: Item): string | undefined {
  const code = items(item.ConceptNameCodeSequence)[0];
  const label = code ? labelOfConcept.get(`${String(code.CodingSchemeDesignator)}:${String(code.CodeValue)}`) : undefined;
  return label === undefined ? text(code?.CodeMeaning) : findingName(label);
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

/** A naturalised IS/number value: dcmjs gives a number, or an array of them. */
function integer(value: unknown): number | undefined {
  const first = Array.isArray(value) ? value[0] : value;
  const n = typeof first === 'string' ? Number(first) : first;
  return typeof n === 'number' && Number.isInteger(n) && n > 0 ? n : undefined;
}

/**
 * The heatmaps the result points at: the Parametric Map in its Pertinent Other Evidence, and per
 * measurement group the frame its Illustration of ROI names, by the group's Finding. Undefined when the
 * result references none (no positive finding) or the references disagree.
 */
export function heatmapOfResult(sr: Item, measurements: readonly Item[]): HeatmapSource | undefined {
  let ref: SeriesRef | undefined;
  for (const study of items(sr.PertinentOtherEvidenceSequence)) {
    for (const series of items(study.ReferencedSeriesSequence)) {
      for (const sop of items(series.ReferencedSOPSequence)) {
        if (text(sop.ReferencedSOPClassUID) !== parametricMapSopClassUid) continue;
        const StudyInstanceUID = text(study.StudyInstanceUID);
        const SeriesInstanceUID = text(series.SeriesInstanceUID);
        const SOPInstanceUID = text(sop.ReferencedSOPInstanceUID);
        if (StudyInstanceUID && SeriesInstanceUID && SOPInstanceUID) ref ??= { StudyInstanceUID, SeriesInstanceUID, SOPInstanceUID };
      }
    }
  }
  if (!ref) return undefined;
  const frames = new Map<string, number>();
  for (const group of measurements.filter((item) => item.ValueType === 'CONTAINER' && hasConcept(item, concepts.measurementGroup))) {
    const children = items(group.ContentSequence);
    const illustration = children.find((item) => item.ValueType === 'IMAGE' && hasConcept(item, concepts.illustrationOfRoi));
    const target = items(illustration?.ReferencedSOPSequence)[0];
    const frame = integer(target?.ReferencedFrameNumber);
    const name = groupFindingName(children);
    if (!name || frame === undefined || text(target?.ReferencedSOPInstanceUID) !== ref.SOPInstanceUID) continue;
    frames.set(name, frame);
  }
  return frames.size > 0 ? { kind: 'parametric-map', ref, frames } : undefined;
}

/** The finding a measurement group is about: its Finding code's name, else the Tracking Identifier a viewer lists. */
function groupFindingName(children: readonly Item[]): string | undefined {
  const finding = children.find((item) => item.ValueType === 'CODE' && hasConcept(item, concepts.finding));
  const code = items(finding?.ConceptCodeSequence)[0];
  const label = code ? labelOfConcept.get(`${String(code.CodingSchemeDesignator)}:${String(code.CodeValue)}`) : undefined;
  if (label !== undefined) return findingName(label);
  if (code) return text(code.CodeMeaning);
  return text(children.find((item) => item.ValueType === 'TEXT' && hasConcept(item, concepts.trackingIdentifier))?.TextValue);
}

/** A SCOORD's outline, when it is well formed and drawn on `image` (its SELECTED FROM names it, if any). */
function regionOf(scoord: Item, image: SeriesRef): FindingRegion | undefined {
  const data = Array.isArray(scoord.GraphicData) ? scoord.GraphicData.map(Number) : [];
  const selectedFrom = items(scoord.ContentSequence).find((item) => item.ValueType === 'IMAGE');
  const target = text(items(selectedFrom?.ReferencedSOPSequence)[0]?.ReferencedSOPInstanceUID);
  if (data.length % 2 !== 0 || (selectedFrom && target !== image.SOPInstanceUID)) return undefined;
  return findingRegion(text(scoord.GraphicType), Array.from({ length: data.length / 2 }, (_, i) => [data[2 * i] as number, data[2 * i + 1] as number] as const));
}

/**
 * Each measurement group's region by its finding: the SCOORD in the group, or one level down (TID 1410
 * puts it in the group, TID 300's NUM INFERRED FROM it). A group with none, or with a malformed one, has none.
 */
export function regionsOfResult(measurements: readonly Item[], image: SeriesRef): ReadonlyMap<string, FindingRegion> {
  const regions = new Map<string, FindingRegion>();
  for (const group of measurements.filter((item) => item.ValueType === 'CONTAINER' && hasConcept(item, concepts.measurementGroup))) {
    const children = items(group.ContentSequence);
    const name = groupFindingName(children);
    const scoord = [...children, ...children.flatMap((child) => items(child.ContentSequence))].find((item) => item.ValueType === 'SCOORD');
    const region = scoord ? regionOf(scoord, image) : undefined;
    if (name && region && !regions.has(name)) regions.set(name, region);
  }
  return regions;
}

export function imageFindingsFromComprehensiveSr(sr: unknown): ImageFindings | undefined {
  const image = imageOfFindingsSr(sr);
  if (!image || !isItem(sr)) return undefined;
  const content = items(sr.ContentSequence);
  // TID 4019 sits in the Imaging Measurements container; the findings are the image-level results.
  const measurements = items(content.find((item) => item.ValueType === 'CONTAINER' && hasConcept(item, concepts.imagingMeasurements))?.ContentSequence);
  const evaluations = content.find((item) => item.ValueType === 'CONTAINER' && hasConcept(item, concepts.qualitativeEvaluations));
  const name = text(measurements.find((item) => hasConcept(item, concepts.algorithmName))?.TextValue);
  const version = text(measurements.find((item) => hasConcept(item, concepts.algorithmVersion))?.TextValue);
  const parameters = measurements.filter((item) => hasConcept(item, concepts.algorithmParameters)).map((item) => text(item.TextValue) ?? '');
  const kind = parameters.map((parameter) => /^model kind: (\w+)$/.exec(parameter)?.[1]).find(isModelKind);
  const operatingPointText = parameters.map((parameter) => /(\d+(?:\.\d+)?) % is each finding's operating point/.exec(parameter)?.[1]).find(Boolean);
  const operatingPoint = operatingPointText ? Number(operatingPointText) : defaultOperatingPoint;
  if (!name || !version || !kind || !evaluations) return undefined;
  const findings: Finding[] = [];
  for (const item of items(evaluations.ContentSequence)) {
    if (item.ValueType !== 'TEXT') continue;
    const findingName = findingNameOf(item);
    const score = scorePattern.exec(text(item.TextValue) ?? '')?.[1];
    if (findingName === undefined || score === undefined) continue;
    findings.push({ name: findingName, score: Number(score), operatingPoint });
  }
  if (findings.length === 0) return undefined;
  const warning = parameters.map((parameter) => /^warning: (.+)$/s.exec(parameter)?.[1]).find(Boolean);
  const model: ModelIdentity = { name, version, kind, ...(kind !== 'upstream' && warning ? { warning } : {}) };
  const StudyInstanceUID = text(sr.StudyInstanceUID);
  const SeriesInstanceUID = text(sr.SeriesInstanceUID);
  const SOPInstanceUID = text(sr.SOPInstanceUID);
  const report = StudyInstanceUID && SeriesInstanceUID && SOPInstanceUID ? { StudyInstanceUID, SeriesInstanceUID, SOPInstanceUID } : undefined;
  const heatmap = heatmapOfResult(sr, measurements);
  const regions = regionsOfResult(measurements, image);
  return { image, model, findings, ...(report ? { report } : {}), ...(heatmap ? { heatmap } : {}), ...(regions.size > 0 ? { regions } : {}), source: 'comprehensive-sr' };
}
