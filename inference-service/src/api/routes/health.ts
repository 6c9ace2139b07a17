import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import type { OrthancClient } from '../../orthanc/orthancClient.ts';
import type { ClassificationService } from '../../service/classificationService.ts';
import type { WorkQueue } from '../../service/workQueue.ts';
import { principalOf } from '../../access/authenticate.ts';
import { apiErrorCodes, errorBody } from '../errors.ts';
import { healthSchema, jsonResponse } from '../responseSchemas.ts';

/** How long a health probe waits for Orthanc: a probe that hangs is worse than one that says "down". */
const orthancProbeTimeoutMs = 2_000;

const healthRoute = createRoute({
  method: 'get',
  path: '/',
  summary: 'Orthanc reachable and model loaded',
  security: [],
  responses: {
    200: jsonResponse('Ready.', healthSchema),
    503: jsonResponse('Orthanc is unreachable or the model cannot run; with a credential the body has the checks and an `error`.', healthSchema),
  },
});

/**
 * `GET /api/health`: 200 when Orthanc answers and the model can run, 503 otherwise. Public, so load
 * balancers and orchestrators can probe it without a secret; an anonymous caller gets the status word
 * only (no addresses, versions or queue depth, and never patient data). With a credential: the
 * checks, plus an `error` naming what is down.
 */
export function healthRoutes(options: { orthanc: OrthancClient; service: ClassificationService; queue: WorkQueue }) {
  return new OpenAPIHono().openapi(healthRoute, async (c) => {
    let orthanc: { url: string; reachable: boolean; version?: string; problem?: string };
    try {
      const system = await withTimeout(options.orthanc.system(), orthancProbeTimeoutMs);
      orthanc = { url: options.orthanc.url, reachable: true, version: system.Version };
    } catch (error) {
      orthanc = { url: options.orthanc.url, reachable: false, problem: error instanceof Error ? error.message : String(error) };
    }
    const modelFailure = options.service.modelFailure;
    const body = {
      status: orthanc.reachable && !modelFailure ? ('ok' as const) : ('unavailable' as const),
      orthanc,
      model: { loaded: !modelFailure, ...options.service.model, ...(modelFailure ? { problem: modelFailure } : {}) },
      queue: {
        running: options.queue.running,
        waiting: options.queue.waiting,
        concurrency: options.queue.concurrency,
        maxQueue: options.queue.maxQueue,
      },
    };
    if (!principalOf(c)) return c.json({ status: body.status }, body.status === 'ok' ? 200 : 503);
    if (modelFailure) return c.json({ ...body, ...errorBody(apiErrorCodes.notReady, `The model cannot classify: ${modelFailure}`) }, 503);
    if (orthanc.reachable) return c.json(body, 200);
    return c.json({ ...body, ...errorBody(apiErrorCodes.orthancUnavailable, `Orthanc at ${options.orthanc.url} is unreachable`) }, 503);
  });
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}
