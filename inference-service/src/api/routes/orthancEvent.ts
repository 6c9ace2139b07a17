import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import type { Logger } from '../../log.ts';
import { RefusedArrivals } from '../../autoClassify/refusedArrivals.ts';
import { QueueUnavailableError, type ArrivalQueue } from '../../queue/arrivalQueue.ts';
import type { SidecarMetrics } from '../../service/metrics.ts';
import { QueueFullError } from '../../service/workQueue.ts';
import { requireCredential } from '../../access/authenticate.ts';
import { jsonBodyLimitBytes, limitBody } from '../limits.ts';
import { commonErrors, errorResponse, jsonResponse, orthancEventAnswerSchema, tokenSecurity } from '../responseSchemas.ts';
import { orthancEventSchema, requireMediaType, validationFailed } from '../schemas.ts';

const eventRoute = createRoute({
  method: 'post',
  path: '/',
  summary: 'Orthanc stored an instance (called by the Lua hook); classified in the background',
  security: tokenSecurity,
  middleware: [requireCredential('api-token'), requireMediaType(['application/json']), limitBody(jsonBodyLimitBytes)] as const,
  request: { body: { required: true, content: { 'application/json': { schema: orthancEventSchema } } } },
  responses: {
    202: jsonResponse('Accepted (or ignored when auto-classify is off).', orthancEventAnswerSchema),
    400: errorResponse('Invalid body.'),
    ...commonErrors,
  },
});

/**
 * `POST /api/internal/orthanc-event`, called by orthanc/lua/notify-sidecar.lua for every stored
 * instance. Answers 202 at once (the hook runs inside Orthanc and must not wait for the model) and
 * classifies in the background (or queues the job, with a shared queue). Failures here lose nothing:
 * the changes follower sees every instance.
 */
export function orthancEventRoutes(options: {
  arrivals: ArrivalQueue;
  autoClassify: boolean;
  metrics: SidecarMetrics;
  logger: Logger;
}) {
  const logger = options.logger.child({ tag: 'hook' });
  const refused = new RefusedArrivals(logger);
  return new OpenAPIHono({ defaultHook: validationFailed }).openapi(
    eventRoute,
    (c) => {
      const { orthancInstanceId } = c.req.valid('json');
      if (!options.autoClassify) return c.json({ accepted: false, reason: 'auto-classify is turned off (CXR_AUTO_CLASSIFY)' }, 202);
      options.arrivals.submit(orthancInstanceId, 'hook').then(
        (outcome) => logger.debug(`instance ${outcome.kind === 'done' ? outcome.result : outcome.kind}`, { orthancInstanceId, ...outcome }),
        (error: unknown) => {
          const kind = error instanceof QueueFullError ? 'hook-queue-full' : error instanceof QueueUnavailableError ? 'hook-queue-unavailable' : 'hook-failed';
          options.metrics.errors.inc({ kind });
          if (error instanceof QueueFullError) refused.refused(orthancInstanceId, error.maxQueue);
          else logger.warn('classification on arrival failed; the changes follower will retry', { orthancInstanceId, error });
        },
      );
      return c.json({ accepted: true, orthancInstanceId }, 202);
    },
  );
}
