import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { ClassifyError, type ClassifyErrorCode } from './classifyError.ts';
import type { PreparedImage, PrepareOptions } from './prepareImage.ts';

export interface PrepareRequest {
  readonly id: number;
  readonly part10: Uint8Array;
  readonly options: PrepareOptions;
}

export type PrepareReply =
  | { readonly id: number; readonly prepared: PreparedImage; readonly error?: undefined }
  | { readonly id: number; readonly error: { readonly code: ClassifyErrorCode; readonly message: string } };

/**
 * The worker's entry: compiled, the product runs dist/pipeline/prepareInWorker.js as it is; from its
 * TypeScript sources (tsx, the tests) a worker inherits no loader, so a small .mjs registers tsx first.
 */
const workerEntry = import.meta.url.endsWith('.ts') ? new URL('./prepareWorker.mjs', import.meta.url) : new URL('./prepareInWorker.js', import.meta.url);

interface Job {
  readonly request: PrepareRequest;
  readonly resolve: (prepared: PreparedImage) => void;
  readonly reject: (error: ClassifyError) => void;
}

/**
 * Reading and preprocessing on worker threads, one file per worker at a time, for the CLI's folder path:
 * a 2800×2300 JPEG 2000 frame takes ~0.7 s of WASM on the thread that decodes it, so only several
 * threads decode several images at once, and the main thread stays free to keep the model's sessions fed.
 * Files wait here in order; a worker that stops fails its file and is replaced.
 *
 * Deliberately small: the sidecar's bounded pool for hostile input (issue 10) is meant to absorb it —
 * the contract is only `prepare(bytes, options) → PreparedImage | ClassifyError` and `close()`.
 */
export class PreparePool {
  readonly #waiting: Job[] = [];
  readonly #idle: Worker[] = [];
  readonly #busy = new Map<Worker, Job>();
  #nextId = 1;
  #closed = false;

  private constructor(
    private readonly resolution: number,
    readonly size: number,
  ) {
    for (let i = 0; i < size; i++) this.#idle.push(this.#spawn());
  }

  /** `size` workers (default: one per core) for a model taking `resolution`² inputs. */
  static create(options: { resolution: number; size?: number }): PreparePool {
    const size = options.size ?? availableParallelism();
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`PreparePool: size must be a positive integer, got ${size}`);
    return new PreparePool(options.resolution, size);
  }

  /** Reads and preprocesses one file on a worker. The bytes are copied to it: the caller keeps its own. */
  prepare(part10: Uint8Array, options: PrepareOptions = {}): Promise<PreparedImage> {
    if (this.#closed) return Promise.reject(new Error('PreparePool: closed'));
    if (options.keepImage) return Promise.reject(new Error('PreparePool: keepImage needs the full image on the calling thread; prepare it there'));
    return new Promise((resolve, reject) => {
      this.#waiting.push({ request: { id: this.#nextId++, part10, options }, resolve, reject });
      this.#dispatch();
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const job of this.#waiting.splice(0)) job.reject(new ClassifyError('unreadable-dicom', 'PreparePool: closed before this file was read'));
    await Promise.all([...this.#idle.splice(0), ...this.#busy.keys()].map((worker) => worker.terminate()));
  }

  #spawn(): Worker {
    const worker = new Worker(workerEntry, { workerData: { resolution: this.resolution } });
    worker.on('message', (reply: PrepareReply) => {
      const job = this.#busy.get(worker);
      this.#busy.delete(worker);
      if (!this.#closed) this.#idle.push(worker);
      if (job && reply.id === job.request.id) {
        if (reply.error) job.reject(new ClassifyError(reply.error.code, reply.error.message));
        else job.resolve(reply.prepared);
      }
      this.#dispatch();
    });
    worker.on('error', (error) => this.#lost(worker, error));
    worker.on('exit', (code) => this.#lost(worker, new Error(`exit code ${code}`)));
    return worker;
  }

  /** A worker died (out of memory, a crash in WASM): its file fails with the reason, a new worker takes its place. */
  #lost(worker: Worker, error: Error): void {
    const job = this.#busy.get(worker);
    const wasIdle = this.#idle.indexOf(worker);
    if (wasIdle >= 0) this.#idle.splice(wasIdle, 1);
    if (job === undefined && wasIdle < 0) return;
    this.#busy.delete(worker);
    job?.reject(new ClassifyError('unreadable-dicom', `Reading the file stopped its worker thread: ${error.message}`, { cause: error }));
    if (!this.#closed) {
      this.#idle.push(this.#spawn());
      this.#dispatch();
    }
  }

  #dispatch(): void {
    while (this.#idle.length > 0 && this.#waiting.length > 0) {
      const worker = this.#idle.pop()!;
      const job = this.#waiting.shift()!;
      this.#busy.set(worker, job);
      worker.postMessage(job.request);
    }
  }
}
