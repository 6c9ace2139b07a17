import type { Context, MiddlewareHandler } from 'hono';
import { z } from 'zod';
import type { $ZodError } from 'zod/v4/core';
import { ApiError, apiErrorCodes } from './errors.ts';

/** A DICOM UID: dot-separated numbers without leading zeros, at most 64 characters (PS3.5 §9.1). */
export const dicomUidSchema = z
  .string()
  .max(64, 'must be at most 64 characters (PS3.5 §9.1)')
  .regex(/^(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))+$/, 'must be a DICOM UID: digits and dots, no leading zeros (PS3.5 §9.1)');

/**
 * `POST /api/classify`. Strict: an unknown field (a URL, say) is refused rather than ignored, since the
 * sidecar only ever reads its own configured Orthanc.
 */
export const classifyRequestSchema = z.strictObject({
  studyInstanceUID: dicomUidSchema,
  seriesInstanceUID: dicomUidSchema.optional(),
  sopInstanceUID: dicomUidSchema.optional(),
});

/** `POST /api/internal/orthanc-event`, as orthanc/lua/notify-sidecar.lua sends it. */
export const orthancEventSchema = z.object({
  orthancInstanceId: z.string().regex(/^[0-9a-f]{8}(-[0-9a-f]{8}){4}$/, "must be an Orthanc instance ID like '0b9a…-…'"),
});

/** A zod failure as one sentence naming the field, e.g. "Field 'studyInstanceUID' must be a DICOM UID…". */
export function describeZodError(error: $ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => (issue.path.length > 0 ? `Field '${issue.path.join('.')}' ${lowerFirst(issue.message)}` : `Request body: ${issue.message}`))
    .join('; ');
}

function lowerFirst(text: string): string {
  return /^(must|is|expected)/i.test(text) ? text.charAt(0).toLowerCase() + text.slice(1) : `is invalid: ${text}`;
}

/** The validation hook of every route (OpenAPIHono defaultHook): a 400 in the API's one error format. */
export function validationFailed(result: { success: boolean; error?: $ZodError }, _c: Context): void {
  if (!result.success && result.error) {
    throw new ApiError(400, apiErrorCodes.invalidRequest, describeZodError(result.error));
  }
}

/** Refuses a body of the wrong media type with 415 before anything reads it. */
export function requireMediaType(accepted: readonly string[]): MiddlewareHandler {
  return async (c, next) => {
    const mediaType = (c.req.header('Content-Type') ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
    if (!accepted.includes(mediaType)) {
      throw new ApiError(
        415,
        apiErrorCodes.unsupportedMediaType,
        `${c.req.method} ${c.req.path} needs Content-Type ${accepted.join(' or ')}, got '${mediaType || '(none)'}'`,
      );
    }
    return next();
  };
}
