import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { requireRole } from '../../access/authenticate.ts';
import { roles } from '../../access/principal.ts';
import type { ArrivalQueue } from '../../queue/arrivalQueue.ts';
import { commonErrors, jsonResponse, tokenSecurity } from '../responseSchemas.ts';
import { validationFailed } from '../schemas.ts';

const failedJob = z.object({
  jobId: z.string().openapi({ description: '`<SOP Instance UID>_<model hash prefix>`: one job per image and model.' }),
  orthancInstanceId: z.string(),
  SOPInstanceUID: z.string(),
  StudyInstanceUID: z.string(),
  source: z.enum(['hook', 'changes']),
  attempts: z.number().int(),
  failedReason: z.string().openapi({ description: 'The last attempt\'s error.' }),
  failedAt: z.string().datetime().optional(),
});

const jobCount = z.number().int().optional();
const failedListingSchema = z.object({
  queue: z.enum(['in-process', 'bullmq']).openapi({ description: 'in-process (no CXR_REDIS_URL) never lists anything.' }),
  counts: z.object({ waiting: jobCount, active: jobCount, delayed: jobCount, failed: jobCount, completed: jobCount }).openapi({ description: 'Jobs by state across every worker.' }),
  failed: z.array(failedJob),
});

const listRoute = createRoute({
  method: 'get',
  path: '/failed',
  summary: 'The shared queue (CXR_REDIS_URL): its jobs by state, and those that failed after their retries',
  security: tokenSecurity,
  responses: { 200: jsonResponse('Newest first.', failedListingSchema), ...commonErrors },
});

const retryRoute = createRoute({
  method: 'post',
  path: '/retry',
  summary: 'Put every failed job back in the shared queue with a fresh set of attempts',
  security: tokenSecurity,
  responses: { 200: jsonResponse('How many went back.', z.object({ retried: z.number().int() })), ...commonErrors },
});

/**
 * `/api/queue`: the shared queue's jobs that failed after their retries. `GET /failed` lists them (the
 * image and the last error), `POST /retry` puts them back with a fresh set of attempts. Operators only
 * (the administer role): the listing names patients' images. In-process, nothing is ever listed.
 */
export function queueRoutes(options: { arrivals: ArrivalQueue }) {
  const { arrivals } = options;
  const app = new OpenAPIHono({ defaultHook: validationFailed });
  app.use('*', requireRole(roles.administer));
  return app
    .openapi(listRoute, async (c) => c.json({ queue: arrivals.kind, counts: await arrivals.counts(), failed: await arrivals.failedJobs() }, 200))
    .openapi(retryRoute, async (c) => c.json(await arrivals.retryFailed(), 200));
}
