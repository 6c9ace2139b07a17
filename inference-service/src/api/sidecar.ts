import { join } from 'node:path';
import type { Hono } from 'hono';
import type { SidecarConfig } from '../config/config.ts';
import { dataFiles } from '../config/defaults.ts';
import type { Logger } from '../log.ts';
import { ChangesFollower } from '../orthanc/changesFollower.ts';
import { OrthancClient } from '../orthanc/orthancClient.ts';
import type { FindingsPipeline } from '../pipeline/findingsPipeline.ts';
import { ClassificationService } from '../service/classificationService.ts';
import { createMetrics, type SidecarMetrics } from '../service/metrics.ts';
import { WorkQueue } from '../service/workQueue.ts';
import { createApp } from './app.ts';

export type SidecarSettings = Pick<
  SidecarConfig,
  'orthanc' | 'apiToken' | 'autoClassify' | 'bodyLimitBytes' | 'requestTimeoutMs' | 'maxQueue' | 'concurrency' | 'dataDir'
>;

export interface SidecarParts {
  readonly app: Hono;
  readonly service: ClassificationService;
  readonly queue: WorkQueue;
  readonly metrics: SidecarMetrics;
  readonly orthanc: OrthancClient;
  /** Present when auto-classify is on; not started (the server starts it). */
  readonly follower?: ChangesFollower;
}

/**
 * Wires the sidecar's parts from its settings and the one pipeline of the process. Nothing listens
 * or polls yet: server.ts starts those; tests call `app.request()` on what this returns.
 */
export function buildSidecar(options: {
  readonly settings: SidecarSettings;
  readonly pipeline: FindingsPipeline;
  readonly logger: Logger;
  /** Builds the viewer sub-app (it needs the session issuer, which needs the token). */
  readonly viewer?: Hono;
  readonly metrics?: SidecarMetrics;
}): SidecarParts {
  const { settings, pipeline, logger } = options;
  const credentials = settings.orthanc.credentials;
  if (!credentials) {
    throw new Error('buildSidecar: Orthanc credentials are required (CXR_ORTHANC_USERNAME, CXR_ORTHANC_PASSWORD)');
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
  const service = new ClassificationService({ orthanc, pipeline, queue, metrics, logger: logger.child({ tag: 'classify' }) });
  const app = createApp({
    config: settings,
    service,
    queue,
    orthanc,
    card: pipeline.model.card,
    metrics,
    logger,
    ...(options.viewer ? { viewer: options.viewer } : {}),
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
  return { app, service, queue, metrics, orthanc, ...(follower ? { follower } : {}) };
}
