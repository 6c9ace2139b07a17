import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { isDicomReadError } from '../dicom/errors.ts';
import type { Logger } from '../log.ts';
import { OrthancHttpError, OrthancUnavailableError } from '../orthanc/errors.ts';
import { ClassifyError } from '../pipeline/classifyError.ts';
import { NothingEligibleError, SrsNotStoredError, TargetNotFoundError } from '../service/errors.ts';
import type { SidecarMetrics } from '../service/metrics.ts';
import { QueueFullError } from '../service/workQueue.ts';
import { ApiError, apiErrorCodes, codeForStatus, errorBody } from './errors.ts';

interface Mapped {
  readonly status: ContentfulStatusCode;
  readonly code: string;
  readonly message: string;
  readonly headers?: Record<string, string>;
}

/** A DICOM that is not DICOM at all is a bad request; one we read but cannot use is unprocessable. */
function mapDicomProblem(error: Error, code: string): Mapped {
  return { status: code === 'not-dicom' ? 400 : 422, code, message: error.message };
}

/** Translates whatever a handler threw into a status, a stable code and a message for the caller. */
export function mapError(error: unknown, orthancUrl: string): Mapped | undefined {
  if (error instanceof ApiError) return { status: error.status as ContentfulStatusCode, code: error.code, message: error.message, headers: error.headers };
  if (error instanceof HTTPException) {
    // Hono's JSON validator throws this exact message for a body that does not parse.
    const code = /^Malformed JSON/i.test(error.message) ? apiErrorCodes.malformedJson : codeForStatus(error.status);
    const message = error.status === 504 ? `The request took longer than the configured timeout` : error.message;
    return { status: error.status as ContentfulStatusCode, code, message };
  }
  if (error instanceof OrthancUnavailableError) {
    return { status: 503, code: apiErrorCodes.orthancUnavailable, message: `Orthanc at ${orthancUrl} is unreachable (${error.message})` };
  }
  if (error instanceof OrthancHttpError) {
    return { status: 502, code: apiErrorCodes.orthancError, message: error.message };
  }
  if (error instanceof QueueFullError) {
    return { status: 429, code: apiErrorCodes.queueFull, message: error.message, headers: { 'Retry-After': String(error.retryAfterSeconds) } };
  }
  if (error instanceof SrsNotStoredError) {
    return { status: 503, code: apiErrorCodes.srNotStored, message: error.message, headers: { 'Retry-After': String(error.retryAfterSeconds) } };
  }
  if (error instanceof TargetNotFoundError) return { status: 404, code: apiErrorCodes.notFound, message: error.message };
  if (error instanceof NothingEligibleError) return { status: 422, code: 'ineligible', message: error.message };
  if (error instanceof ClassifyError) {
    const cause = error.cause;
    if (isDicomReadError(cause)) return mapDicomProblem(error, cause.code);
    if (error.code === 'model-failure') return undefined;
    return { status: error.code === 'unreadable-dicom' ? 400 : 422, code: error.code, message: error.message };
  }
  if (isDicomReadError(error)) return mapDicomProblem(error, error.code);
  return undefined;
}

/**
 * The app's one error path (Hono `app.onError`): every failure leaves as `{ error: { code, message } }`
 * with its status, is counted by kind, and is logged; unexpected ones at error level with the cause.
 */
export function errorHandler(options: { orthancUrl: string; metrics: SidecarMetrics; logger: Logger }) {
  return (error: Error, c: Context): Response => {
    const requestId = c.get('requestId') as string | undefined;
    const mapped = mapError(error, options.orthancUrl) ?? {
      status: 500 as const,
      code: apiErrorCodes.internal,
      message: `Internal error while handling ${c.req.method} ${c.req.path}${requestId ? ` (request id ${requestId})` : ''}`,
    };
    options.metrics.errors.inc({ kind: mapped.code });
    const fields = { requestId, method: c.req.method, path: c.req.path, status: mapped.status, code: mapped.code };
    if (mapped.status >= 500) options.logger.error(mapped.message, { ...fields, error });
    else options.logger.info(mapped.message, fields);
    for (const [name, value] of Object.entries(mapped.headers ?? {})) c.header(name, value);
    return c.json(errorBody(mapped.code, mapped.message), mapped.status);
  };
}
