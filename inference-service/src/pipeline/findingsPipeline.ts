import { performance } from 'node:perf_hooks';
import { dicomLimitDefaults, type DicomLimits } from '../dicom/limits.ts';
import type { DicomDataset } from '../dicom/types.ts';
import type { FindingsModel } from '../model/index.ts';
import { ClassifyError } from './classifyError.ts';
import { prepareImage, toClassifyError } from './prepareImage.ts';
import type { PreparedImage, PrepareOptions } from './prepareImage.ts';
import type { PreparePool } from './preparePool.ts';
import type { ImageFindings } from './types.ts';

export type { PreparedImage, PrepareOptions } from './prepareImage.ts';

export interface ClassifyOptions extends PrepareOptions {
  /** Also return the last feature maps (class activation maps). */
  readonly featureMaps?: boolean;
}

export interface ClassifiedImage {
  readonly result: ImageFindings;
  readonly prepared: PreparedImage;
  /** Post-ReLU last feature maps, only when asked for (class activation maps). */
  readonly featureMaps?: { readonly data: Float32Array; readonly channels: number; readonly height: number; readonly width: number };
}

export type ClassifyOutcome = ({ readonly ok: true } & ClassifiedImage) | { readonly ok: false; readonly error: ClassifyError };

function uid(dataset: DicomDataset, keyword: string): string {
  const value = dataset[keyword];
  return typeof value === 'string' ? value : '';
}

/**
 * DICOM in, 18 findings out: reading, eligibility, TorchXRayVision preprocessing and one batched model
 * run. Created once per process around the one model session.
 */
export class FindingsPipeline {
  private constructor(
    readonly model: FindingsModel,
    private readonly maxBatch: number,
    private readonly preparePool: PreparePool | undefined,
    /** What a file may hold before it is refused unread (dicom/limits.ts). */
    readonly dicomLimits: DicomLimits,
  ) {}

  /**
   * `preparePool`: read and preprocess on those worker threads (the pipeline then owns the pool and
   * closes it in dispose()); without one, on the calling thread.
   */
  static create(model: FindingsModel, options: { maxBatch?: number; preparePool?: PreparePool; dicomLimits?: DicomLimits } = {}): FindingsPipeline {
    return new FindingsPipeline(model, options.maxBatch ?? 8, options.preparePool, options.dicomLimits ?? dicomLimitDefaults);
  }

  /** Reads and preprocesses one file; throws ClassifyError naming what is wrong with it. */
  prepare(part10: Uint8Array, given: PrepareOptions = {}): Promise<PreparedImage> {
    const options = { ...given, limits: this.dicomLimits };
    // Overlays need the full-size image, which stays on the thread that made it.
    if (this.preparePool && !options.keepImage) return this.preparePool.prepare(part10, options);
    return prepareImage(part10, this.model.card.input.resolution, options);
  }

  /** Releases the model and the prepare workers. */
  async dispose(): Promise<void> {
    await Promise.all([this.model.dispose(), this.preparePool?.close()]);
  }

  /** Runs the model over prepared images in batches of at most `maxBatch`. */
  async run(prepared: readonly PreparedImage[], options: { featureMaps?: boolean; alone?: boolean } = {}): Promise<ClassifiedImage[]> {
    const out: ClassifiedImage[] = [];
    for (let start = 0; start < prepared.length; start += this.maxBatch) {
      const batch = prepared.slice(start, start + this.maxBatch);
      const t0 = performance.now();
      const output = await this.model.run(
        batch.map((p) => p.input.tensor),
        { featureMaps: options.featureMaps === true, alone: options.alone === true },
      );
      const inferenceMs = (performance.now() - t0) / batch.length;
      batch.forEach((p, i) => {
        const probabilities = output.probabilities[i];
        if (!probabilities) throw new ClassifyError('model-failure', `The model returned ${output.probabilities.length} results for ${batch.length} images`);
        const featureMaps = output.featureMaps?.[i];
        out.push({
          prepared: p,
          result: this.describe(p, probabilities, inferenceMs),
          ...(featureMaps ? { featureMaps } : {}),
        });
      });
    }
    return out;
  }

  /** Prepares and runs many files; a bad file becomes an error outcome, the others go on. */
  async classify(files: readonly Uint8Array[], options: ClassifyOptions = {}): Promise<ClassifyOutcome[]> {
    return this.finish(await this.prepareAll(files, options), options);
  }

  /**
   * Classifies chunk after chunk, yielding each chunk's outcomes in order. Chunks overlap: while the
   * model runs some, the next are read and preprocessed (on the prepare pool's threads when there is
   * one), and as many chunks run at once as the model computes runs at once (its 'throughput' layout
   * has one session per thread), so neither the decoders nor the sessions wait on each other.
   *
   * Chunks are prepared one after another: the pool takes every file of a chunk at once, and with two
   * chunks' files queued together it finished them in any order, so the model waited for the first
   * chunk while the third was ready. A chunk that finishes early frees its place for the next at once,
   * its outcomes kept until those before it are yielded: waiting for them in order left a session idle
   * when the other session's chunk ended first (a 64-image folder measured 27 images/s against 29).
   */
  async *classifyChunks(chunks: AsyncIterable<readonly Uint8Array[]> | Iterable<readonly Uint8Array[]>, options: ClassifyOptions = {}): AsyncGenerator<ClassifyOutcome[]> {
    // Chunks in work: one per concurrent run, one being prepared, one ready to go when a run ends; and
    // at most as many again finished, waiting for an earlier one.
    const depth = this.model.parallelRuns + 2;
    const waiting: { readonly outcomes: Promise<ClassifyOutcome[]>; settled: boolean }[] = [];
    const unfinished = (): number => waiting.filter((entry) => !entry.settled).length;
    let wake: (() => void) | undefined;
    let preparing: Promise<unknown> = Promise.resolve();
    for await (const files of chunks) {
      const prepared = preparing.then(() => this.prepareAll(files, options));
      preparing = prepared.catch(() => undefined);
      const entry = { outcomes: prepared.then((p) => this.finish(p, options)), settled: false };
      // Awaited in order below; until then a failure must not count as unhandled.
      entry.outcomes.catch(() => undefined);
      const settle = (): void => {
        entry.settled = true;
        wake?.();
      };
      entry.outcomes.then(settle, settle);
      waiting.push(entry);
      while (unfinished() >= depth || waiting.length >= 2 * depth || waiting[0]?.settled) {
        if (waiting[0]?.settled) yield await waiting.shift()!.outcomes;
        else await new Promise<void>((resolve) => (wake = resolve));
      }
    }
    while (waiting.length > 0) yield await waiting.shift()!.outcomes;
  }

  private async prepareAll(files: readonly Uint8Array[], options: PrepareOptions): Promise<(PreparedImage | ClassifyError)[]> {
    const one = (file: Uint8Array) => this.prepare(file, options).catch((cause: unknown) => toClassifyError(cause, 'unreadable-dicom'));
    // With a pool every file of the chunk is queued there at once; on this thread one after another.
    if (this.preparePool && !options.keepImage) return Promise.all(files.map(one));
    const prepared: (PreparedImage | ClassifyError)[] = [];
    for (const file of files) prepared.push(await one(file));
    return prepared;
  }

  private async finish(prepared: readonly (PreparedImage | ClassifyError)[], options: ClassifyOptions): Promise<ClassifyOutcome[]> {
    const ready = prepared.filter((p): p is PreparedImage => !(p instanceof ClassifyError));
    const classified = await this.run(ready, options);
    let next = 0;
    return prepared.map((p): ClassifyOutcome => {
      if (p instanceof ClassifyError) return { ok: false, error: p };
      const c = classified[next++];
      return c ? { ok: true, ...c } : { ok: false, error: new ClassifyError('model-failure', 'The image produced no result') };
    });
  }

  private describe(prepared: PreparedImage, probabilities: Float32Array, inferenceMs: number): ImageFindings {
    const { card } = this.model;
    const findings: Record<string, number> = {};
    card.labels.forEach((label, i) => {
      findings[label] = probabilities[i] ?? Number.NaN;
    });
    return {
      StudyInstanceUID: uid(prepared.dataset, 'StudyInstanceUID'),
      SeriesInstanceUID: uid(prepared.dataset, 'SeriesInstanceUID'),
      SOPInstanceUID: uid(prepared.dataset, 'SOPInstanceUID'),
      findings,
      model: {
        id: card.id,
        kind: card.kind,
        onnxSha256: card.onnx?.sha256 ?? '',
        ...(card.warning ? { warning: card.warning } : {}),
      },
      timingsMs: { decode: prepared.decodeMs, preprocess: prepared.preprocessMs, inference: inferenceMs },
    };
  }
}
