import { performance } from 'node:perf_hooks';
import { readDicomImage } from '../dicom/index.ts';
import type { DicomDataset, DicomImage } from '../dicom/types.ts';
import type { FindingsModel } from '../model/index.ts';
import { prepareFrameInput, prepareModelInput, toXrvScale } from '../xray/index.ts';
import type { ModelInput, XrayImage } from '../xray/types.ts';
import { ClassifyError } from './classifyError.ts';
import { checkEligibility } from './eligibility.ts';
import type { ImageFindings } from './types.ts';

/** An image read, checked and turned into the model's input, waiting for a batch. */
export interface PreparedImage {
  readonly dataset: DicomDataset;
  readonly input: ModelInput;
  readonly width: number;
  readonly height: number;
  readonly decodeMs: number;
  readonly preprocessMs: number;
  /** The whole image in TorchXRayVision's scale, kept only when asked for (CAM overlays draw on it). */
  readonly image?: XrayImage;
}

export interface PrepareOptions {
  readonly checkEligibility?: boolean;
  readonly keepImage?: boolean;
}

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

function toClassifyError(cause: unknown, code: ClassifyError['code']): ClassifyError {
  if (cause instanceof ClassifyError) return cause;
  const message = cause instanceof Error ? cause.message : String(cause);
  return new ClassifyError(code, message, { cause });
}

/**
 * DICOM in, 18 findings out: reading, eligibility, TorchXRayVision preprocessing and one batched model
 * run. Created once per process around the one model session.
 */
export class FindingsPipeline {
  private constructor(
    readonly model: FindingsModel,
    private readonly maxBatch: number,
  ) {}

  static create(model: FindingsModel, options: { maxBatch?: number } = {}): FindingsPipeline {
    return new FindingsPipeline(model, options.maxBatch ?? 8);
  }

  /** Reads and preprocesses one file; throws ClassifyError naming what is wrong with it. */
  async prepare(part10: Uint8Array, options: PrepareOptions = {}): Promise<PreparedImage> {
    const t0 = performance.now();
    let image: DicomImage;
    try {
      image = await readDicomImage(part10);
    } catch (cause) {
      throw toClassifyError(cause, 'unreadable-dicom');
    }
    const t1 = performance.now();
    if (options.checkEligibility !== false) {
      const eligibility = checkEligibility(image.dataset);
      if (!eligibility.eligible) throw new ClassifyError('ineligible', `Not classified: ${eligibility.reason}`);
    }
    let input: ModelInput;
    let xray: XrayImage | undefined;
    try {
      const { resolution } = this.model.card.input;
      // The full-size scaled image is made only for whoever keeps it (overlays); the model's input comes
      // straight from the stored values otherwise, a third of the work.
      if (options.keepImage) {
        xray = toXrvScale(image.frame);
        input = prepareModelInput(xray, resolution);
      } else {
        input = prepareFrameInput(image.frame, resolution);
      }
    } catch (cause) {
      throw toClassifyError(cause, 'unsupported-image');
    }
    const t2 = performance.now();
    return {
      dataset: image.dataset,
      input,
      width: image.frame.columns,
      height: image.frame.rows,
      decodeMs: t1 - t0,
      preprocessMs: t2 - t1,
      ...(xray ? { image: xray } : {}),
    };
  }

  /** Runs the model over prepared images in batches of at most `maxBatch`. */
  async run(prepared: readonly PreparedImage[], options: { featureMaps?: boolean } = {}): Promise<ClassifiedImage[]> {
    const out: ClassifiedImage[] = [];
    for (let start = 0; start < prepared.length; start += this.maxBatch) {
      const batch = prepared.slice(start, start + this.maxBatch);
      const t0 = performance.now();
      const output = await this.model.run(
        batch.map((p) => p.input.tensor),
        { featureMaps: options.featureMaps === true },
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
   * Classifies chunk after chunk, preparing the next chunk while the model runs the current one:
   * decoding and resizing are JavaScript on the main thread, the model runs on onnxruntime's threads,
   * so a folder goes faster than chunk by chunk. Yields each chunk's outcomes in order.
   */
  async *classifyChunks(chunks: AsyncIterable<readonly Uint8Array[]> | Iterable<readonly Uint8Array[]>, options: ClassifyOptions = {}): AsyncGenerator<ClassifyOutcome[]> {
    let running: Promise<ClassifyOutcome[]> | undefined;
    for await (const files of chunks) {
      const prepared = await this.prepareAll(files, options);
      if (running) yield await running;
      running = this.finish(prepared, options);
    }
    if (running) yield await running;
  }

  private async prepareAll(files: readonly Uint8Array[], options: PrepareOptions): Promise<(PreparedImage | ClassifyError)[]> {
    const prepared: (PreparedImage | ClassifyError)[] = [];
    for (const file of files) {
      try {
        prepared.push(await this.prepare(file, options));
      } catch (cause) {
        prepared.push(toClassifyError(cause, 'unreadable-dicom'));
      }
    }
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
