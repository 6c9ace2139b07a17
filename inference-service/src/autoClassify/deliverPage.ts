/**
 * Hands one page of Orthanc changes to the new-instance handler: only NewInstance changes, a few at a
 * time, each retried a bounded number of times so one bad image never blocks the feed.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../log.ts';
import { OrthancUnavailableError } from '../orthanc/errors.ts';
import type { OrthancChange } from '../orthanc/types.ts';

export type NewInstanceHandler = (orthancInstanceId: string, change: OrthancChange) => Promise<unknown>;

/** `other`: a change that is not a new instance (NewSeries, StableStudy…), read past. */
export type Outcome = 'delivered' | 'abandoned' | 'interrupted' | 'other';

export interface DeliveryOptions {
  readonly onNewInstance: NewInstanceHandler;
  readonly concurrency: number;
  readonly maxAttempts: number;
  /** Wait before retry n is n × this. */
  readonly retryDelayMs: number;
  readonly log: Logger;
  /** Once true, nothing new starts and retries end: the follower is stopping. */
  readonly isStopping: () => boolean;
}

export interface PageDelivery {
  /** The last change up to which everything settled: an interrupted page resumes right after it. */
  readonly reached: OrthancChange | undefined;
  readonly outcomes: readonly Outcome[];
  /** Set when the handler found Orthanc unreachable: the rest of the page waits for the next pass. */
  readonly unavailable?: OrthancUnavailableError;
}

export async function deliverPage(changes: readonly OrthancChange[], options: DeliveryOptions): Promise<PageDelivery> {
  const outcomes: Array<Outcome | undefined> = changes.map((c) => (c.ChangeType === 'NewInstance' ? undefined : 'other'));
  const pending = changes.map((_, i) => i).filter((i) => outcomes[i] === undefined);
  let unavailable: OrthancUnavailableError | undefined;
  const worker = async (): Promise<void> => {
    for (let next = pending.shift(); next !== undefined; next = pending.shift()) {
      if (unavailable || options.isStopping()) {
        outcomes[next] = 'interrupted';
        continue;
      }
      try {
        outcomes[next] = await deliverOne(changes[next] as OrthancChange, options);
      } catch (error) {
        outcomes[next] = 'interrupted';
        if (error instanceof OrthancUnavailableError) unavailable ??= error;
        else throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));

  let reached: OrthancChange | undefined;
  for (const [i, change] of changes.entries()) {
    if (outcomes[i] === 'interrupted') break;
    reached = change;
  }
  const settled = outcomes.map((o) => o ?? 'interrupted');
  return unavailable ? { reached, outcomes: settled, unavailable } : { reached, outcomes: settled };
}

/** One instance, retried. Orthanc being down is not the instance's fault: that propagates instead. */
async function deliverOne(change: OrthancChange, options: DeliveryOptions): Promise<Outcome> {
  const { maxAttempts, retryDelayMs, onNewInstance, log } = options;
  for (let attempt = 1; ; attempt++) {
    try {
      await onNewInstance(change.ID, change);
      return 'delivered';
    } catch (error) {
      if (error instanceof OrthancUnavailableError) throw error;
      const fields = { orthancInstanceId: change.ID, seq: change.Seq, attempt, maxAttempts, error };
      if (attempt >= maxAttempts) {
        log.error('New instance handler kept failing; passing over this instance', fields);
        return 'abandoned';
      }
      log.warn('New instance handler failed; retrying', fields);
      if (options.isStopping()) return 'interrupted';
      await sleep(retryDelayMs * attempt);
    }
  }
}
