/**
 * Where arrivals (the Lua hook's announcements, Orthanc's `/changes`) go to be classified. Two
 * implementations behind one interface: in-process (the default, one sidecar: an arrival is classified
 * by the process that heard of it) and BullMQ on Redis (`CXR_REDIS_URL`: any number of sidecar workers
 * on any machines share one queue; a job is an image for a model, so it is done once whoever hears of it).
 */
import type { ClassifySource } from '../service/types.ts';

export type ArrivalSource = Extract<ClassifySource, 'hook' | 'changes'>;

/** What became of one arrival when it was handed over. */
export type ArrivalOutcome =
  /** In-process: classified (or found classified, or its SR waits in the outbox) before this returned. */
  | { readonly kind: 'done'; readonly result: 'classified' | 'pending' | 'skipped'; readonly item: object }
  /** Shared queue: a job exists for this image and model (made now, or already there: `jobId` dedups). */
  | { readonly kind: 'queued'; readonly jobId: string; readonly SOPInstanceUID: string }
  /** Not a job at all: not eligible (our own SRs among them), or no longer in Orthanc. */
  | { readonly kind: 'skipped'; readonly reason: string };

/** A job that failed every attempt; it stays listed until retried or it ages out. */
export interface FailedJob {
  readonly jobId: string;
  readonly orthancInstanceId: string;
  readonly SOPInstanceUID: string;
  readonly StudyInstanceUID: string;
  readonly source: ArrivalSource;
  readonly attempts: number;
  readonly failedReason: string;
  readonly failedAt?: string;
}

export type JobState = 'waiting' | 'active' | 'delayed' | 'failed' | 'completed';

export interface ArrivalQueue {
  readonly kind: 'in-process' | 'bullmq';
  /**
   * Hands one arrival over. The hook's are refused at once when there is no room (QueueFullError) or no
   * queue (QueueUnavailableError): the changes follower sees every instance and brings them back; the
   * follower's wait, so its cursor moves past an instance only once that instance is safe.
   */
  submit(orthancInstanceId: string, source: ArrivalSource): Promise<ArrivalOutcome>;
  /** Starts taking jobs (BullMQ: this process becomes one of the workers). */
  start(): Promise<void>;
  /** Stops taking jobs; resolves once the jobs this process runs settled. */
  stop(): Promise<void>;
  /** Jobs that failed after their retries (none in-process: the follower logs and passes over those). */
  failedJobs(limit?: number): Promise<FailedJob[]>;
  /** Puts every failed job back in the queue; how many. */
  retryFailed(): Promise<{ readonly retried: number }>;
  /** Jobs by state across every worker (empty in-process: the work queue's gauges say it). */
  counts(): Promise<Partial<Record<JobState, number>>>;
}

/** The shared queue cannot be reached (Redis down): nothing was queued. */
export class QueueUnavailableError extends Error {
  override readonly name = 'QueueUnavailableError';
}

/**
 * A job's id: the image and the model, so the hook and the follower of several workers hearing of one
 * arrival make one job. BullMQ refuses ':' in custom ids; UIDs are digits and dots, the hash hex.
 */
export function arrivalJobId(SOPInstanceUID: string, modelSha256: string): string {
  return `${SOPInstanceUID}_${modelSha256.slice(0, 16)}`;
}
