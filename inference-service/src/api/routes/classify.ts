import { zValidator } from '@hono/zod-validator';
import { Hono } from 'hono';
import type { ClassificationService } from '../../service/classificationService.ts';
import { QueueFullError, type QueueReservation, type WorkQueue } from '../../service/workQueue.ts';
import { requireRole } from '../../access/authenticate.ts';
import { roles } from '../../access/principal.ts';
import type { AuditSink } from '../../audit/auditLog.ts';
import { outcomeOf, requestAuditFields } from '../../audit/requestAudit.ts';
import { ApiError, apiErrorCodes } from '../errors.ts';
import { jsonBodyLimitBytes, limitBody, limitTime, limitTotalBodies, type BodyBudget } from '../limits.ts';
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

/** `/api/classify`: classify what is in Orthanc by UID, or an uploaded file. Needs the classify role. */
export function classifyRoutes(options: ClassifyRoutesOptions) {
  const { service } = options;
  return new Hono<{ Variables: { queueReservation: QueueReservation } }>()
    .use('*', requireRole(roles.classify), limitTime(options.requestTimeoutMs))
    .post(
      '/',
      requireMediaType(['application/json']),
      limitBody(jsonBodyLimitBytes),
      zValidator('json', classifyRequestSchema, validationFailed),
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
        }
        return c.json(report);
      },
    )
    .post(
      '/file',
      requireMediaType(['application/dicom', 'application/octet-stream']),
      // The upload takes its place in the queue before its body is read: a full queue must not also hold
      // every waiting upload in memory, and concurrent uploads must not all pass a check none of them holds.
      async (c, next) => {
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
      },
      limitBody(options.bodyLimitBytes),
      limitTotalBodies(options.bodyBudget, options.bodyLimitBytes),
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
        return c.json(classified);
      },
    );
}
