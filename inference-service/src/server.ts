/**
 * The sidecar process: the only module that listens. It reads the configuration from the environment,
 * loads the active model once, serves the API (and the viewer when it is installed), follows Orthanc's
 * changes, and shuts down cleanly on SIGTERM/SIGINT.
 *
 *   CXR_API_TOKEN=… CXR_ORTHANC_USERNAME=… CXR_ORTHANC_PASSWORD=… tsx inference-service/src/server.ts
 *   (or `cxr-findings serve`, through runServeCommand)
 */
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { availableParallelism } from 'node:os';
import { pathToFileURL } from 'node:url';
import { serve } from '@hono/node-server';
import { ensureLocalUser, localUserFile } from './access/localUser.ts';
import { OidcVerifier } from './access/oidcVerifier.ts';
import { ConfigError, loadConfig, type SidecarConfig } from './config/config.ts';
import { configDefaults, configEnv } from './config/defaults.ts';
import { createLogger, type Logger } from './log.ts';
import type { FindingsPipeline } from './pipeline/findingsPipeline.ts';
import { loadPipeline } from './pipeline/loadPipeline.ts';
import { createSidecar, type SidecarParts } from './sidecar.ts';

export interface RunningSidecar {
  /** `http://<host>:<port>` as it listens (the port is the real one when 0 was asked for). */
  readonly url: string;
  readonly port: number;
  readonly parts: SidecarParts;
  readonly pipeline: FindingsPipeline;
  /** Stops accepting connections, stops following changes, waits for work in progress, frees the model. */
  stop(): Promise<void>;
}

export interface StartSidecarOptions {
  readonly config: SidecarConfig;
  readonly logger?: Logger;
  /** A pipeline already loaded (tests share one); otherwise the active model is loaded here. */
  readonly pipeline?: FindingsPipeline;
  /** Start following Orthanc's /changes (when auto-classify is on). Default true. */
  readonly followChanges?: boolean;
}

export async function startSidecar(options: StartSidecarOptions): Promise<RunningSidecar> {
  const { config } = options;
  const logger = options.logger ?? createLogger({ tag: 'sidecar', level: config.logLevel });
  const ownsPipeline = options.pipeline === undefined;
  // Every image is read and preprocessed on the prepare pool's threads: the main thread only does I/O.
  const prepareWorkers = config.preparePool.threads ?? availableParallelism();
  const pipeline =
    options.pipeline ??
    (await loadPipeline({
      intraOpThreads: config.intraOpThreads,
      spinning: config.ortSpinning,
      layout: config.modelLayout,
      dicomLimits: config.dicomLimits,
      ...(prepareWorkers > 0 ? { prepareWorkers, prepareLimits: { timeoutMs: config.preparePool.timeoutMs, maxHeapMb: config.preparePool.maxHeapMb } } : {}),
    }));
  const card = pipeline.model.card;
  logger.info('model loaded', {
    modelId: card.id,
    kind: card.kind,
    name: card.name,
    onnxSha256: card.onnx?.sha256,
    layout: pipeline.model.layout,
    parallelRuns: pipeline.model.parallelRuns,
  });
  if (card.kind !== 'upstream') {
    logger.warn(`${card.kind.toUpperCase()} MODEL ACTIVE: ${card.warning ?? 'not the published TorchXRayVision weights'}`, { modelId: card.id });
  }
  if (config.apiTokenGenerated) logger.warn('CXR_API_TOKEN is not set: using a token generated for this process (development only)');

  const localUser = config.access.mode === 'local' ? await ensureLocalUser(config.dataDir) : undefined;
  const oidc = config.access.oidc;
  const verifier = oidc
    ? new OidcVerifier({ issuer: oidc.issuer, audience: oidc.audience, rolesClaim: oidc.rolesClaim, tokenType: oidc.tokenType })
    : undefined;
  const parts = createSidecar({
    settings: config,
    pipeline,
    logger,
    ...(localUser ? { localUser } : {}),
    ...(verifier ? { verifyBearer: (token: string) => verifier.verify(token) } : {}),
  });
  await parts.outbox.load();
  await parts.router?.load();

  const server = serve({ fetch: parts.app.fetch, hostname: config.host, port: config.port });
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        new Error(`The sidecar cannot listen on ${config.host}:${config.port} (${error.code ?? error.message}); set ${configEnv.port} to use another port`, {
          cause: error,
        }),
      ),
    );
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  if (parts.follower && options.followChanges !== false) parts.follower.start();
  // A worker of the shared queue: takes jobs, and follows /changes while it holds the lease.
  await parts.arrivals.start();
  if (parts.changesLeader && options.followChanges !== false) parts.changesLeader.start();
  logger.info('listening', {
    url,
    orthanc: config.orthanc.url,
    autoClassify: config.autoClassify,
    queue: parts.arrivals.kind,
    viewer: parts.servesViewer,
    auth: config.access.mode,
    ...(localUser ? { login: `user '${localUser.username}', password in ${join(config.dataDir, localUserFile)}` } : {}),
    auditLog: config.access.auditLogFile,
  });

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Idle keep-alive connections would hold close() open; requests in flight still finish.
      if ('closeIdleConnections' in server) server.closeIdleConnections();
      await parts.follower?.stop();
      await parts.changesLeader?.stop();
      await closed;
      // The jobs this worker runs finish; those waiting stay in Redis for the other workers.
      await parts.arrivals.stop();
      await parts.queue.idle();
      // What is still unstored stays on disk for the next start.
      parts.outbox.stop();
      parts.router?.stop();
      parts.orthanc.close();
      parts.audit.close?.();
      if (ownsPipeline) await pipeline.dispose();
      logger.info('stopped');
    })();
    return stopping;
  };
  return { url, port, parts, pipeline, stop };
}

const serveUsage = `cxr-findings serve

Runs the sidecar: the HTTP API (and the viewer when installed), auto-classify on arrival.
Configured by environment variables (defaults in brackets):
${Object.entries(configEnv)
  .map(([key, name]) => `  ${name.padEnd(27)}${key in configDefaults ? `[${String(configDefaults[key as keyof typeof configDefaults])}]` : ''}`)
  .join('\n')}`;

/**
 * `cxr-findings serve` (and `tsx inference-service/src/server.ts`): runs until SIGTERM or SIGINT, then
 * stops gracefully and resolves 0. A wrong environment resolves 2 after saying which variable.
 */
export async function runServeCommand(args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(`${serveUsage}\n`);
    return 0;
  }
  let config: SidecarConfig;
  try {
    config = loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      return 2;
    }
    throw error;
  }
  const logger = createLogger({ tag: 'sidecar', level: config.logLevel });
  const sidecar = await startSidecar({ config, logger });
  return new Promise<number>((resolve) => {
    let signalled = false;
    const shutDown = (signal: NodeJS.Signals) => {
      if (signalled) {
        logger.warn(`${signal} again: exiting without waiting`);
        process.exit(1);
      }
      signalled = true;
      logger.info(`${signal}: shutting down`);
      sidecar.stop().then(
        () => resolve(0),
        (error: unknown) => {
          logger.error('shutdown failed', { error });
          resolve(1);
        },
      );
    };
    process.on('SIGTERM', shutDown);
    process.on('SIGINT', shutDown);
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  runServeCommand(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      createLogger({ tag: 'sidecar' }).error('the sidecar failed to start', { error });
      process.exit(1);
    },
  );
}
