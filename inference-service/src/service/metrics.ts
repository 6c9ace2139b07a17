import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * The sidecar's Prometheus metrics, in their own registry so two apps in one process (tests) do not
 * collide on prom-client's global one.
 */
export interface SidecarMetrics {
  readonly registry: Registry;
  readonly httpRequests: Counter<'method' | 'route' | 'status'>;
  readonly httpDuration: Histogram<'method' | 'route'>;
  readonly queueWaiting: Gauge;
  readonly queueRunning: Gauge;
  readonly errors: Counter<'kind'>;
  readonly imagesClassified: Counter<'source'>;
  readonly imagesSkipped: Counter;
  readonly srsStored: Counter;
  readonly srsDeduplicated: Counter;
  readonly srStoreFailures: Counter<'reason'>;
  readonly srOutbox: Gauge<'state'>;
  readonly classifyDuration: Histogram<'stage'>;
  readonly modelRunsDuplicated: Counter;
  /** Shared queue only: jobs by state across every worker (read from Redis at each scrape). */
  readonly queueJobs: Gauge<'state'>;
  /** Shared queue only: jobs this worker ran that failed their last attempt. */
  readonly queueJobsFailed: Counter;
  /** Where `queueJobs` reads the counts at each scrape (the shared queue sets it). */
  queueCountsFrom(read: () => Promise<Readonly<Record<string, number>>>): void;
}

export function createMetrics(options: { defaultMetrics?: boolean } = {}): SidecarMetrics {
  const registry = new Registry();
  let readQueueCounts: (() => Promise<Readonly<Record<string, number>>>) | undefined;
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: 'cxr_' });
  const registers = [registry];
  return {
    registry,
    httpRequests: new Counter({
      name: 'cxr_http_requests_total',
      help: 'HTTP requests answered, by method, matched route pattern and status',
      labelNames: ['method', 'route', 'status'],
      registers,
    }),
    httpDuration: new Histogram({
      name: 'cxr_http_request_duration_seconds',
      help: 'HTTP request latency, by method and matched route pattern',
      labelNames: ['method', 'route'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    queueWaiting: new Gauge({
      name: 'cxr_queue_waiting',
      help: 'Images waiting for a free slot in the work queue',
      registers,
    }),
    queueRunning: new Gauge({
      name: 'cxr_queue_running',
      help: 'Images being classified right now',
      registers,
    }),
    errors: new Counter({
      name: 'cxr_errors_total',
      help: 'Errors by kind (the API error code, or the background task that failed)',
      labelNames: ['kind'],
      registers,
    }),
    imagesClassified: new Counter({
      name: 'cxr_images_classified_total',
      help: 'Images run through the model, by what asked for it (api, file, hook, changes)',
      labelNames: ['source'],
      registers,
    }),
    imagesSkipped: new Counter({
      name: 'cxr_images_skipped_total',
      help: 'Instances not classified because they are not frontal chest radiographs',
      registers,
    }),
    srsStored: new Counter({
      name: 'cxr_srs_stored_total',
      help: 'Images whose findings SRs (the TID 1500 result and the readable report) Orthanc stored',
      registers,
    }),
    srsDeduplicated: new Counter({
      name: 'cxr_srs_deduplicated_total',
      help: 'Requests answered with an SR that already existed for the image and model (no work done)',
      registers,
    }),
    srStoreFailures: new Counter({
      name: 'cxr_sr_store_failures_total',
      help: 'Attempts to store a findings SR that Orthanc did not complete, by reason (filtered-out, http-5xx, timeout…)',
      labelNames: ['reason'],
      registers,
    }),
    srOutbox: new Gauge({
      name: 'cxr_sr_outbox',
      help: 'Findings SRs not in Orthanc yet: pending (being retried) or failed (kept refusing; retried when asked)',
      labelNames: ['state'],
      registers,
    }),
    classifyDuration: new Histogram({
      name: 'cxr_classify_stage_duration_seconds',
      help: 'Time per image by stage (fetch, model, build-sr, store, total)',
      labelNames: ['stage'],
      buckets: [0.005, 0.01, 0.02, 0.04, 0.06, 0.1, 0.2, 0.5, 1, 2, 5],
      registers,
    }),
    modelRunsDuplicated: new Counter({
      name: 'cxr_model_runs_duplicated_total',
      help: 'Model runs whose result was already stored by another run when this one finished (work done twice)',
      registers,
    }),
    queueJobs: new Gauge({
      name: 'cxr_queue_jobs',
      help: 'Shared queue (CXR_REDIS_URL): jobs by state (waiting, active, delayed, failed, completed) across every worker',
      labelNames: ['state'],
      registers,
      async collect() {
        // Redis away: the scrape still answers, without this gauge's fresh values.
        const counts = await readQueueCounts?.().catch(() => undefined);
        for (const [state, count] of Object.entries(counts ?? {})) this.set({ state }, count);
      },
    }),
    queueJobsFailed: new Counter({
      name: 'cxr_queue_jobs_failed_total',
      help: 'Shared queue: jobs this worker ran that failed their last attempt (listed at /api/queue/failed)',
      registers,
    }),
    queueCountsFrom(read) {
      readQueueCounts = read;
    },
  };
}
