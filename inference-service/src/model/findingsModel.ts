import * as ort from 'onnxruntime-node';
import { denseNetOnnxNames } from './onnxNames.ts';
import type { ModelCard } from './modelCard.ts';
import { calibratedProbabilities } from './opNorm.ts';
import { modelLayouts, type ModelLayout } from './modelLayout.ts';
import { createOrtSession, createSessionPool, type OrtSession, type SessionThread } from './ortSession.ts';

/** The machine this runs on has 2 cores; the sidecar's HTTP work is light next to a forward pass. */
export const defaultIntraOpThreads = 2;


export interface FeatureMaps {
  readonly data: Float32Array;
  readonly channels: number;
  readonly height: number;
  readonly width: number;
}

export interface FindingsOutput {
  /** Per image, in `card.labels` order: sigmoid, then op_norm with the card's thresholds (threshold → 0.5). */
  readonly probabilities: Float32Array[];
  readonly logits: Float32Array[];
  /** Per image, only when asked for: the post-ReLU last feature maps, [channels, height, width] row-major. */
  readonly featureMaps?: FeatureMaps[];
  /** The threads of the session that ran the batch (the 'adaptive' layout has sessions of N threads and of 1). */
  readonly threads: number;
}

export interface FindingsModelOptions {
  readonly onnxPath: string;
  readonly card: ModelCard;
  readonly intraOpThreads?: number;
  /**
   * Where the forward pass computes. 'worker' (the default) keeps the calling thread free: onnxruntime-node
   * blocks the thread that calls run() for the whole pass. 'main' saves the worker's start-up (~0.2 s).
   */
  readonly thread?: SessionThread;
  /**
   * Whether onnxruntime's intra-op threads spin between the graph's parallel sections instead of sleeping.
   * Measured here: a lone run 2–3 ms faster (about 28 vs 30.5 ms), but a folder 7–12 % slower, as the
   * spinning thread takes the core that decodes the next images; and when the host takes a vCPU away, a
   * spinning run slows far more (median 47 against 33 ms sleeping, measured at the same moment). Off unless asked for.
   */
  readonly spinning?: boolean;
  /** 'latency' (the default), 'throughput' or 'adaptive'; see ModelLayout. The last two always run on worker threads. */
  readonly layout?: ModelLayout;
}

function describeShape(meta: ort.InferenceSession.ValueMetadata | undefined): string {
  return meta?.isTensor ? `[${meta.shape.join(',')}]` : 'not a tensor';
}

/**
 * One onnxruntime session over the DenseNet of a model card, in onnxruntime-node's own shape: created once at
 * start-up with `create()`, which checks the graph's interface against the card, passed to whoever needs it,
 * and released with `dispose()`.
 */
export class FindingsModel {
  private constructor(
    private readonly session: OrtSession,
    readonly card: ModelCard,
    readonly onnxPath: string,
    readonly layout: ModelLayout,
    /** How many runs compute at once: callers with more work than that keep this many in flight. */
    readonly parallelRuns: number,
    private readonly intraOpThreads: number,
    /** 'adaptive' only: the session of all the threads, for a run that has the machine to itself. */
    private readonly alone?: OrtSession,
  ) {}

  static async create({
    onnxPath,
    card,
    intraOpThreads = defaultIntraOpThreads,
    thread = 'worker',
    spinning = false,
    layout = 'latency',
  }: FindingsModelOptions): Promise<FindingsModel> {
    if (!Number.isInteger(intraOpThreads) || intraOpThreads < 1) {
      throw new Error(`FindingsModel.create: intraOpThreads must be a positive integer, got ${intraOpThreads}`);
    }
    if (!(modelLayouts as readonly string[]).includes(layout)) {
      throw new Error(`FindingsModel.create: layout must be one of ${modelLayouts.join(', ')}, got '${String(layout)}'`);
    }
    const oneThreadSessions = layout === 'latency' ? 0 : intraOpThreads;
    const options = (threads: number) =>
      ({
        intraOpNumThreads: threads,
        interOpNumThreads: 1,
        executionMode: 'sequential',
        graphOptimizationLevel: 'all',
        extra: { session: { intra_op: { allow_spinning: spinning ? '1' : '0' } } },
      }) satisfies ort.InferenceSession.SessionOptions;
    const made: OrtSession[] = [];
    const make = async (create: () => Promise<OrtSession>) => {
      const session = await create();
      made.push(session);
      return session;
    };
    let session: OrtSession;
    let alone: OrtSession | undefined;
    try {
      session =
        layout === 'latency'
          ? await make(() => createOrtSession(onnxPath, options(intraOpThreads), thread))
          : await make(() => createSessionPool(onnxPath, options(1), oneThreadSessions));
      alone = layout === 'adaptive' ? await make(() => createOrtSession(onnxPath, options(intraOpThreads), 'worker')) : undefined;
    } catch (cause) {
      await Promise.all(made.map((one) => one.release()));
      throw new Error(`FindingsModel.create: onnxruntime cannot load ${onnxPath}`, { cause });
    }
    try {
      for (const one of made) FindingsModel.checkInterface(one, card, onnxPath);
    } catch (error) {
      await Promise.all(made.map((one) => one.release()));
      throw error;
    }
    return new FindingsModel(session, card, onnxPath, layout, Math.max(1, oneThreadSessions), intraOpThreads, alone);
  }

  private static checkInterface(session: OrtSession, card: ModelCard, onnxPath: string): void {
    const { resolution, channels } = card.input;
    const input = session.inputMetadata.find((m) => m.name === denseNetOnnxNames.input);
    if (session.inputNames.length !== 1 || !input?.isTensor) {
      throw new Error(`FindingsModel: ${onnxPath} must have the one input '${denseNetOnnxNames.input}', it has [${session.inputNames.join(', ')}]`);
    }
    const [, c, h, w] = input.shape;
    if (input.type !== 'float32' || input.shape.length !== 4 || c !== channels || h !== resolution || w !== resolution) {
      throw new Error(
        `FindingsModel: input '${input.name}' of ${onnxPath} is ${input.type} ${describeShape(input)}, ` +
          `the card '${card.id}' needs float32 [N,${channels},${resolution},${resolution}]`,
      );
    }
    for (const name of [denseNetOnnxNames.logits, denseNetOnnxNames.features]) {
      if (!session.outputNames.includes(name)) {
        throw new Error(`FindingsModel: ${onnxPath} has no output '${name}' (outputs: ${session.outputNames.join(', ')})`);
      }
    }
    const logits = session.outputMetadata.find((m) => m.name === denseNetOnnxNames.logits);
    const classes = logits?.isTensor ? logits.shape[1] : undefined;
    if (typeof classes === 'number' && classes !== card.labels.length) {
      throw new Error(`FindingsModel: output 'logits' of ${onnxPath} is ${describeShape(logits)}, the card '${card.id}' has ${card.labels.length} labels`);
    }
  }

  /**
   * Classifies a batch in one `session.run`. Each input is one image's `resolution²` float32 values in
   * TorchXRayVision's scale. The feature maps are fetched only when asked for, so the usual path copies out
   * nothing but the logits. `alone`: nothing else is running or waiting, so the 'adaptive' layout gives this
   * run all the threads (other layouts have one kind of session and ignore it).
   */
  async run(inputs: readonly Float32Array[], options: { featureMaps?: boolean; alone?: boolean } = {}): Promise<FindingsOutput> {
    const { resolution } = this.card.input;
    const pixels = resolution * resolution;
    if (inputs.length === 0) return { probabilities: [], logits: [], threads: 0, ...(options.featureMaps ? { featureMaps: [] } : {}) };
    const batch = new Float32Array(inputs.length * pixels);
    inputs.forEach((input, i) => {
      if (input.length !== pixels) {
        throw new Error(`FindingsModel.run: input ${i} holds ${input.length} values, the model takes ${resolution}×${resolution} = ${pixels}`);
      }
      batch.set(input, i * pixels);
    });
    const feeds = { [denseNetOnnxNames.input]: { data: batch, dims: [inputs.length, 1, resolution, resolution] } };
    const fetches: string[] = [denseNetOnnxNames.logits];
    if (options.featureMaps) fetches.push(denseNetOnnxNames.features);
    const session = options.alone && this.alone ? this.alone : this.session;
    const threads = session === this.alone || this.layout === 'latency' ? this.intraOpThreads : 1;
    const results = await session.run(feeds, fetches);

    const numClasses = this.card.labels.length;
    const logitsData = results[denseNetOnnxNames.logits]?.data;
    if (!(logitsData instanceof Float32Array) || logitsData.length !== inputs.length * numClasses) {
      throw new Error(`FindingsModel.run: ${this.onnxPath} returned no float32 [${inputs.length},${numClasses}] logits`);
    }
    const logits = inputs.map((_, i) => logitsData.slice(i * numClasses, (i + 1) * numClasses));
    const probabilities = logits.map((l) => calibratedProbabilities(l, this.card.operatingThresholds));
    if (!options.featureMaps) return { probabilities, logits, threads };

    const features = results[denseNetOnnxNames.features];
    const [, channels = 0, height = 0, width = 0] = features?.dims ?? [];
    if (!features || features.dims.length !== 4) {
      throw new Error(`FindingsModel.run: ${this.onnxPath} returned no float32 [N,C,h,w] '${denseNetOnnxNames.features}'`);
    }
    const data = features.data;
    const size = channels * height * width;
    const featureMaps = inputs.map((_, i) => ({ data: data.slice(i * size, (i + 1) * size), channels, height, width }));
    return { probabilities, logits, featureMaps, threads };
  }

  /** Why the model can no longer classify (its worker thread stopped), or undefined while it can. */
  get failure(): Error | undefined {
    return this.session.failure ?? this.alone?.failure;
  }

  async dispose(): Promise<void> {
    await Promise.all([this.session.release(), this.alone?.release()]);
  }
}
