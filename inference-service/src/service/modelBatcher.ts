/**
 * Gathers images prepared by concurrent requests into one model run. While the model is busy, newly
 * prepared images wait; when it frees up, everything waiting (up to `maxBatch`) goes in one batch.
 * A lone request therefore pays no added latency, and under load the model sees full batches
 * (measured here: ~26.5 ms/image at batch 8 against 28–30 ms at batch 1 on two cores).
 */

interface Pending<I, O> {
  readonly item: I;
  readonly resolve: (value: O) => void;
  readonly reject: (reason: unknown) => void;
}

export class ModelBatcher<I, O> {
  readonly #runBatch: (items: readonly I[]) => Promise<readonly O[]>;
  readonly #maxBatch: number;
  readonly #pending: Pending<I, O>[] = [];
  #busy = false;

  constructor(runBatch: (items: readonly I[]) => Promise<readonly O[]>, options: { maxBatch: number }) {
    if (!Number.isInteger(options.maxBatch) || options.maxBatch < 1) {
      throw new RangeError(`ModelBatcher: maxBatch must be a positive integer, got ${options.maxBatch}`);
    }
    this.#runBatch = runBatch;
    this.#maxBatch = options.maxBatch;
  }

  run(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.#pending.push({ item, resolve, reject });
      this.#drain();
    });
  }

  #drain(): void {
    if (this.#busy || this.#pending.length === 0) return;
    this.#busy = true;
    // onnxruntime-node runs a session on the calling thread: let waiting I/O in first. Items that
    // arrive meanwhile join this batch.
    setImmediate(() => {
      const batch = this.#pending.splice(0, this.#maxBatch);
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
          this.#busy = false;
          this.#drain();
        });
    });
  }
}
