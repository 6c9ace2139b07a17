/**
 * Reading, decoding and preprocessing in a bounded pool of worker threads (piscina), so the sidecar's
 * main thread does only I/O and HTTP: health, metrics and the Lua hook's callback are answered at once
 * whatever file is being read, and several images decode in parallel. Each task has a time limit and
 * each thread a heap limit (`resourceLimits`); past either the thread is ended, the task refused with
 * its own code, and piscina starts a fresh thread. Pixel buffers live outside the V8 heap, so what bounds
 * them is the DICOM limits' declared sizes (dicom/limits.ts), checked before anything is decoded.
 */
import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import { DicomReadError, dicomLimitDefaults, type DicomLimits } from '../dicom/index.ts';
import { ownBuffer } from '../ownBuffer.ts';
import { ClassifyError } from './classifyError.ts';
import type { PreparedImage, PrepareOptions } from './prepareImage.ts';
import type { PrepareTask, PrepareTaskResult } from './prepareTask.ts';

export interface PreparePoolOptions {
  /** The model's input side (224). */
  readonly resolution: number;
  /** Threads; default: one per core. */
  readonly size?: number;
  /** What a file may hold before it is refused unread; default dicomLimitDefaults. */
  readonly limits?: DicomLimits;
  /** Past this a task is cancelled and its thread replaced. */
  readonly timeoutMs?: number;
  /** Old-generation heap per thread. */
  readonly maxHeapMb?: number;
}

export const preparePoolDefaults = Object.freeze({
  /** A 2800 × 2300 JPEG 2000 takes ~0.7 s here; 15 s leaves room for a loaded host, not for a hang. */
  timeoutMs: 15_000,
  /**
   * V8 grows a heap capped under 2 GB by 1.3–2× after each full collection instead of 4×, and counts the
   * images' ArrayBuffers against that growth: at 512 MB a thread ran a full collection every ~8 images,
   * 2–3 ms of CPU per image (bench folder). The DICOM limits bound what a file can make dcmjs allocate;
   * this bounds the rest.
   */
  maxHeapMb: 2048,
});

export const preparePoolEnv = Object.freeze({
  threads: 'CXR_PREPARE_THREADS',
  timeoutMs: 'CXR_PREPARE_TIMEOUT_MS',
  maxHeapMb: 'CXR_PREPARE_HEAP_MB',
});

export class PreparePool {
  readonly threads: number;
  readonly #piscina: Piscina<PrepareTask, PrepareTaskResult>;
  readonly #limits: DicomLimits;
  readonly #resolution: number;
  readonly #timeoutMs: number;
  readonly #maxHeapMb: number;

  /** For the sidecar (every image) and the CLI's folder path (several images decoding at once). */
  static create(options: PreparePoolOptions): PreparePool {
    return new PreparePool(options);
  }

  private constructor(options: PreparePoolOptions) {
    this.threads = options.size ?? availableParallelism();
    this.#limits = options.limits ?? dicomLimitDefaults;
    this.#resolution = options.resolution;
    this.#timeoutMs = options.timeoutMs ?? preparePoolDefaults.timeoutMs;
    this.#maxHeapMb = options.maxHeapMb ?? preparePoolDefaults.maxHeapMb;
    this.#piscina = new Piscina({
      filename: new URL('./prepareWorker.mjs', import.meta.url).href,
      // Started up front: a thread loads tsx, dcmjs and the codecs once, not during someone's request.
      minThreads: this.threads,
      maxThreads: this.threads,
      idleTimeout: Number.POSITIVE_INFINITY,
      resourceLimits: { maxOldGenerationSizeMb: this.#maxHeapMb, maxYoungGenerationSizeMb: 64 },
    });
  }

  /** Reads and preprocesses one file in a worker; rejects with ClassifyError as prepareImage does. */
  async prepare(part10: Uint8Array, options: PrepareOptions = {}, limits: { timeoutMs?: number } = {}): Promise<PreparedImage> {
    const timeoutMs = limits.timeoutMs ?? this.#timeoutMs;
    let result: PrepareTaskResult;
    try {
      const movable = options.handOver === true ? ownBuffer(part10) : undefined;
      result = await this.#piscina.run(
        { part10, limits: options.limits ?? this.#limits, resolution: this.#resolution, options: { ...options, keepImage: false } },
        { signal: AbortSignal.timeout(timeoutMs), ...(movable ? { transferList: [movable] } : {}) },
      );
    } catch (error) {
      throw this.#asClassifyError(error, timeoutMs);
    }
    if (result.ok) return result.prepared;
    const cause = result.dicomCode ? new DicomReadError(result.dicomCode, result.message) : undefined;
    throw new ClassifyError(result.code, result.message, cause ? { cause } : {});
  }

  /** Ends the threads (tasks in flight are refused). */
  async close(): Promise<void> {
    await this.#piscina.close({ force: true });
  }

  #asClassifyError(error: unknown, timeoutMs: number): ClassifyError {
    const name = (error as { name?: string } | undefined)?.name;
    const code = (error as NodeJS.ErrnoException | undefined)?.code;
    if (name === 'AbortError' || name === 'TimeoutError') {
      return new ClassifyError('limit-prepare-time', `Reading and preprocessing the image took longer than the limit of ${timeoutMs} ms (${preparePoolEnv.timeoutMs}); it was stopped`, {
        cause: error,
      });
    }
    if (code === 'ERR_WORKER_OUT_OF_MEMORY') {
      return new ClassifyError(
        'limit-prepare-memory',
        `Reading and preprocessing the image needed more than the limit of ${this.#maxHeapMb} MB of heap (${preparePoolEnv.maxHeapMb}); it was stopped`,
        { cause: error },
      );
    }
    const message = error instanceof Error ? error.message : String(error);
    return new ClassifyError('unreadable-dicom', `Reading the image failed in its worker thread: ${message}`, { cause: error });
  }
}
