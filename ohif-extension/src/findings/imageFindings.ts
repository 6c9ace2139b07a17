/**
 * What the findings panel shows for one image, whatever it was read from: the classify API's answer
 * now, the stored Comprehensive SR for images classified earlier, and later a TID 1500 SR with a
 * Parametric Map heatmap. Each reader turns its source into this shape; the panel knows no source.
 */

export type ModelKind = 'demo' | 'upstream' | 'custom';

export interface ModelIdentity {
  readonly name: string;
  /** The SR's Algorithm Version: `<model id>@<first 12 hex digits of the ONNX SHA-256>`. */
  readonly version: string;
  readonly kind: ModelKind;
  /** Shown wherever the findings are shown (always present for demo and custom models). */
  readonly warning?: string;
}

export interface Finding {
  /** The finding as a reader says it (the SR's CodeMeaning, e.g. "Pleural effusion"). */
  readonly name: string;
  /** On the SR's scale: percent after op_norm. */
  readonly score: number;
  /** The score at which the finding is reported (50 for every TorchXRayVision finding after op_norm). */
  readonly operatingPoint: number;
}

export interface SeriesRef {
  readonly StudyInstanceUID: string;
  readonly SeriesInstanceUID: string;
  readonly SOPInstanceUID: string;
}

/** Where the model looked: the Parametric Map the TID 1500 result references, and its frame per finding. */
export interface HeatmapSource {
  readonly kind: 'parametric-map';
  readonly ref: SeriesRef;
  /** 1-based frame number by finding name (as `Finding.name`); positives only. */
  readonly frames: ReadonlyMap<string, number>;
}

/**
 * Where the model looked, as the TID 1500 result draws it for a positive finding: its SCOORD on the image
 * (PS3.3 C.18.6.1.1: image pixel coordinates, (0, 0) the outer top-left corner of the top-left pixel).
 */
export interface FindingRegion {
  readonly graphicType: 'POINT' | 'MULTIPOINT' | 'POLYLINE' | 'POLYGON' | 'CIRCLE' | 'ELLIPSE';
  readonly points: ReadonlyArray<readonly [number, number]>;
}

/** Points a SCOORD of each graphic type needs (PS3.3 C.18.6.1.2): exactly, or at least when negative. */
const pointsOfGraphicType: Readonly<Record<FindingRegion['graphicType'], number>> = { POINT: 1, MULTIPOINT: -1, POLYLINE: -2, POLYGON: -3, CIRCLE: 2, ELLIPSE: 4 };

/** A region from either source, when its graphic type is known and its points finite and as many as it needs; else undefined. */
export function findingRegion(graphicType: unknown, points: ReadonlyArray<readonly [number, number]>): FindingRegion | undefined {
  const needed = typeof graphicType === 'string' && Object.hasOwn(pointsOfGraphicType, graphicType) ? pointsOfGraphicType[graphicType as FindingRegion['graphicType']] : undefined;
  if (needed === undefined || !points.every((point) => point.length === 2 && point.every(Number.isFinite))) return undefined;
  if (needed > 0 ? points.length !== needed : points.length < -needed) return undefined;
  return { graphicType: graphicType as FindingRegion['graphicType'], points };
}

export interface ImageFindings {
  /** The classified image. */
  readonly image: SeriesRef;
  readonly model: ModelIdentity;
  /** In the model's order; the panel sorts. */
  readonly findings: readonly Finding[];
  /** The stored report, to open in full. */
  readonly report?: SeriesRef;
  readonly heatmap?: HeatmapSource;
  /** By finding name (as `Finding.name`); positives only, from the stored result. */
  readonly regions?: ReadonlyMap<string, FindingRegion>;
  readonly source: 'classify-response' | 'comprehensive-sr';
}

/** True at or above the operating point: what the SR's Impression reports. */
export function isPositive(finding: Finding): boolean {
  return finding.score >= finding.operatingPoint;
}

/** Positives first, each group by how far above (or below) its operating point the score is. */
export function orderForReading(findings: readonly Finding[]): Finding[] {
  return [...findings].sort((a, b) => {
    const byGroup = Number(isPositive(b)) - Number(isPositive(a));
    return byGroup !== 0 ? byGroup : b.score - b.operatingPoint - (a.score - a.operatingPoint);
  });
}

export function isModelKind(value: unknown): value is ModelKind {
  return value === 'demo' || value === 'upstream' || value === 'custom';
}
