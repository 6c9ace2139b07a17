import { Worker } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';
import { ownBuffer } from '../ownBuffer.ts';

export interface TensorData {
  readonly data: Float32Array;
  readonly dims: readonly number[];
}

/** What FindingsModel needs of an onnxruntime session, wherever it runs. */
export interface OrtSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  readonly inputMetadata: readonly ort.InferenceSession.ValueMetadata[];
  readonly outputMetadata: readonly ort.InferenceSession.ValueMetadata[];
  /**
   * A worker session takes over the feeds' buffers that their data fills alone (they are detached here):
   * a batch of 8 is 1.6 MB, and its copy was garbage the main thread's collector had to trace, twice.
   */
  run(feeds: Record<string, TensorData>, fetches: readonly string[]): Promise<Record<string, TensorData | undefined>>;
  release(): Promise<void>;
  /** Why the session can no longer run (its worker stopped), or undefined while it can. */
  readonly failure: Error | undefined;
}

/** Where a session computes: on the calling thread (a CLI), or on a worker thread (a server). */
export type SessionThread = 'main' | 'worker';

/**
 * Several sessions of the same model, each in its own worker thread, behind one OrtSession: a run goes
 * to the session with the fewest runs queued, so `count` runs compute at once. A run queued behind
 * another on the same worker starts there without waiting for this thread (a busy main thread would
 * otherwise leave a session idle until it got round to posting the next batch).
 */
export async function createSessionPool(onnxPath: string, options: ort.InferenceSession.SessionOptions, count: number): Promise<OrtSession> {
  if (count === 1) return WorkerSession.create(onnxPath, options);
  const settled = await Promise.allSettled(Array.from({ length: count }, () => WorkerSession.create(onnxPath, options)));
  const sessions = settled.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    await Promise.all(sessions.map((session) => session.release()));
    throw failed.reason;
  }
  return new SessionPool(sessions);
}

class SessionPool implements OrtSession {
  constructor(private readonly sessions: readonly WorkerSession[]) {}

  get inputNames() {
    return this.sessions[0]!.inputNames;
  }
  get outputNames() {
    return this.sessions[0]!.outputNames;
  }
  get inputMetadata() {
    return this.sessions[0]!.inputMetadata;
  }
  get outputMetadata() {
    return this.sessions[0]!.outputMetadata;
  }

  /** The first stopped worker's reason: a pool with a dead member is failed as a whole, never half-used. */
  get failure(): Error | undefined {
    return this.sessions.find((session) => session.failure)?.failure;
  }

  run(feeds: Record<string, TensorData>, fetches: readonly string[]): Promise<Record<string, TensorData | undefined>> {
    const failure = this.failure;
    if (failure) return Promise.reject(failure);
    let least = this.sessions[0]!;
    for (const session of this.sessions) if (session.queued < least.queued) least = session;
    return least.run(feeds, fetches);
  }

  async release(): Promise<void> {
    await Promise.all(this.sessions.map((session) => session.release()));
  }
}

export async function createOrtSession(onnxPath: string, options: ort.InferenceSession.SessionOptions, thread: SessionThread): Promise<OrtSession> {
  if (thread === 'worker') return WorkerSession.create(onnxPath, options);
  const session = await ort.InferenceSession.create(onnxPath, options);
  return {
    inputNames: session.inputNames,
    outputNames: session.outputNames,
    inputMetadata: session.inputMetadata,
    outputMetadata: session.outputMetadata,
    async run(feeds, fetches) {
      const tensors = Object.fromEntries(Object.entries(feeds).map(([name, t]) => [name, new ort.Tensor('float32', t.data, t.dims)]));
      const results = await session.run(tensors, [...fetches]);
      return Object.fromEntries(
        fetches.map((name) => {
          const t = results[name];
          return [name, t && t.data instanceof Float32Array ? { data: t.data, dims: t.dims } : undefined];
        }),
      );
    },
    release: () => session.release(),
    failure: undefined,
  };
}

type WorkerReply =
  | { type: 'ready'; inputNames: string[]; outputNames: string[]; inputMetadata: ort.InferenceSession.ValueMetadata[]; outputMetadata: ort.InferenceSession.ValueMetadata[] }
  | { type: 'failed'; message: string }
  | { type: 'result'; id: number; outputs: Record<string, TensorData> }
  | { type: 'error'; id: number; message: string };

/** A session owned by a worker thread; runs are queued there one after another, as on one session. */
class WorkerSession implements OrtSession {
  readonly #pending = new Map<number, { resolve: (o: Record<string, TensorData>) => void; reject: (e: Error) => void }>();
  #nextId = 1;
  #exited: Error | undefined;

  private constructor(
    private readonly worker: Worker,
    readonly inputNames: readonly string[],
    readonly outputNames: readonly string[],
    readonly inputMetadata: readonly ort.InferenceSession.ValueMetadata[],
    readonly outputMetadata: readonly ort.InferenceSession.ValueMetadata[],
    private readonly onnxPath: string,
  ) {
    worker.on('message', (reply: WorkerReply) => {
      if (reply.type !== 'result' && reply.type !== 'error') return;
      const pending = this.#pending.get(reply.id);
      this.#pending.delete(reply.id);
      if (reply.type === 'result') pending?.resolve(reply.outputs);
      else pending?.reject(new Error(`onnxruntime failed on ${onnxPath}: ${reply.message}`));
    });
    worker.on('exit', (code) => {
      this.#exited = new Error(`The onnxruntime worker for ${onnxPath} has stopped (exit code ${code})`);
      for (const { reject } of this.#pending.values()) reject(this.#exited);
      this.#pending.clear();
    });
  }

  static async create(onnxPath: string, sessionOptions: ort.InferenceSession.SessionOptions): Promise<WorkerSession> {
    const worker = new Worker(new URL('./ortWorker.mjs', import.meta.url), { workerData: { onnxPath, sessionOptions } });
    const ready = await new Promise<Extract<WorkerReply, { type: 'ready' }>>((resolve, reject) => {
      const onError = (error: Error) => reject(new Error(`The onnxruntime worker for ${onnxPath} failed to start: ${error.message}`, { cause: error }));
      worker.once('error', onError);
      worker.once('message', (reply: WorkerReply) => {
        worker.off('error', onError);
        if (reply.type === 'ready') resolve(reply);
        else reject(new Error(reply.type === 'failed' ? reply.message : `unexpected first message '${reply.type}' from the onnxruntime worker`));
      });
    });
    return new WorkerSession(worker, ready.inputNames, ready.outputNames, ready.inputMetadata, ready.outputMetadata, onnxPath);
  }

  get failure(): Error | undefined {
    return this.#exited;
  }

  /** Runs posted to the worker and not yet answered. */
  get queued(): number {
    return this.#pending.size;
  }

  run(feeds: Record<string, TensorData>, fetches: readonly string[]): Promise<Record<string, TensorData | undefined>> {
    if (this.#exited) return Promise.reject(this.#exited);
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      const buffers = new Set(Object.values(feeds).flatMap((t) => ownBuffer(t.data) ?? []));
      this.worker.postMessage({ type: 'run', id, feeds, fetches }, [...buffers]);
    });
  }

  async release(): Promise<void> {
    if (this.#exited) return;
    const exited = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
    this.worker.postMessage({ type: 'release' });
    await exited;
  }
}
