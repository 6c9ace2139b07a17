import { OpenAPIHono } from '@hono/zod-openapi';
import type { Hono, MiddlewareHandler } from 'hono';
import type { BlankEnv } from 'hono/types';
import { hostGuard, methodOverrideGuard, originGuard, requestTargetGuard, securityHeaders } from '../access/guards.ts';
import type { AuditSink } from '../audit/auditLog.ts';
import { requestId } from 'hono/request-id';
import { routePath } from 'hono/route';
import { apiPaths, configDefaults } from '../config/defaults.ts';
import type { Logger } from '../log.ts';
import type { ModelCard } from '../model/modelCard.ts';
import type { OrthancClient } from '../orthanc/orthancClient.ts';
import type { ClassificationService } from '../service/classificationService.ts';
import type { SidecarMetrics } from '../service/metrics.ts';
import type { SrOutbox } from '../service/srOutbox.ts';
import { defaultSoftware } from '../sr/index.ts';
import type { WorkQueue } from '../service/workQueue.ts';
import { ApiError, apiErrorCodes } from './errors.ts';
import { BodyBudget } from './limits.ts';
import { errorHandler } from './onError.ts';
import { serveOpenApiDocument } from './openapiDocument.ts';
import { classifyRoutes } from './routes/classify.ts';
import { healthRoutes } from './routes/health.ts';
import { metricsRoutes } from './routes/metrics.ts';
import { modelRoutes } from './routes/model.ts';
import { orthancEventRoutes } from './routes/orthancEvent.ts';
import { queueRoutes } from './routes/queue.ts';
import type { ArrivalQueue } from '../queue/arrivalQueue.ts';
import { srOutboxRoutes } from './routes/srOutbox.ts';

export interface AppConfig {
  readonly autoClassify: boolean;
  readonly bodyLimitBytes: number;
  /** All upload bodies being held at once; default 256 MB. */
  readonly bodyTotalLimitBytes?: number;
  readonly requestTimeoutMs: number;
}

const defaultBodyTotalBytes = configDefaults.bodyTotalLimitMb * 1024 * 1024;

export interface AppDeps {
  readonly config: AppConfig;
  readonly service: ClassificationService;
  readonly queue: WorkQueue;
  readonly orthanc: OrthancClient;
  readonly outbox: SrOutbox;
  /** `/api/routing` (routing/), when the sidecar sends results to destinations. */
  readonly routing?: OpenAPIHono;
  /** Where arrivals go: in-process, or the shared queue (CXR_REDIS_URL). */
  readonly arrivals: ArrivalQueue;
  readonly card: ModelCard;
  readonly metrics: SidecarMetrics;
  readonly logger: Logger;
  /** The viewer (inference-service/src/viewer): mounted at `/` after the API so API paths win. */
  readonly viewer?: Hono;
  readonly access: AppAccess;
  readonly audit: AuditSink;
}

/** How the app decides who is asking (inference-service/src/access): built by sidecar.ts from the config. */
export interface AppAccess {
  /** Sets the request's principal from its credential, or refuses a wrong one. */
  readonly authenticate: MiddlewareHandler;
  /** Host names the sidecar answers to. */
  readonly allowedHosts: ReadonlySet<string>;
  /** The local login's pages (`/login`, `/logout`), when there is no identity provider. */
  readonly login?: Hono;
}

/** Probes and scrapes every few seconds would drown the log; they are logged at debug. */
const quietPaths = new Set<string>([apiPaths.health, apiPaths.metrics]);

/**
 * Builds the sidecar's HTTP app. It never listens (server.ts does): tests drive it with app.request().
 */
export function createApp(deps: AppDeps): Hono {
  const { config, metrics } = deps;
  const logger = deps.logger.child({ tag: 'http' });
  const app = new OpenAPIHono<BlankEnv>();

  app.use('*', requestId());
  app.use('*', async (c, next) => {
    const started = performance.now();
    await next();
    const seconds = (performance.now() - started) / 1000;
    // The matched pattern, not the path: UIDs in paths must not explode the label set.
    const route = routePath(c) || 'unmatched';
    metrics.httpRequests.inc({ method: c.req.method, route, status: String(c.res.status) });
    metrics.httpDuration.observe({ method: c.req.method, route }, seconds);
    const fields = { requestId: c.get('requestId'), method: c.req.method, path: c.req.path, status: c.res.status, ms: Math.round(seconds * 1000 * 10) / 10 };
    if (quietPaths.has(c.req.path)) logger.debug('request', fields);
    else logger.info('request', fields);
  });

  // Before any route: headers on every answer, then what is refused whoever asks, then who is asking.
  app.use('*', securityHeaders());
  app.use('*', requestTargetGuard());
  app.use('*', hostGuard(deps.access.allowedHosts));
  app.use('*', methodOverrideGuard());
  app.use('*', deps.access.authenticate);
  app.use('*', originGuard());

  if (deps.access.login) app.route('/', deps.access.login);
  app.route(
    apiPaths.classify,
    classifyRoutes({
      service: deps.service,
      queue: deps.queue,
      audit: deps.audit,
      bodyLimitBytes: config.bodyLimitBytes,
      // At least one upload of the largest size must fit.
      bodyBudget: new BodyBudget(Math.max(config.bodyTotalLimitBytes ?? defaultBodyTotalBytes, config.bodyLimitBytes)),
      requestTimeoutMs: config.requestTimeoutMs,
    }),
  );
  app.route(apiPaths.health, healthRoutes({ orthanc: deps.orthanc, service: deps.service, queue: deps.queue }));
  app.route(apiPaths.model, modelRoutes({ card: deps.card }));
  app.route(apiPaths.metrics, metricsRoutes({ metrics }));
  app.route(apiPaths.orthancEvent, orthancEventRoutes({ arrivals: deps.arrivals, autoClassify: config.autoClassify, metrics, logger: deps.logger }));
  app.route(apiPaths.srOutbox, srOutboxRoutes({ outbox: deps.outbox }));
  if (deps.routing) app.route(apiPaths.routing, deps.routing);
  app.route(apiPaths.queue, queueRoutes({ arrivals: deps.arrivals }));
  // Generated from the routes' own schemas (createRoute), so the document cannot drift from what they do.
  serveOpenApiDocument(app, defaultSoftware.version);
  // Unknown API paths get the API's error format even when the viewer's catch-all is mounted.
  app.all('/api/*', (c) => {
    throw new ApiError(404, apiErrorCodes.notFound, `No route ${c.req.method} ${c.req.path}; see ${apiPaths.openapi}`);
  });
  if (deps.viewer) app.route('/', deps.viewer);

  app.notFound((c) => {
    throw new ApiError(404, apiErrorCodes.notFound, `No route ${c.req.method} ${c.req.path}`);
  });
  app.onError(errorHandler({ orthancUrl: deps.orthanc.url, metrics, logger }));
  return app;
}
