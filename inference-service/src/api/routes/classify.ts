import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import type { ClassificationService } from '../../service/classificationService.ts';
import { QueueFullError, type QueueReservation, type WorkQueue } from '../../service/workQueue.ts';
import { requireRole } from '../../access/authenticate.ts';
import { roles } from '../../access/principal.ts';
import type { AuditSink } from '../../audit/auditLog.ts';
import { outcomeOf, requestAuditFields } from '../../audit/requestAudit.ts';
import { ApiError, apiErrorCodes } from '../errors.ts';
import { jsonBodyLimitBytes, limitBody, limitTime, limitTotalBodies, type BodyBudget } from '../limits.ts';
import { busyErrors, classifiedFileSchema, classifyReportSchema, commonErrors, errorResponse, jsonResponse, userSecurity } from '../responseSchemas.ts';
import { classifyRequestSchema, requireMediaType, validationFailed } from '../schemas.ts';

export interface ClassifyRoutesOptions {
  readonly service: ClassificationService;
  readonly queue: WorkQueue;
  readonly audit: AuditSink;
  readonly bodyLimitBytes: number;
  /** The bytes all uploads being read may hold at once. */
  readonly bodyBudget: BodyBudget;
  readonly requestTimeoutMs: number;
}

type ClassifyEnv = { Variables: { queueReservation: QueueReservation } };

const classifyRoute = createRoute({
  method: 'post',
  path: '/',
  summary: 'Classify the eligible images of a study, series or instance in Orthanc and store one SR per image',
  security: userSecurity,
  middleware: [requireMediaType(['application/json']), limitBody(jsonBodyLimitBytes)] as const,
  request: { body: { required: true, content: { 'application/json': { schema: classifyRequestSchema } } } },
  responses: {
    200: jsonResponse('Findings and the SRs (new, or already existing for this image and model).', classifyReportSchema),
    400: errorResponse('Malformed JSON or an invalid field (the message names it).'),
    404: errorResponse('A UID is not in Orthanc.'),
    415: errorResponse('Content-Type is not application/json.'),
    422: errorResponse('Nothing in the target is a frontal chest radiograph (the message says why).'),
    502: errorResponse('Orthanc answered with an error.'),
    503: errorResponse('Orthanc is unreachable, or (code sr-not-stored) it stored none of the SRs: they are kept and retried, see /api/sr-outbox.'),
    ...commonErrors,
    ...busyErrors,
  },
});

/** The file route's middleware: a place in the queue, then the body limits (see classifyRoutes). */
function fileRoute(uploadMiddleware: readonly MiddlewareHandler<ClassifyEnv>[]) {
  return createRoute({
    method: 'post',
    path: '/file',
    summary: 'Classify one uploaded DICOM file; the SR comes back as base64 Part-10 (nothing is stored)',
    security: userSecurity,
    middleware: [requireMediaType(['application/dicom', 'application/octet-stream']), ...uploadMiddleware],
    request: { body: { required: true, content: { 'application/dicom': { schema: z.string().openapi({ format: 'binary' }) } } } },
    responses: {
      200: jsonResponse('Findings and the SR.', classifiedFileSchema),
      400: errorResponse('Empty body or not DICOM (code not-dicom).'),
      413: errorResponse('Larger than CXR_BODY_LIMIT_MB.'),
      415: errorResponse('Content-Type is not application/dicom.'),
      422: errorResponse('DICOM that cannot be classified: not a frontal chest radiograph (ineligible), RGB, no pixel data, unsupported transfer syntax…'),
      ...commonErrors,
      ...busyErrors,
    },
  });
}

/** `/api/classify`: classify what is in Orthanc by UID, or an uploaded file. Needs the classify role. */
export function classifyRoutes(options: ClassifyRoutesOptions) {
  const { service } = options;
  // The upload takes its place in the queue before its body is read: a full queue must not also hold
  // every waiting upload in memory, and concurrent uploads must not all pass a check none of them holds.
  const holdPlace: MiddlewareHandler<ClassifyEnv> = async (c, next) => {
    let reservation: QueueReservation;
    try {
      reservation = options.queue.reserve();
    } catch (error) {
      if (!(error instanceof QueueFullError)) throw error;
      // The unread body is still on the wire: close rather than let the client reuse the connection.
      throw new ApiError(429, apiErrorCodes.queueFull, error.message, {
        cause: error,
        headers: { 'Retry-After': String(error.retryAfterSeconds), Connection: 'close' },
      });
    }
    c.set('queueReservation', reservation);
    try {
      await next();
    } finally {
      reservation.release();
    }
  };
  const app = new OpenAPIHono<ClassifyEnv>({ defaultHook: validationFailed });
  app.use('*', requireRole(roles.classify), limitTime(options.requestTimeoutMs));
  return app
    .openapi(
      classifyRoute,
      async (c) => {
        const target = c.req.valid('json');
        const who = requestAuditFields(c);
        const asked = {
          StudyInstanceUID: target.studyInstanceUID,
          ...(target.seriesInstanceUID ? { SeriesInstanceUID: target.seriesInstanceUID } : {}),
          ...(target.sopInstanceUID ? { SOPInstanceUID: target.sopInstanceUID } : {}),
        };
        let report;
        try {
          report = await service.classifyTarget(target);
        } catch (error) {
          options.audit.record({ ...who, action: 'classify', outcome: 'failure', ...asked, detail: error instanceof Error ? error.name : 'error' });
          throw error;
        }
        options.audit.record({ ...who, action: 'classify', outcome: outcomeOf(200), status: 200, ...asked, detail: `${report.results.length} classified, ${report.skipped.length} skipped` });
        for (const result of report.results) {
          if (result.sr.alreadyExisted) continue;
          // Two objects are stored per image: the TID 1500 result and the readable TID 2000 report.
          for (const [written, what] of [[result.sr, 'TID 1500 result'], [result.report, 'TID 2000 report']] as const) {
            const { StudyInstanceUID, SeriesInstanceUID, SOPInstanceUID } = written;
            options.audit.record({ ...who, action: 'sr-written', outcome: 'success', StudyInstanceUID, SeriesInstanceUID, SOPInstanceUID, detail: `${what} for image ${result.SOPInstanceUID}` });
          }
          // The heatmaps are derived from the image too (a Parametric Map), stored when a finding is positive.
          if (result.heatmaps) {
            const { StudyInstanceUID, SeriesInstanceUID, SOPInstanceUID } = result.heatmaps;
            options.audit.record({ ...who, action: 'heatmaps-written', outcome: 'success', StudyInstanceUID, SeriesInstanceUID, SOPInstanceUID, detail: `Parametric Map for image ${result.SOPInstanceUID}` });
          }
        }
        return c.json(report, 200);
      },
    )
    .openapi(
      fileRoute([holdPlace, limitBody(options.bodyLimitBytes), limitTotalBodies(options.bodyBudget, options.bodyLimitBytes)]),
      async (c) => {
        const part10 = new Uint8Array(await c.req.arrayBuffer());
        if (part10.byteLength === 0) {
          throw new ApiError(400, apiErrorCodes.invalidRequest, 'POST /api/classify/file: the body is empty; send one DICOM Part-10 file');
        }
        const classified = await service.classifyFile(part10, c.get('queueReservation'));
        options.audit.record({
          ...requestAuditFields(c),
          action: 'classify',
          outcome: 'success',
          status: 200,
          StudyInstanceUID: classified.StudyInstanceUID,
          SeriesInstanceUID: classified.SeriesInstanceUID,
          SOPInstanceUID: classified.SOPInstanceUID,
          detail: 'uploaded file; SR returned, not stored',
        });
        return c.json(classified, 200);
      },
    );
}
