/**
 * Gathers images prepared by concurrent requests into model runs. While the model is busy, newly
 * prepared images wait; when it frees up, everything waiting (up to `maxBatch`) goes in one batch.
 * A lone request therefore pays no added latency, and under load the model sees full batches
 * (measured here: ~26.5 ms/image at batch 8 against 28–30 ms at batch 1 on two cores).
 *
 * With a model that computes several runs at once (the 'throughput' layout: one session per thread),
 * up to `maxConcurrent` batches are in flight, the waiting images shared evenly between the free runs
 * so no session idles while another has a long batch.
 */

interface Pending<I, O> {
  readonly item: I;
  readonly resolve: (value: O) => void;
  readonly reject: (reason: unknown) => void;
}

export class ModelBatcher<I, O> {
  readonly #runBatch: (items: readonly I[]) => Promise<readonly O[]>;
  readonly #maxBatch: number;
  readonly #maxConcurrent: number;
  readonly #pending: Pending<I, O>[] = [];
  #running = 0;
  #scheduled = false;

  constructor(runBatch: (items: readonly I[]) => Promise<readonly O[]>, options: { maxBatch: number; maxConcurrent?: number }) {
    if (!Number.isInteger(options.maxBatch) || options.maxBatch < 1) {
      throw new RangeError(`ModelBatcher: maxBatch must be a positive integer, got ${options.maxBatch}`);
    }
    const maxConcurrent = options.maxConcurrent ?? 1;
    if (!Number.isInteger(maxConcurrent) || maxConcurrent < 1) {
      throw new RangeError(`ModelBatcher: maxConcurrent must be a positive integer, got ${maxConcurrent}`);
    }
    this.#runBatch = runBatch;
    this.#maxBatch = options.maxBatch;
    this.#maxConcurrent = maxConcurrent;
  }

  run(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.#pending.push({ item, resolve, reject });
      this.#drain();
    });
  }

  #drain(): void {
    if (this.#scheduled || this.#running >= this.#maxConcurrent || this.#pending.length === 0) return;
    this.#scheduled = true;
    // onnxruntime-node runs a session on the calling thread: let waiting I/O in first. Items that
    // arrive meanwhile join these batches.
    setImmediate(() => {
      this.#scheduled = false;
      while (this.#running < this.#maxConcurrent && this.#pending.length > 0) {
        const free = this.#maxConcurrent - this.#running;
        const size = Math.min(this.#maxBatch, Math.ceil(this.#pending.length / free));
        this.#start(this.#pending.splice(0, size));
      }
    });
  }

  #start(batch: Pending<I, O>[]): void {
    this.#running += 1;
    this.#runBatch(batch.map((p) => p.item))
      .then(
        (outputs) => {
          batch.forEach((p, i) => {
            const output = outputs[i];
            if (output === undefined) p.reject(new Error(`ModelBatcher: the batch returned ${outputs.length} results for ${batch.length} items`));
            else p.resolve(output);
          });
        },
        (error: unknown) => {
          for (const p of batch) p.reject(error);
        },
      )
      .finally(() => {
        this.#running -= 1;
        this.#drain();
      });
  }
}
