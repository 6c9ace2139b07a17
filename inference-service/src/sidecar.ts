/**
 * The one place the sidecar is wired: from its configuration and the process's one pipeline it builds
 * the Orthanc client, the work queue, the classification service, auto-classify, the viewer and the
 * HTTP app. Nothing listens or polls yet: server.ts does that; tests call `app.request()` on the result.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Hono } from 'hono';
import { authenticate, type AuthenticateOptions } from './access/authenticate.ts';
import { allowedHostnames } from './access/guards.ts';
import type { LocalUser } from './access/localUser.ts';
import { loginRoutes } from './access/loginRoutes.ts';
import { type Principal, roles } from './access/principal.ts';
import { SessionKeeper } from './access/session.ts';
import { type AppAccess, createApp } from './api/app.ts';
import { AuditLog, type AuditSink } from './audit/auditLog.ts';
import { clientAddress } from './audit/requestAudit.ts';
import { parseSyslogUrl, SyslogAuditSink, teeAudit } from './audit/syslogSink.ts';
import { ChangesFollower } from './autoClassify/changesFollower.ts';
import type { CursorStore } from './autoClassify/cursorStore.ts';
import type { AccessSettings, SidecarConfig, ViewerFiles } from './config/config.ts';
import { dataFiles } from './config/defaults.ts';
import type { Logger } from './log.ts';
import { OrthancClient } from './orthanc/orthancClient.ts';
import type { FindingsPipeline } from './pipeline/findingsPipeline.ts';
import { ClassificationService } from './service/classificationService.ts';
import { createMetrics, type SidecarMetrics } from './service/metrics.ts';
import { SrOutbox } from './service/srOutbox.ts';
import { WorkQueue } from './service/workQueue.ts';
import { routingRoutes } from './api/routes/routing.ts';
import { ClassifyRules, createRuleMetrics } from './routing/classifyRules.ts';
import { createRoutingMetrics, ResultRouter } from './routing/resultRouter.ts';
import { ObjectSender } from './routing/sendObject.ts';
import type { ArrivalQueue } from './queue/arrivalQueue.ts';
import { BullmqArrivalQueue } from './queue/bullmqQueue.ts';
import { ChangesLeader, changesKeys } from './queue/changesLeader.ts';
import { InProcessArrivalQueue } from './queue/inProcessQueue.ts';
import { viewerRoutes } from './viewer/viewerRoutes.ts';

export type SidecarSettings = Pick<
  SidecarConfig,
  'orthanc' | 'apiToken' | 'autoClassify' | 'bodyLimitBytes' | 'requestTimeoutMs' | 'maxQueue' | 'concurrency' | 'dataDir' | 'viewer'
> &
  Partial<Pick<SidecarConfig, 'host' | 'srRetryMaxDelayMs' | 'bodyTotalLimitBytes' | 'routing' | 'queue' | 'heatmaps'>> & {
    /** Absent: local login (without a user, the API token only), loopback hosts, audit log in the data dir. */
    readonly access?: AccessSettings;
  };

export interface SidecarParts {
  readonly app: Hono;
  readonly service: ClassificationService;
  readonly queue: WorkQueue;
  readonly metrics: SidecarMetrics;
  readonly orthanc: OrthancClient;
  /** SRs Orthanc has not stored yet; `load()` takes up those a previous run left (the server calls it). */
  readonly outbox: SrOutbox;
  /** Present when the routing file names destinations; `load()` takes up what a previous run left. */
  readonly router?: ResultRouter;
  /** Present when auto-classify is on without a shared queue; not started (the server starts it). */
  readonly follower?: ChangesFollower;
  /** Where arrivals go; with a shared queue, `start()` makes this process one of its workers (the server does). */
  readonly arrivals: ArrivalQueue;
  /** With a shared queue and auto-classify: follows `/changes` while it holds the lease; not started. */
  readonly changesLeader?: ChangesLeader;
  /** True when the viewer's files were found and are served at `/`. */
  readonly servesViewer: boolean;
  readonly audit: AuditSink & { close?(): void };
}

/** The local user may do everything one machine's viewer offers; storing still needs CXR_DICOMWEB_STOW. */
const localUserRoles = [roles.read, roles.classify, roles.store, roles.administer] as const;

function defaultAccess(dataDir: string): AccessSettings {
  return { mode: 'local', publicHosts: [], cookieSecure: false, dicomWebStow: false, auditLogFile: join(dataDir, dataFiles.auditLog) };
}

function buildViewer(files: ViewerFiles, settings: SidecarSettings, access: AccessSettings, audit: AuditSink): Hono {
  return viewerRoutes({
    viewerDir: files.dir,
    extensionFile: files.extensionFile,
    orthanc: { url: settings.orthanc.url, ...(settings.orthanc.proxyCredentials ?? settings.orthanc.credentials ?? {}) },
    // With OpenID Connect, OHIF itself must load to send the user to the provider: its files hold no data.
    ...(access.mode === 'local' ? { loginPath: '/login' } : {}),
    stow: access.dicomWebStow,
    audit,
    ...(access.oidc ? { appConfig: { oidc: access.oidc } } : {}),
  });
}

export function createSidecar(options: {
  readonly settings: SidecarSettings;
  readonly pipeline: FindingsPipeline;
  readonly logger: Logger;
  readonly metrics?: SidecarMetrics;
  /** The local login (CXR_AUTH=local); startSidecar makes it in the data dir. */
  readonly localUser?: LocalUser;
  /** Verifies OpenID Connect access tokens (CXR_AUTH=oidc). */
  readonly verifyBearer?: (token: string) => Promise<Principal>;
  readonly audit?: AuditSink;
}): SidecarParts {
  const { settings, pipeline, logger } = options;
  const accessSettings = settings.access ?? defaultAccess(settings.dataDir);
  const auditFile = options.audit ?? new AuditLog({ file: accessSettings.auditLogFile });
  const audit = accessSettings.auditSyslog ? teeAudit(auditFile, new SyslogAuditSink(parseSyslogUrl(accessSettings.auditSyslog))) : auditFile;
  const sessions = new SessionKeeper(settings.apiToken, { alwaysSecure: accessSettings.cookieSecure });
  const authenticateOptions: AuthenticateOptions = {
    apiToken: settings.apiToken,
    ...(accessSettings.mode === 'local' ? { sessions } : {}),
    ...(options.verifyBearer ? { verifyBearer: options.verifyBearer } : {}),
  };
  const localUser = accessSettings.mode === 'local' ? options.localUser : undefined;
  const access: AppAccess = {
    authenticate: authenticate(authenticateOptions),
    allowedHosts: allowedHostnames(settings.host ?? '127.0.0.1', accessSettings.publicHosts),
    ...(localUser
      ? {
          login: loginRoutes({
            user: localUser,
            roles: localUserRoles,
            sessions,
            addressOf: clientAddress,
            onAttempt: ({ username, success, address }) =>
              audit.record({ action: 'login', outcome: success ? 'success' : 'refused', user: username, ...(address ? { client: address } : {}) }),
            onLogout: ({ username, address }) => audit.record({ action: 'logout', outcome: 'success', user: username, ...(address ? { client: address } : {}) }),
          }),
        }
      : {}),
  };
  const credentials = settings.orthanc.credentials;
  if (!credentials) {
    throw new Error('createSidecar: Orthanc credentials are required (CXR_ORTHANC_USERNAME, CXR_ORTHANC_PASSWORD)');
  }
  const orthanc = new OrthancClient({
    url: settings.orthanc.url,
    credentials,
    ...(settings.orthanc.failoverUrls ? { failoverUrls: settings.orthanc.failoverUrls } : {}),
  });
  const metrics = options.metrics ?? createMetrics();
  const queue = new WorkQueue({
    concurrency: settings.concurrency,
    maxQueue: settings.maxQueue,
    onDepth: (waiting, running) => {
      metrics.queueWaiting.set(waiting);
      metrics.queueRunning.set(running);
    },
  });
  const routing = settings.routing;
  const router =
    routing && routing.destinations.length > 0
      ? new ResultRouter({
          destinations: routing.destinations,
          sender: new ObjectSender(orthanc),
          metrics: createRoutingMetrics(metrics.registry),
          logger,
          directory: join(settings.dataDir, dataFiles.routeOutbox),
          ...routing.delivery,
        })
      : undefined;
  const outbox = new SrOutbox({
    orthanc,
    metrics,
    logger,
    directory: join(settings.dataDir, dataFiles.srOutbox),
    ...(settings.srRetryMaxDelayMs !== undefined ? { maxDelayMs: settings.srRetryMaxDelayMs } : {}),
    ...(router
      ? { onStoring: (object, image) => router.hold(object, image), onStored: (object, image) => router.route(object, image), onAbandoned: (object) => router.abandoned(object) }
      : {}),
  });
  const rules = routing && (routing.include.length > 0 || routing.exclude.length > 0) ? new ClassifyRules(routing, { excluded: createRuleMetrics(metrics.registry) }) : undefined;
  const service = new ClassificationService({
    orthanc,
    pipeline,
    queue,
    metrics,
    outbox,
    logger: logger.child({ tag: 'classify' }),
    ...(rules ? { rules } : {}),
    ...(settings.heatmaps === undefined ? {} : { heatmaps: settings.heatmaps }),
  });

  const viewerFiles = settings.viewer;
  const viewerFound = viewerFiles !== undefined && existsSync(join(viewerFiles.dir, 'index.html'));
  if (viewerFiles && !viewerFound) logger.warn('viewer not installed; serving the API only (run `npm run setup`)', { viewerDir: viewerFiles.dir });
  const viewer = viewerFound ? buildViewer(viewerFiles, settings, accessSettings, audit) : undefined;

  const arrivals: ArrivalQueue = settings.queue
    ? new BullmqArrivalQueue({
        redisUrl: settings.queue.redisUrl,
        prefix: settings.queue.prefix,
        lockMs: settings.queue.lockMs,
        ...(settings.queue.attempts !== undefined ? { attempts: settings.queue.attempts } : {}),
        ...(settings.queue.backoffMs !== undefined ? { backoffMs: settings.queue.backoffMs } : {}),
        concurrency: settings.concurrency,
        service,
        orthanc,
        metrics,
        logger,
      })
    : new InProcessArrivalQueue(service);
  // Read from Redis at each scrape: the backlog of every worker, not this one's.
  if (arrivals.kind === 'bullmq') metrics.queueCountsFrom(() => arrivals.counts());

  const app = createApp({
    config: settings,
    service,
    queue,
    orthanc,
    outbox,
    ...(router ? { routing: routingRoutes({ router }) } : {}),
    arrivals,
    card: pipeline.model.card,
    metrics,
    logger,
    access,
    audit,
    ...(viewer ? { viewer } : {}),
  });
  const makeFollower = (cursor: { file: string; store?: CursorStore }) =>
    new ChangesFollower({
      client: orthanc,
      cursorFile: cursor.file,
      ...(cursor.store ? { cursorStore: cursor.store } : {}),
      concurrency: settings.concurrency,
      logger,
      onNewInstance: async (orthancInstanceId) => {
        const outcome = await arrivals.submit(orthancInstanceId, 'changes');
        logger.debug(`changes: instance ${outcome.kind === 'done' ? outcome.result : outcome.kind}`, { orthancInstanceId, ...outcome });
      },
    });
  const follower = settings.autoClassify && !(arrivals instanceof BullmqArrivalQueue) ? makeFollower({ file: join(settings.dataDir, dataFiles.changesCursor) }) : undefined;
  const changesLeader =
    settings.autoClassify && arrivals instanceof BullmqArrivalQueue && settings.queue
      ? new ChangesLeader({
          redis: arrivals.redis,
          keys: changesKeys(settings.queue.prefix, settings.orthanc.url),
          leaseMs: settings.queue.lockMs,
          makeFollower: (store, name) => makeFollower({ file: name, store }),
          logger,
        })
      : undefined;
  return {
    app,
    service,
    queue,
    metrics,
    orthanc,
    audit,
    outbox,
    arrivals,
    ...(router ? { router } : {}),
    servesViewer: viewer !== undefined,
    ...(follower ? { follower } : {}),
    ...(changesLeader ? { changesLeader } : {}),
  };
}
