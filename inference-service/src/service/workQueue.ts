/**
 * A bounded work queue with a concurrency limit, per process. Work beyond `concurrency` waits in a
 * queue of at most `maxQueue` items; past that, `QueueFullError` tells the caller to come back later
 * (the API answers 429 with Retry-After) rather than letting memory grow with the backlog.
 */

export class QueueFullError extends Error {
  override readonly name = 'QueueFullError';
  constructor(
    readonly maxQueue: number,
    /** A fair guess of when there will be room, from recent task durations. */
    readonly retryAfterSeconds: number,
  ) {
    super(`The work queue is full (${maxQueue} images waiting); retry in ${retryAfterSeconds} s`);
  }
}

export interface WorkQueueOptions {
  readonly concurrency: number;
  readonly maxQueue: number;
  /** Called whenever the number of waiting + running tasks changes (the queue depth gauge). */
  readonly onDepth?: (waiting: number, running: number) => void;
}

interface Waiting {
  readonly start: () => void;
}

/**
 * A place in the queue held before the work is known (an upload whose body is still to be read): it
 * counts against the queue's room at once. `run` spends it; `release` gives it back, and does nothing
 * once it was spent or given back.
 */
export interface QueueReservation {
  run<T>(task: () => Promise<T>): Promise<T>;
  release(): void;
}

export class WorkQueue {
  readonly concurrency: number;
  readonly maxQueue: number;
  #running = 0;
  #reserved = 0;
  readonly #waiting: Waiting[] = [];
  /** Exponential moving average of task duration, for Retry-After. */
  #averageTaskMs = 100;
  readonly #onDepth: ((waiting: number, running: number) => void) | undefined;
  #idleWaiters: (() => void)[] = [];

  constructor(options: WorkQueueOptions) {
    if (!Number.isInteger(options.concurrency) || options.concurrency < 1) {
      throw new RangeError(`WorkQueue: concurrency must be a positive integer, got ${options.concurrency}`);
    }
    if (!Number.isInteger(options.maxQueue) || options.maxQueue < 0) {
      throw new RangeError(`WorkQueue: maxQueue must be a non-negative integer, got ${options.maxQueue}`);
    }
    this.concurrency = options.concurrency;
    this.maxQueue = options.maxQueue;
    this.#onDepth = options.onDepth;
  }

  get running(): number {
    return this.#running;
  }

  get waiting(): number {
    return this.#waiting.length;
  }

  /** How many more tasks would be accepted right now without a QueueFullError. */
  get available(): number {
    return Math.max(0, this.concurrency - this.#running) + this.maxQueue - this.#waiting.length - this.#reserved;
  }

  get retryAfterSeconds(): number {
    const backlog = this.#waiting.length + this.#running;
    return Math.max(1, Math.ceil((backlog * this.#averageTaskMs) / this.concurrency / 1000));
  }

  /** Resolves once nothing runs or waits (for a graceful shutdown). */
  idle(): Promise<void> {
    if (this.#running === 0 && this.#waiting.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /** Refuses synchronously when full, so a caller can admit a whole request's images or none. */
  assertRoomFor(count: number): void {
    if (count > this.available) throw new QueueFullError(this.maxQueue, this.retryAfterSeconds);
  }

  /** Holds a place now (QueueFullError when there is none), for work that will be known later. */
  reserve(): QueueReservation {
    this.assertRoomFor(1);
    this.#reserved += 1;
    let held = true;
    const giveBack = (): boolean => {
      if (!held) return false;
      held = false;
      this.#reserved -= 1;
      return true;
    };
    return {
      run: <T>(task: () => Promise<T>): Promise<T> => {
        if (!giveBack()) return Promise.reject(new Error('WorkQueue: a reservation was used twice, or after it was released'));
        // Its room was taken when reserved: it waits its turn without a second check.
        return this.run(task, { bounded: false });
      },
      release: () => {
        giveBack();
      },
    };
  }

  /**
   * Runs `task` when a slot is free; rejects with QueueFullError (checked synchronously) when the
   * queue is full. `bounded: false` waits regardless: only for callers whose own concurrency is
   * bounded (the changes follower), so the total stays bounded too.
   */
  run<T>(task: () => Promise<T>, options: { bounded?: boolean } = {}): Promise<T> {
    if (this.#running < this.concurrency) return this.#start(task);
    if (options.bounded !== false && this.#waiting.length >= this.maxQueue) {
      return Promise.reject(new QueueFullError(this.maxQueue, this.retryAfterSeconds));
    }
    return new Promise<T>((resolve, reject) => {
      this.#waiting.push({ start: () => this.#start(task).then(resolve, reject) });
      this.#report();
    });
  }

  #start<T>(task: () => Promise<T>): Promise<T> {
    this.#running += 1;
    this.#report();
    const started = performance.now();
    const settle = (): void => {
      this.#averageTaskMs = 0.8 * this.#averageTaskMs + 0.2 * (performance.now() - started);
      this.#running -= 1;
      const next = this.#waiting.shift();
      if (next) next.start();
      else this.#report();
      if (this.#running === 0 && this.#waiting.length === 0) {
        const waiters = this.#idleWaiters;
        this.#idleWaiters = [];
        for (const resolve of waiters) resolve();
      }
    };
    let promise: Promise<T>;
    try {
      promise = task();
    } catch (error) {
      promise = Promise.reject(error);
    }
    return promise.finally(settle);
  }

  #report(): void {
    this.#onDepth?.(this.#waiting.length, this.#running);
  }
}
