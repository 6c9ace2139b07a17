import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

/**
 * Every failure the API reports has one shape, `{ error: { code, message } }`: `code` is stable for
 * programs to branch on, `message` says what and where for a human.
 */
export interface ApiErrorBody {
  readonly error: { readonly code: string; readonly message: string };
}

export const apiErrorCodes = {
  invalidRequest: 'invalid-request',
  malformedJson: 'malformed-json',
  unsupportedMediaType: 'unsupported-media-type',
  unauthorized: 'unauthorized',
  forbidden: 'forbidden',
  methodNotAllowed: 'method-not-allowed',
  hostNotAllowed: 'host-not-allowed',
  refusedTarget: 'refused-target',
  notFound: 'not-found',
  payloadTooLarge: 'payload-too-large',
  queueFull: 'queue-full',
  uploadBudgetFull: 'upload-budget-full',
  timeout: 'timeout',
  orthancUnavailable: 'orthanc-unavailable',
  orthancError: 'orthanc-error',
  srNotStored: 'sr-not-stored',
  notReady: 'not-ready',
  internal: 'internal',
} as const;

/** An HTTPException that also carries the error code (HTTPException alone only has a status). */
export class ApiError extends HTTPException {
  readonly code: string;
  readonly headers: Record<string, string>;

  constructor(
    status: ContentfulStatusCode,
    code: string,
    message: string,
    options: { cause?: unknown; headers?: Record<string, string> } = {},
  ) {
    super(status, { message, cause: options.cause });
    this.code = code;
    this.headers = options.headers ?? {};
  }
}

export function errorBody(code: string, message: string): ApiErrorBody {
  return { error: { code, message } };
}

/** Codes for HTTPExceptions thrown by Hono's own middleware (validator, timeout). */
export function codeForStatus(status: number): string {
  switch (status) {
    case 400:
      return apiErrorCodes.invalidRequest;
    case 401:
      return apiErrorCodes.unauthorized;
    case 403:
      return apiErrorCodes.forbidden;
    case 404:
      return apiErrorCodes.notFound;
    case 413:
      return apiErrorCodes.payloadTooLarge;
    case 415:
      return apiErrorCodes.unsupportedMediaType;
    case 429:
      return apiErrorCodes.queueFull;
    case 503:
      return apiErrorCodes.notReady;
    case 504:
      return apiErrorCodes.timeout;
    default:
      return status >= 500 ? apiErrorCodes.internal : apiErrorCodes.invalidRequest;
  }
}
