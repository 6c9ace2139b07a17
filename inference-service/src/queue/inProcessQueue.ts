/**
 * The embedded default: an arrival is classified in this process, through the classification service's
 * bounded work queue, before `submit` resolves. This is the behaviour of one sidecar beside one Orthanc.
 */
import type { ClassificationService } from '../service/classificationService.ts';
import type { ArrivalOutcome, ArrivalQueue, ArrivalSource } from './arrivalQueue.ts';

export class InProcessArrivalQueue implements ArrivalQueue {
  readonly kind = 'in-process' as const;
  readonly #service: ClassificationService;

  constructor(service: ClassificationService) {
    this.#service = service;
  }

  async submit(orthancInstanceId: string, source: ArrivalSource): Promise<ArrivalOutcome> {
    const outcome = await this.#service.classifyOrthancInstance(orthancInstanceId, source);
    return { kind: 'done', result: outcome.kind, item: outcome.item };
  }

  async start(): Promise<void> {}

  /** The service's work queue drains on its own (the server waits for it). */
  async stop(): Promise<void> {}

  async failedJobs(): Promise<[]> {
    return [];
  }

  async retryFailed(): Promise<{ retried: number }> {
    return { retried: 0 };
  }

  async counts(): Promise<Record<string, never>> {
    return {};
  }
}
