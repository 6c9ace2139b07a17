import { zValidator } from '@hono/zod-validator';
import { Hono } from 'hono';
import type { Logger } from '../../log.ts';
import type { ClassificationService } from '../../service/classificationService.ts';
import type { SidecarMetrics } from '../../service/metrics.ts';
import { QueueFullError } from '../../service/workQueue.ts';
import { requireCredential } from '../../access/authenticate.ts';
import { jsonBodyLimitBytes, limitBody } from '../limits.ts';
import { orthancEventSchema, requireMediaType, validationFailed } from '../schemas.ts';

/**
 * `POST /api/internal/orthanc-event`, called by orthanc/lua/notify-sidecar.lua for every stored
 * instance. Answers 202 at once (the hook runs inside Orthanc and must not wait for the model) and
 * classifies in the background. Failures here lose nothing: the changes follower sees every instance.
 */
export function orthancEventRoutes(options: {
  service: ClassificationService;
  autoClassify: boolean;
  metrics: SidecarMetrics;
  logger: Logger;
}) {
  const logger = options.logger.child({ tag: 'hook' });
  return new Hono().post(
    '/',
    requireCredential('api-token'),
    requireMediaType(['application/json']),
    limitBody(jsonBodyLimitBytes),
    zValidator('json', orthancEventSchema, validationFailed),
    (c) => {
      const { orthancInstanceId } = c.req.valid('json');
      if (!options.autoClassify) return c.json({ accepted: false, reason: 'auto-classify is turned off (CXR_AUTO_CLASSIFY)' }, 202);
      options.service.classifyOrthancInstance(orthancInstanceId, 'hook').then(
        (outcome) => logger.debug(`instance ${outcome.kind}`, { orthancInstanceId, ...outcome.item }),
        (error: unknown) => {
          const kind = error instanceof QueueFullError ? 'hook-queue-full' : 'hook-failed';
          options.metrics.errors.inc({ kind });
          logger.warn('classification on arrival failed; the changes follower will retry', { orthancInstanceId, error });
        },
      );
      return c.json({ accepted: true, orthancInstanceId }, 202);
    },
  );
}
