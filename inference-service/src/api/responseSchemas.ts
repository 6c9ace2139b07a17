import { z } from '@hono/zod-openapi';

/**
 * What the API answers, as zod schemas: the routes declare them (createRoute), so the compiler holds each
 * handler's answer to its schema, and the OpenAPI document is generated from them.
 */

export const errorSchema = z
  .object({
    error: z.object({
      code: z.string().openapi({ description: 'Stable, for programs: invalid-request, malformed-json, not-dicom, ineligible, not-found, queue-full, orthanc-unavailable, …' }),
      message: z.string().openapi({ description: 'What went wrong and where, for a human.' }),
    }),
  })
  .openapi('Error');

const uid = z.string();

const modelSummary = z.object({
  id: z.string(),
  kind: z.enum(['demo', 'upstream', 'custom']),
  onnxSha256: z.string().regex(/^[0-9a-f]{64}$/),
  warning: z.string().optional().openapi({ description: 'Shown wherever results are shown (always set for demo models).' }),
});

const findingsDescription = 'The 18 TorchXRayVision labels to probabilities after op_norm: 0.5 is each finding’s operating point.';
const findings = z.record(z.string(), z.number().min(0).max(1)).openapi({ description: findingsDescription });
const timings = z.record(z.string(), z.number()).openapi({ description: 'Milliseconds per stage.' });

const objectUids = { StudyInstanceUID: uid, SeriesInstanceUID: uid, SOPInstanceUID: uid };

export const classifyReportSchema = z.object({
  model: modelSummary,
  results: z.array(
    z.object({
      ...objectUids,
      findings: findings.optional().openapi({ description: `${findingsDescription} When the SR already existed, read back from it (percent to 2 decimals).` }),
      sr: z
        .object({
          ...objectUids,
          alreadyExisted: z.boolean().openapi({ description: 'The SR for this image and model was already stored; nothing was computed.' }),
        })
        .openapi({ description: 'The AI result: a TID 1500 Imaging Measurement Report (what the viewer opens).' }),
      report: z.object(objectUids).openapi({ description: 'The readable report stored beside it: a TID 2000 Basic Diagnostic Imaging Report.' }),
      heatmaps: z
        .object({
          ...objectUids,
          frames: z.record(z.string(), z.number().int().positive()).openapi({ description: 'Frame number (1-based) of each positive finding’s heatmap, by label.' }),
        })
        .optional()
        .openapi({ description: 'The positive findings’ class activation maps: a Parametric Map the result references; absent when no finding is positive.' }),
      regions: z
        .record(
          z.string(),
          z.object({
            graphicType: z.literal('POLYLINE'),
            points: z.array(z.tuple([z.number(), z.number()]).readonly()).readonly().openapi({ description: 'Image pixel coordinates (column, row); (0, 0) is the outer top-left corner of the top-left pixel (PS3.3 C.18.6.1.1). A closed box.' }),
          }),
        )
        .optional()
        .openapi({ description: 'Where the model looked for each positive finding, by label: the region the result draws as SCOORD. Only when this request made the result.' }),
      timingsMs: timings,
    }),
  )
    .readonly(),
  pending: z
    .array(
      z.object({
        ...objectUids,
        findings: findings.optional(),
        srNotStored: z.object({
          state: z.enum(['pending', 'failed']),
          reason: z.string().openapi({ description: 'filtered-out, already-stored-other-content, http-4xx, http-5xx, timeout, unavailable, unexpected-status' }),
          message: z.string(),
          attempts: z.number().int(),
          nextAttemptAt: z.string().datetime().optional(),
        }),
      }),
    )
    .readonly()
    .openapi({ description: 'Classified, but Orthanc did not store the SR (refused, FilteredOut, error, timeout): no SR exists yet. It is retried; see /api/sr-outbox.' }),
  skipped: z.array(z.object({ SeriesInstanceUID: uid.optional(), SOPInstanceUID: uid.optional(), reason: z.string() })).readonly(),
  timingsMs: z.object({ total: z.number() }).openapi({ description: 'Milliseconds per stage.' }),
});

function encodedObject(description: string) {
  return z.object({
    SeriesInstanceUID: uid,
    SOPInstanceUID: uid,
    part10Base64: z.string().openapi({ description, contentEncoding: 'base64', contentMediaType: 'application/dicom' } as { description: string }),
  });
}

export const classifiedFileSchema = z.object({
  model: modelSummary,
  ...objectUids,
  findings,
  sr: encodedObject('The AI result, a TID 1500 Imaging Measurement Report, as a DICOM Part-10 file.'),
  report: encodedObject('The readable TID 2000 report, as a DICOM Part-10 file.'),
  timingsMs: timings,
});

/** Health: the status word for anyone; the checks only for a caller with a credential. */
export const healthSchema = z
  .object({
    status: z.enum(['ok', 'unavailable']),
    orthanc: z.object({ url: z.string(), reachable: z.boolean(), version: z.string().optional(), problem: z.string().optional() }).optional(),
    model: z.object({ loaded: z.boolean(), problem: z.string().optional() }).passthrough().optional(),
    queue: z.object({ running: z.number().int(), waiting: z.number().int(), concurrency: z.number().int(), maxQueue: z.number().int() }).optional(),
    error: errorSchema.shape.error.optional(),
  })
  .openapi({ description: 'Anonymous callers get `status` only.' });

const unstoredSr = z.object({
  state: z.enum(['pending', 'failed']),
  image: z.object(objectUids),
  sr: z.object({ SeriesInstanceUID: uid, SOPInstanceUID: uid }),
  attempts: z.number().int(),
  refusals: z.number().int(),
  reason: z.string().openapi({ description: 'filtered-out, already-stored-other-content, http-4xx, http-5xx, timeout, unavailable, unexpected-status' }),
  message: z.string(),
  firstFailedAt: z.string().datetime(),
  lastFailedAt: z.string().datetime(),
  nextAttemptAt: z.string().datetime().optional().openapi({ description: 'Absent for a failed entry: it waits for POST /api/sr-outbox/retry.' }),
});

export const srOutboxListingSchema = z.object({ pending: z.array(unstoredSr), failed: z.array(unstoredSr) });
export const srOutboxRetrySchema = z.object({ stored: z.number().int(), stillUnstored: z.number().int() });
export const orthancEventAnswerSchema = z.object({ accepted: z.boolean(), orthancInstanceId: z.string().optional(), reason: z.string().optional() });

/** A JSON answer of a route, for createRoute's `responses`. */
export function jsonResponse<T extends z.ZodType>(description: string, schema: T) {
  return { description, content: { 'application/json': { schema } } } as const;
}

export function errorResponse(description: string) {
  return jsonResponse(description, errorSchema);
}

/** The refusals every authenticated route may give. */
export const commonErrors = {
  401: errorResponse('No credential, or a wrong one: send a bearer token (the API token or an OpenID Connect access token) or log in.'),
  403: errorResponse('The credential lacks the role the route needs, or a cookie-borne request came from another origin.'),
} as const;

export const busyErrors = {
  429: { ...errorResponse('The work queue is full.'), headers: z.object({ 'Retry-After': z.string().openapi({ description: 'Seconds to wait.' }) }) },
  504: errorResponse('The request took longer than CXR_REQUEST_TIMEOUT_MS (admitted work continues).'),
} as const;

/** Who may call: a bearer token (API token or OpenID Connect), or the viewer's session cookie. */
export const userSecurity: Array<Record<string, string[]>> = [{ bearer: [] }, { viewerSession: [] }];
export const tokenSecurity: Array<Record<string, string[]>> = [{ bearer: [] }];
