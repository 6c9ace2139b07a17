import type { Logger } from '../log.ts';

/**
 * The hook's arrivals the full work queue refused, told to the operator once per burst rather than once
 * each. A refusal loses nothing (the changes follower classifies every instance once there is room), so
 * it is not a warning: one burst of 120 images wrote 52 warnings, each with its stack, which
 * hid the warnings that do need someone. The first refusal after a quiet interval is said at once, the
 * rest as a count at the end of each interval while they go on; each instance is still at debug.
 */
export class RefusedArrivals {
  readonly #logger: Logger;
  readonly #intervalMs: number;
  #counted = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(logger: Logger, options: { readonly intervalMs?: number } = {}) {
    this.#logger = logger;
    this.#intervalMs = options.intervalMs ?? 60_000;
  }

  refused(orthancInstanceId: string, queueLimit: number): void {
    this.#logger.debug('the work queue is full; left to the changes follower', { orthancInstanceId });
    if (this.#timer) {
      this.#counted += 1;
      return;
    }
    this.#logger.info(
      `the work queue is full (${queueLimit} images waiting): arrivals the hook names are left to the changes follower, which classifies each once there is room`,
      { orthancInstanceId },
    );
    this.#startInterval(queueLimit);
  }

  #startInterval(queueLimit: number): void {
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      if (this.#counted === 0) return;
      const refused = this.#counted;
      this.#counted = 0;
      this.#logger.info(`the work queue is still full (${queueLimit} images waiting): ${refused} more arrivals left to the changes follower`, { refused });
      this.#startInterval(queueLimit);
    }, this.#intervalMs);
    // A pending count must not keep a stopping process alive; the metric has every refusal anyway.
    this.#timer.unref();
  }
}
