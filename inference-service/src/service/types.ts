import type { ModelKind } from '../model/modelCard.ts';
import type { FindingProbabilities } from '../pipeline/types.ts';

/** What `POST /api/classify` asks for: a study, optionally narrowed to a series or one instance. */
export interface ClassifyTarget {
  readonly studyInstanceUID: string;
  readonly seriesInstanceUID?: string;
  readonly sopInstanceUID?: string;
}

export interface ModelSummary {
  readonly id: string;
  readonly kind: ModelKind;
  readonly onnxSha256: string;
  readonly warning?: string;
}

export interface SrReference {
  readonly StudyInstanceUID: string;
  readonly SeriesInstanceUID: string;
  readonly SOPInstanceUID: string;
  /** True when the SR for this image and model was already in Orthanc: nothing was computed or stored. */
  readonly alreadyExisted: boolean;
}

export interface ClassifiedImage {
  readonly StudyInstanceUID: string;
  readonly SeriesInstanceUID: string;
  readonly SOPInstanceUID: string;
  /** When the SR already existed, read back from it (absent only if it could not be read). */
  readonly findings?: FindingProbabilities;
  /** The TID 1500 result (the AI result receivers and the viewer read). */
  readonly sr: SrReference;
  /** The readable TID 2000 report stored beside it. */
  readonly report: { readonly StudyInstanceUID: string; readonly SeriesInstanceUID: string; readonly SOPInstanceUID: string };
  /** The positive findings' heatmaps (a Parametric Map), when a finding is positive: which frame holds which. */
  readonly heatmaps?: HeatmapsReference;
  /** The positive findings' regions, by label, as the result's SCOORDs draw them on the image. */
  readonly regions?: Readonly<Record<string, ImageRegion>>;
  readonly timingsMs: Readonly<Record<string, number>>;
}

export interface HeatmapsReference {
  readonly StudyInstanceUID: string;
  readonly SeriesInstanceUID: string;
  readonly SOPInstanceUID: string;
  /** 1-based frame number by label: the positive findings in the model's order. */
  readonly frames: Readonly<Record<string, number>>;
}

/** A SCOORD of the result (PS3.3 C.18.6.1): image pixel coordinates, (0, 0) the top-left pixel's outer corner. */
export interface ImageRegion {
  readonly graphicType: 'POLYLINE';
  readonly points: ReadonlyArray<readonly [number, number]>;
}

/**
 * An image that was classified but whose SR Orthanc did not store: no SR exists yet. The SR waits in the
 * outbox and is retried (`GET /api/sr-outbox` lists it); asking again later finds it once stored.
 */
export interface PendingImage {
  readonly StudyInstanceUID: string;
  readonly SeriesInstanceUID: string;
  readonly SOPInstanceUID: string;
  readonly findings?: FindingProbabilities;
  readonly srNotStored: {
    readonly state: 'pending' | 'failed';
    readonly reason: string;
    readonly message: string;
    readonly attempts: number;
    readonly nextAttemptAt?: string;
  };
}

export interface SkippedInstance {
  readonly SeriesInstanceUID?: string;
  readonly SOPInstanceUID?: string;
  readonly reason: string;
}

export interface ClassifyReport {
  readonly model: ModelSummary;
  readonly results: readonly ClassifiedImage[];
  /** Classified, but Orthanc has not stored their SRs yet (absent from `results`: those SRs do not exist). */
  readonly pending: readonly PendingImage[];
  readonly skipped: readonly SkippedInstance[];
  readonly timingsMs: { readonly total: number };
}

export interface EncodedObject {
  readonly SeriesInstanceUID: string;
  readonly SOPInstanceUID: string;
  readonly part10Base64: string;
}

/** `POST /api/classify/file`: the SR comes back as base64 Part-10 bytes (no PACS is involved). */
export interface ClassifiedFile {
  readonly model: ModelSummary;
  readonly StudyInstanceUID: string;
  readonly SeriesInstanceUID: string;
  readonly SOPInstanceUID: string;
  readonly findings: FindingProbabilities;
  /** The TID 1500 result. */
  readonly sr: EncodedObject;
  /** The readable TID 2000 report. */
  readonly report: EncodedObject;
  readonly timingsMs: Readonly<Record<string, number>>;
}

/** Where a classification request came from (a metrics label and a log field). */
export type ClassifySource = 'api' | 'file' | 'hook' | 'changes';
