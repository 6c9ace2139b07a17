import { zValidator } from '@hono/zod-validator';
import { Hono } from 'hono';
import type { ClassificationService } from '../../service/classificationService.ts';
import { QueueFullError, type QueueReservation, type WorkQueue } from '../../service/workQueue.ts';
import { requireAuth } from '../auth.ts';
import { ApiError, apiErrorCodes } from '../errors.ts';
import { jsonBodyLimitBytes, limitBody, limitTime, limitTotalBodies, type BodyBudget } from '../limits.ts';
import { classifyRequestSchema, requireMediaType, validationFailed } from '../schemas.ts';

export interface ClassifyRoutesOptions {
  readonly service: ClassificationService;
  readonly queue: WorkQueue;
  readonly apiToken: string;
  readonly bodyLimitBytes: number;
  /** The bytes all uploads being read may hold at once. */
  readonly bodyBudget: BodyBudget;
  readonly requestTimeoutMs: number;
}

/** `/api/classify`: classify what is in Orthanc by UID, or an uploaded file. Token or viewer session. */
export function classifyRoutes(options: ClassifyRoutesOptions) {
  const { service } = options;
  return new Hono<{ Variables: { queueReservation: QueueReservation } }>()
    .use('*', requireAuth(options.apiToken, { allowViewerSession: true }), limitTime(options.requestTimeoutMs))
    .post(
      '/',
      requireMediaType(['application/json']),
      limitBody(jsonBodyLimitBytes),
      zValidator('json', classifyRequestSchema, validationFailed),
      async (c) => c.json(await service.classifyTarget(c.req.valid('json'))),
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
        return c.json(await service.classifyFile(part10, c.get('queueReservation')));
      },
    );
}
