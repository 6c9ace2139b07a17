import type { ModelKind } from '../model/modelCard.ts';

/** The 18 labels to probabilities after op_norm (0.5 = the finding's operating point). */
export type FindingProbabilities = Record<string, number>;

export interface ImageFindings {
  readonly StudyInstanceUID: string;
  readonly SeriesInstanceUID: string;
  readonly SOPInstanceUID: string;
  readonly findings: FindingProbabilities;
  readonly model: {
    readonly id: string;
    readonly kind: ModelKind;
    /** SHA-256 of the ONNX file that ran; it identifies the model in SRs. */
    readonly onnxSha256: string;
    readonly warning?: string;
  };
  readonly timingsMs: { readonly decode: number; readonly preprocess: number; readonly inference: number };
}

/** Why an image is not classified, said to the user verbatim. */
export interface Ineligible {
  readonly eligible: false;
  readonly reason: string;
}
export type Eligibility = { readonly eligible: true } | Ineligible;
