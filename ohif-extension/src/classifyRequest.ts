import { operatingPoint, sidecar } from './constants.ts';
import type { ClassifyTarget } from './eligibility.ts';

/** One SR the sidecar wrote (or found already written) for the image. */
export interface SrReference {
  readonly StudyInstanceUID: string;
  readonly SeriesInstanceUID: string;
  readonly SOPInstanceUID: string;
  readonly alreadyExisted: boolean;
}

export type ClassifyOutcome =
  | {
      readonly ok: true;
      readonly reports: readonly SrReference[];
      /** Labels at or above the operating point, highest first; absent when the SR already existed. */
      readonly positiveFindings?: readonly string[];
      readonly findingCount?: number;
    }
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

/** The sidecar's error format is `{ error: { code, message } }`; its message is shown as it is. */
function errorMessage(body: unknown, status: number, statusText: string): string {
  if (isRecord(body) && isRecord(body.error) && typeof body.error.message === 'string') return body.error.message;
  return `The CXR Findings service answered ${status}${statusText ? ` ${statusText}` : ''}`;
}

/**
 * Reads `POST /api/classify`'s answer: `{ results: [{ findings?, sr }], skipped: [{ reason }] }`.
 * An answer that classified nothing is a refusal, and the sidecar's reason is the message.
 */
export function parseClassifyResponse(status: number, statusText: string, body: unknown): ClassifyOutcome {
  if (status < 200 || status >= 300) return { ok: false, message: errorMessage(body, status, statusText) };
  if (!isRecord(body)) return { ok: false, message: 'The CXR Findings service answered without a JSON body' };
  const results = Array.isArray(body.results) ? body.results : [];
  const reports = results.map((result) => (isRecord(result) ? asSrReference(result.sr) : undefined)).filter((sr) => sr !== undefined);
  if (reports.length === 0) {
    const skipped = Array.isArray(body.skipped) ? body.skipped : [];
    const reason = skipped.map((item) => (isRecord(item) && typeof item.reason === 'string' ? item.reason : undefined)).find(Boolean);
    return { ok: false, message: reason ? `Not classified: ${reason}` : 'The CXR Findings service classified nothing for this image' };
  }
  const first = results[0];
  const findings = isRecord(first) && isRecord(first.findings) ? first.findings : undefined;
  const positiveFindings = findings
    ? Object.entries(findings)
        .filter(([, p]) => typeof p === 'number' && p >= operatingPoint)
        .sort(([, a], [, b]) => (b as number) - (a as number))
        .map(([label]) => label)
    : undefined;
  return positiveFindings && findings ? { ok: true, reports, positiveFindings, findingCount: Object.keys(findings).length } : { ok: true, reports };
}

/** Asks the sidecar (same origin; its session cookie goes along) to classify one image. */
export async function requestClassification(target: ClassifyTarget, fetchImpl: typeof fetch = fetch): Promise<ClassifyOutcome> {
  let response: Response;
  try {
    response = await fetchImpl(sidecar.classifyPath, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify(target),
    });
  } catch (error) {
    return { ok: false, message: `The CXR Findings service could not be reached (${error instanceof Error ? error.message : String(error)})` };
  }
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    body = undefined;
  }
  return parseClassifyResponse(response.status, response.statusText, body);
}
