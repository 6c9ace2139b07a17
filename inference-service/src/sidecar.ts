/**
 * The one place the sidecar is wired: from its configuration and the process's one pipeline it builds
 * the Orthanc client, the work queue, the classification service, auto-classify, the viewer and the
 * HTTP app. Nothing listens or polls yet: server.ts does that; tests call `app.request()` on the result.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Hono } from 'hono';
import { issueViewerSession, requireAuth } from './api/auth.ts';
import { createApp } from './api/app.ts';
import { ChangesFollower } from './autoClassify/changesFollower.ts';
import type { SidecarConfig, ViewerFiles } from './config/config.ts';
import { dataFiles } from './config/defaults.ts';
import type { Logger } from './log.ts';
import { OrthancClient } from './orthanc/orthancClient.ts';
import type { FindingsPipeline } from './pipeline/findingsPipeline.ts';
import { ClassificationService } from './service/classificationService.ts';
import { createMetrics, type SidecarMetrics } from './service/metrics.ts';
import { SrOutbox } from './service/srOutbox.ts';
import { WorkQueue } from './service/workQueue.ts';
import { viewerRoutes } from './viewer/viewerRoutes.ts';

export type SidecarSettings = Pick<
  SidecarConfig,
  'orthanc' | 'apiToken' | 'autoClassify' | 'bodyLimitBytes' | 'requestTimeoutMs' | 'maxQueue' | 'concurrency' | 'dataDir' | 'viewer'
> &
  Partial<Pick<SidecarConfig, 'srRetryMaxDelayMs' | 'bodyTotalLimitBytes'>>;

export interface SidecarParts {
  readonly app: Hono;
  readonly service: ClassificationService;
  readonly queue: WorkQueue;
  readonly metrics: SidecarMetrics;
  readonly orthanc: OrthancClient;
  /** SRs Orthanc has not stored yet; `load()` takes up those a previous run left (the server calls it). */
  readonly outbox: SrOutbox;
  /** Present when auto-classify is on; not started (the server starts it). */
  readonly follower?: ChangesFollower;
  /** True when the viewer's files were found and are served at `/`. */
  readonly servesViewer: boolean;
}

function buildViewer(files: ViewerFiles, settings: SidecarSettings): Hono {
  return viewerRoutes({
    viewerDir: files.dir,
    extensionFile: files.extensionFile,
    orthanc: { url: settings.orthanc.url, ...(settings.orthanc.credentials ?? {}) },
    onIndexHtml: (c) => issueViewerSession(c, settings.apiToken),
    // The proxy adds Orthanc's credentials: without this guard anyone reaching the port could read the PACS.
    proxyGuard: requireAuth(settings.apiToken, { allowViewerSession: true }),
  });
}

export function createSidecar(options: {
  readonly settings: SidecarSettings;
  readonly pipeline: FindingsPipeline;
  readonly logger: Logger;
  readonly metrics?: SidecarMetrics;
}): SidecarParts {
  const { settings, pipeline, logger } = options;
  const credentials = settings.orthanc.credentials;
  if (!credentials) {
    throw new Error('createSidecar: Orthanc credentials are required (CXR_ORTHANC_USERNAME, CXR_ORTHANC_PASSWORD)');
  }
  const orthanc = new OrthancClient({ url: settings.orthanc.url, credentials });
  const metrics = options.metrics ?? createMetrics();
  const queue = new WorkQueue({
    concurrency: settings.concurrency,
    maxQueue: settings.maxQueue,
    onDepth: (waiting, running) => {
      metrics.queueWaiting.set(waiting);
      metrics.queueRunning.set(running);
    },
  });
  const outbox = new SrOutbox({
    orthanc,
    metrics,
    logger,
    directory: join(settings.dataDir, dataFiles.srOutbox),
    ...(settings.srRetryMaxDelayMs !== undefined ? { maxDelayMs: settings.srRetryMaxDelayMs } : {}),
  });
  const service = new ClassificationService({ orthanc, pipeline, queue, metrics, outbox, logger: logger.child({ tag: 'classify' }) });

  const viewerFiles = settings.viewer;
  const viewerFound = viewerFiles !== undefined && existsSync(join(viewerFiles.dir, 'index.html'));
  if (viewerFiles && !viewerFound) logger.warn('viewer not installed; serving the API only (run `npm run setup`)', { viewerDir: viewerFiles.dir });
  const viewer = viewerFound ? buildViewer(viewerFiles, settings) : undefined;

  const app = createApp({
    config: settings,
    service,
    queue,
    orthanc,
    outbox,
    card: pipeline.model.card,
    metrics,
    logger,
    ...(viewer ? { viewer } : {}),
  });
  const follower = settings.autoClassify
    ? new ChangesFollower({
        client: orthanc,
        cursorFile: join(settings.dataDir, dataFiles.changesCursor),
        concurrency: settings.concurrency,
        logger,
        onNewInstance: async (orthancInstanceId) => {
          const outcome = await service.classifyOrthancInstance(orthancInstanceId, 'changes');
          logger.debug(`changes: instance ${outcome.kind}`, { orthancInstanceId, ...outcome.item });
        },
      })
    : undefined;
  return { app, service, queue, metrics, orthanc, outbox, servesViewer: viewer !== undefined, ...(follower ? { follower } : {}) };
}
