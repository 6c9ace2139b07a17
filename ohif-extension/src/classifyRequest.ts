import { sidecarRoute } from './config.ts';
import type { ClassifyTarget } from './eligibility.ts';
import { imageFindingsFromClassifyResponse } from './findings/fromClassifyResponse.ts';
import type { ImageFindings, SeriesRef } from './findings/imageFindings.ts';
import { plainFailure, plainRefusal, unreachable } from './messages.ts';
import { authorizationHeaders } from './sidecarAuthorization.ts';

/** One SR the sidecar wrote (or found already written) for the image. */
export interface SrReference extends SeriesRef {
  readonly alreadyExisted: boolean;
}

export type ClassifyOutcome =
  | { readonly ok: true; readonly reports: readonly SrReference[]; readonly images: readonly ImageFindings[] }
  | { readonly ok: false; readonly message: string };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function asSrReference(value: unknown): SrReference | undefined {
  if (!isRecord(value)) return undefined;
  const { StudyInstanceUID, SeriesInstanceUID, SOPInstanceUID, alreadyExisted } = value;
  if (typeof StudyInstanceUID !== 'string' || typeof SeriesInstanceUID !== 'string' || typeof SOPInstanceUID !== 'string') return undefined;
  return { StudyInstanceUID, SeriesInstanceUID, SOPInstanceUID, alreadyExisted: alreadyExisted === true };
}

/**
 * Reads `POST /api/classify`'s answer: `{ model, results: [{ findings, sr, … }], pending: [...], skipped: [{ reason }] }`.
 * An answer that classified nothing is a refusal; failures (`{ error: { code, message } }`) are said
 * in plain words with what to do.
 */
export function parseClassifyResponse(status: number, body: unknown, modelName?: string): ClassifyOutcome {
  if (status < 200 || status >= 300) {
    const error = isRecord(body) && isRecord(body.error) ? body.error : undefined;
    const code = typeof error?.code === 'string' ? error.code : undefined;
    const message = typeof error?.message === 'string' ? error.message : undefined;
    return { ok: false, message: plainFailure(status, code, message) };
  }
  if (!isRecord(body)) return { ok: false, message: plainFailure(status, undefined, undefined) };
  const results = Array.isArray(body.results) ? body.results : [];
  const reports = results.map((result) => (isRecord(result) ? asSrReference(result.sr) : undefined)).filter((sr) => sr !== undefined);
  if (reports.length === 0) {
    // Classified, but Orthanc has not stored the SRs: there is nothing to show yet, and it is no refusal.
    if (Array.isArray(body.pending) && body.pending.length > 0) return { ok: false, message: plainFailure(status, 'sr-not-stored', undefined) };
    const skipped = Array.isArray(body.skipped) ? body.skipped : [];
    const reason = skipped.map((item) => (isRecord(item) && typeof item.reason === 'string' ? item.reason : undefined)).find(Boolean);
    return { ok: false, message: reason ? plainRefusal(reason) : 'The service found nothing it could classify in this image.' };
  }
  return { ok: true, reports, images: imageFindingsFromClassifyResponse(body, modelName) };
}

/** Asks the sidecar (same origin by default; its session cookie or OHIF's access token goes along) to classify one image. */
export async function requestClassification(target: ClassifyTarget, modelName?: string, fetchImpl: typeof fetch = fetch): Promise<ClassifyOutcome> {
  let response: Response;
  try {
    response = await fetchImpl(sidecarRoute('/api/classify'), {
      method: 'POST',
      credentials: 'include',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json', ...authorizationHeaders() },
      body: JSON.stringify(target),
    });
  } catch {
    return { ok: false, message: unreachable };
  }
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    body = undefined;
  }
  return parseClassifyResponse(response.status, body, modelName);
}
