/**
 * The shared queue: BullMQ on Redis. Every sidecar given the same `CXR_REDIS_URL` is a worker of one
 * queue. A job is an (image, model): its id dedups the hook and the follower of every worker hearing of
 * one arrival. A worker holds a lock on its job and renews it; a worker that dies lets its lock lapse,
 * and another worker's stalled-job check puts the job back (BullMQ's at-least-once). A job that throws
 * is retried with exponential backoff; one that fails every attempt is kept, listed and retryable.
 *
 * At-least-once is safe here because the work itself is idempotent: the SRs' UIDs derive from the
 * image's SOP Instance UID and the model's hash, a repeated job first finds the SR already stored, and a
 * second store is Orthanc's AlreadyStored. A job is done only once Orthanc holds its objects: one whose
 * objects Orthanc refused is retried like a failure, since only Redis outlives the worker that kept them.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Queue, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import type { Logger } from '../log.ts';
import type { ClassificationService } from '../service/classificationService.ts';
import type { SidecarMetrics } from '../service/metrics.ts';
import type { OrthancClient } from '../orthanc/orthancClient.ts';
import { admitArrival } from './admitArrival.ts';
import { arrivalJobId, QueueUnavailableError, type ArrivalOutcome, type ArrivalQueue, type ArrivalSource, type FailedJob, type JobState } from './arrivalQueue.ts';

export interface ArrivalJobData {
  readonly orthancInstanceId: string;
  readonly SOPInstanceUID: string;
  readonly StudyInstanceUID: string;
  readonly source: ArrivalSource;
}

export interface BullmqQueueOptions {
  /** `redis://[user:password@]host:port[/db]` or `rediss://` (TLS). */
  readonly redisUrl: string;
  /** Namespaces the queue's keys; every worker of one queue uses the same. */
  readonly prefix: string;
  readonly service: ClassificationService;
  readonly orthanc: Pick<OrthancClient, 'instanceTags'>;
  readonly metrics: SidecarMetrics;
  readonly logger: Logger;
  /** Jobs this worker runs at once. */
  readonly concurrency: number;
  /**
   * How long a worker's lock on its job lasts unrenewed, and so how soon a dead worker's job is taken
   * over (up to twice this). It must outlast a Redis outage: a lock lapsing while its worker still runs
   * the job lets another run it too.
   */
  readonly lockMs: number;
  /** Attempts per job before it is failed (default 6: retried after 2, 4, 8, 16, 32 s). */
  readonly attempts?: number;
  readonly backoffMs?: number;
}

export const queueName = 'arrivals';

const jobStates: readonly JobState[] = ['waiting', 'active', 'delayed', 'failed', 'completed'];

export class BullmqArrivalQueue implements ArrivalQueue {
  readonly kind = 'bullmq' as const;
  readonly #options: BullmqQueueOptions;
  /** Shared by the producer side, the changes lease and the counts; the worker makes its own. */
  readonly redis: Redis;
  readonly #queue: Queue<ArrivalJobData>;
  #worker: Worker<ArrivalJobData> | undefined;
  readonly #log: Logger;

  constructor(options: BullmqQueueOptions) {
    this.#options = options;
    this.#log = options.logger.child({ tag: 'queue' });
    // null: a command waits out a Redis outage instead of failing after 20 tries (BullMQ requires it for workers).
    this.redis = new Redis(options.redisUrl, { maxRetriesPerRequest: null, lazyConnect: false });
    // An outage is said once when it starts and once when it ends, not at every reconnection attempt.
    let unreachable = false;
    this.redis.on('error', (error: Error) => {
      if (!unreachable) this.#log.warn('the shared queue\'s Redis is unreachable; retrying (the hook\'s arrivals wait for the follower meanwhile)', { error: error.message });
      unreachable = true;
    });
    this.redis.on('ready', () => {
      if (unreachable) this.#log.info('the shared queue\'s Redis is reachable again');
      unreachable = false;
    });
    this.#queue = new Queue<ArrivalJobData>(queueName, {
      connection: this.redis,
      prefix: options.prefix,
      defaultJobOptions: {
        attempts: options.attempts ?? 6,
        backoff: { type: 'exponential', delay: options.backoffMs ?? 2_000 },
        // Kept an hour after completion so arrivals heard again meanwhile (hook, follower, other workers)
        // are the same job; after that a repeat is a new job that finds the SR stored and does no work.
        removeOnComplete: { age: 3_600, count: 50_000 },
        // Failed jobs wait for an operator (GET /api/queue/failed) for a week.
        removeOnFail: { age: 7 * 24 * 3_600 },
      },
    });
    this.#queue.on('error', (error: Error) => this.#log.debug('queue error', { error: error.message }));
  }

  get #modelSha(): string {
    return this.#options.service.model.onnxSha256;
  }

  async submit(orthancInstanceId: string, source: ArrivalSource): Promise<ArrivalOutcome> {
    // The hook must not pile arrivals up in memory during an outage: refuse, the follower brings them back.
    if (source === 'hook' && this.redis.status !== 'ready') throw new QueueUnavailableError(`The shared queue's Redis is not reachable (${this.redis.status})`);
    const admission = await admitArrival(this.#options.orthanc, orthancInstanceId);
    if (!admission.eligible) {
      this.#options.metrics.imagesSkipped.inc();
      return { kind: 'skipped', reason: admission.reason };
    }
    const { instance } = admission;
    const jobId = arrivalJobId(instance.SOPInstanceUID, this.#modelSha);
    await this.#queue.add(
      'classify',
      { orthancInstanceId, SOPInstanceUID: instance.SOPInstanceUID, StudyInstanceUID: instance.StudyInstanceUID, source },
      { jobId },
    );
    return { kind: 'queued', jobId, SOPInstanceUID: instance.SOPInstanceUID };
  }

  async start(): Promise<void> {
    if (this.#worker) return;
    const { redisUrl, prefix, concurrency, lockMs } = this.#options;
    const worker = new Worker<ArrivalJobData>(queueName, (job) => this.#process(job), {
      connection: { url: redisUrl, maxRetriesPerRequest: null },
      prefix,
      concurrency,
      lockDuration: lockMs,
      stalledInterval: lockMs,
      // A job stalls once when its worker dies, once more if Redis went away meanwhile: past that it fails.
      maxStalledCount: 2,
    });
    worker.on('error', (error: Error) => this.#log.debug('worker error', { error: error.message }));
    worker.on('failed', (job, error) => {
      if (!job) return;
      const final = job.attemptsMade >= (job.opts.attempts ?? 1);
      if (final) this.#options.metrics.queueJobsFailed.inc();
      const fields = { jobId: job.id, SOPInstanceUID: job.data.SOPInstanceUID, attempt: job.attemptsMade, error: error.message };
      if (final) this.#log.error('job failed its last attempt; listed at /api/queue/failed', fields);
      else this.#log.warn('job failed; retrying with backoff', fields);
    });
    worker.on('stalled', (jobId) => this.#log.warn('a worker lost its job (died, or Redis was away); it runs again', { jobId }));
    this.#worker = worker;
  }

  async #process(job: Job<ArrivalJobData>): Promise<{ readonly result: string }> {
    const { orthancInstanceId, source } = job.data;
    // Handed out again after a lost run (stalled) or a failed attempt: that run may have stored and not routed.
    const rerun = job.stalledCounter > 0 || job.attemptsMade > 0;
    const outcome = await this.#options.service.classifyOrthancInstance(orthancInstanceId, source, { waitForRoom: true, rerun });
    this.#log.debug(`job: instance ${outcome.kind}`, { jobId: job.id, ...outcome.item });
    if (outcome.kind === 'pending') {
      // Orthanc did not store the objects: they wait in this worker's outbox, on a disk that need not outlive
      // it (a Kubernetes emptyDir). The job stays in Redis and runs again with backoff until they are stored:
      // from this outbox while this worker lives, computed again by another worker if it does not.
      const { reason, message } = outcome.item.srNotStored;
      throw new Error(`the image's objects are not stored yet (${reason}: ${message}); this worker's outbox keeps them, the job runs again`);
    }
    return { result: outcome.kind };
  }

  async stop(): Promise<void> {
    // close() waits for the jobs this worker runs; what waits in Redis stays for the other workers.
    const worker = this.#worker;
    this.#worker = undefined;
    if (worker) {
      // Seen once here after a Redis restart: a worker whose loop never came back, and close() waited
      // for it for ever. Past one lock time, drop the connections: a job still held lapses to the others.
      const closed = await Promise.race([worker.close().then(() => true), sleep(this.#options.lockMs, undefined, { ref: false }).then(() => false)]);
      if (!closed) {
        this.#log.warn('the queue worker did not close within the lock time; disconnecting it (a job it held runs again elsewhere)');
        await worker.disconnect().catch(() => undefined);
      }
    }
    await this.#queue.close();
    this.redis.disconnect();
  }

  async failedJobs(limit = 500): Promise<FailedJob[]> {
    const jobs = await this.#queue.getFailed(0, Math.max(0, limit - 1));
    return jobs.filter((job): job is Job<ArrivalJobData> => job !== undefined && job.id !== undefined).map((job) => ({
      jobId: job.id as string,
      orthancInstanceId: job.data.orthancInstanceId,
      SOPInstanceUID: job.data.SOPInstanceUID,
      StudyInstanceUID: job.data.StudyInstanceUID,
      source: job.data.source,
      attempts: job.attemptsMade,
      failedReason: job.failedReason,
      ...(job.finishedOn ? { failedAt: new Date(job.finishedOn).toISOString() } : {}),
    }));
  }

  async retryFailed(): Promise<{ retried: number }> {
    const jobs = await this.#queue.getFailed();
    let retried = 0;
    for (const job of jobs) {
      if (!job) continue;
      // A fresh set of attempts: the operator fixed the cause, or wants it tried as new.
      await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
      retried++;
    }
    if (retried > 0) this.#log.info('failed jobs put back in the queue', { retried });
    return { retried };
  }

  async counts(): Promise<Partial<Record<JobState, number>>> {
    const counts = await this.#queue.getJobCounts(...jobStates);
    return Object.fromEntries(jobStates.map((state) => [state, counts[state] ?? 0]));
  }
}
