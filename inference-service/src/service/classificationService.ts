import { performance } from 'node:perf_hooks';
import type { Logger } from '../log.ts';
import { readDicomDataset } from '../dicom/index.ts';
import type { DicomDataset } from '../dicom/types.ts';
import { OrthancHttpError, OrthancUnavailableError } from '../orthanc/errors.ts';
import type { OrthancClient } from '../orthanc/orthancClient.ts';
import type { OrthancSimplifiedTags } from '../orthanc/types.ts';
import { ClassifyError } from '../pipeline/classifyError.ts';
import { checkEligibility } from '../pipeline/eligibility.ts';
import type { ClassifiedImage as PipelineResult, FindingsPipeline, PreparedImage } from '../pipeline/findingsPipeline.ts';
import type { FindingProbabilities } from '../pipeline/types.ts';
import { pertinentEvidenceUids, readFindingsSrIdentity, readStoredFindings, type BuiltObject } from '../sr/index.ts';
import { NothingEligibleError, SrsNotStoredError } from './errors.ts';
import { describeTarget, findTargetInstances, storedInstance, type StoredInstance } from './findTargetInstances.ts';
import { answerOverlays, ImageObjectBuilder, imageObjectUids } from './imageObjects.ts';
import { InFlight } from './inFlight.ts';
import { RecentlyDone } from './recentlyDone.ts';
import type { SidecarMetrics } from './metrics.ts';
import { ModelBatcher } from './modelBatcher.ts';
import type { OutboxStoreResult, SrOutbox, UnstoredSr } from './srOutbox.ts';
import type {
  ClassifiedFile,
  ClassifiedImage,
  ClassifyReport,
  ClassifySource,
  ClassifyTarget,
  ModelSummary,
  PendingImage,
  SkippedInstance,
} from './types.ts';
import type { QueueReservation, WorkQueue } from './workQueue.ts';
import { type ClassifyRules, ruleSubject } from '../routing/classifyRules.ts';
import type { Eligibility } from '../pipeline/types.ts';

export interface ClassificationServiceOptions {
  readonly orthanc: OrthancClient;
  readonly pipeline: FindingsPipeline;
  readonly queue: WorkQueue;
  readonly metrics: SidecarMetrics;
  readonly logger: Logger;
  /** Where SRs Orthanc did not store wait and are retried. */
  readonly outbox: SrOutbox;
  /** Written into the SR's Manufacturer and SoftwareVersions. */
  readonly software?: { readonly manufacturer: string; readonly version: string };
  /** Largest model batch (the pipeline's own limit applies too). */
  readonly maxBatch?: number;
  /** The site's include/exclude rules (CXR_ROUTING_FILE), applied after the fixed eligibility. */
  readonly rules?: ClassifyRules;
  /** Whether images with a positive finding also get their heatmaps (a Parametric Map); on by default. */
  readonly heatmaps?: boolean;
}

export type InstanceOutcome =
  | { readonly kind: 'classified'; readonly item: ClassifiedImage }
  | { readonly kind: 'pending'; readonly item: PendingImage }
  | { readonly kind: 'skipped'; readonly item: SkippedInstance };

/** An image whose SR is in the outbox, not in Orthanc. */
function pendingOutcome(instance: StoredInstance, findings: FindingProbabilities | undefined, entry: UnstoredSr): InstanceOutcome {
  return {
    kind: 'pending',
    item: {
      StudyInstanceUID: instance.StudyInstanceUID,
      SeriesInstanceUID: instance.SeriesInstanceUID,
      SOPInstanceUID: instance.SOPInstanceUID,
      ...(findings ? { findings } : {}),
      srNotStored: {
        state: entry.state,
        reason: entry.reason,
        message: entry.message,
        attempts: entry.attempts,
        ...(entry.nextAttemptAt ? { nextAttemptAt: entry.nextAttemptAt } : {}),
      },
    },
  };
}

/** What one image's classification reports: the image, its findings when known, its SR, the timings. */
function classifiedOutcome(
  instance: StoredInstance,
  findings: FindingProbabilities | undefined,
  sr: { readonly SeriesInstanceUID: string; readonly SOPInstanceUID: string; readonly alreadyExisted: boolean },
  report: { readonly SeriesInstanceUID: string; readonly SOPInstanceUID: string },
  timingsMs: Readonly<Record<string, number>>,
  overlays: Pick<ClassifiedImage, 'heatmaps' | 'regions'> = {},
): InstanceOutcome {
  return {
    kind: 'classified',
    item: {
      StudyInstanceUID: instance.StudyInstanceUID,
      SeriesInstanceUID: instance.SeriesInstanceUID,
      SOPInstanceUID: instance.SOPInstanceUID,
      ...(findings ? { findings } : {}),
      sr: { StudyInstanceUID: instance.StudyInstanceUID, ...sr },
      report: { StudyInstanceUID: instance.StudyInstanceUID, ...report },
      ...overlays,
      timingsMs,
    },
  };
}

const elapsed = (since: number): number => Math.round((performance.now() - since) * 100) / 100;

/**
 * Decoding, the model run and SR writing each hold the event loop for milliseconds to tens of
 * milliseconds, and promise chains between them never let I/O in. Yielding between stages lets the
 * sidecar answer waiting requests in between, above all the Lua hook's: Orthanc holds its Lua lock,
 * and with it every REST request it serves, until the hook's HttpPost is answered.
 */
const yieldToIo = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Classifies images in Orthanc (by UID, or as they arrive) and files, and stores one findings SR per
 * (image, model). "Exactly one" rests on three things: the SR's UIDs are derived from the image's
 * SOP Instance UID and the model's hash, so a second write is Orthanc's AlreadyStored; an existing SR
 * is looked up before any work; and identical concurrent requests share one in-flight task.
 */
export class ClassificationService {
  readonly model: ModelSummary;
  readonly #orthanc: OrthancClient;
  readonly #pipeline: FindingsPipeline;
  readonly #queue: WorkQueue;
  readonly #metrics: SidecarMetrics;
  readonly #logger: Logger;
  readonly #outbox: SrOutbox;
  readonly #software: { readonly manufacturer: string; readonly version: string } | undefined;
  readonly #inFlight = new InFlight<InstanceOutcome>();
  // 20,000 images is hours of a busy site's arrivals and a few MB; five minutes covers the changes feed
  // catching up behind the hook, even on a loaded queue.
  readonly #recentlyDone = new RecentlyDone<InstanceOutcome & { kind: 'classified' }>({ maxEntries: 20_000, ttlMs: 5 * 60_000 });
  /**
   * The Orthanc IDs of the objects this process just stored. The changes feed announces each of them
   * (three per image); reading their tags only to find them ineligible cost Orthanc a parse of each file
   * and the sidecar the JSON of an SR's whole content tree.
   */
  readonly #ownObjects = new RecentlyDone<true>({ maxEntries: 60_000, ttlMs: 5 * 60_000 });
  /**
   * The tags of instances announced a moment ago. The hook and the changes feed name every arrival; when
   * the hook's turn was refused (queue full) or is still in work, the feed's turn read them again, and
   * Orthanc parsed the whole file for each read. Under one Orthanc ID (a hash of the UIDs, never
   * overwritten) they change only if the instance is deleted and another file with the same UIDs stored;
   * a minute bounds that, and the prepare worker checks the file itself again.
   */
  readonly #announcedTags = new RecentlyDone<OrthancSimplifiedTags>({ maxEntries: 2_000, ttlMs: 60_000 });
  readonly #batcher: ModelBatcher<PreparedImage, PipelineResult>;
  readonly #objects: ImageObjectBuilder;
  readonly #rules: ClassifyRules | undefined;

  constructor(options: ClassificationServiceOptions) {
    this.#orthanc = options.orthanc;
    this.#pipeline = options.pipeline;
    this.#queue = options.queue;
    this.#metrics = options.metrics;
    this.#logger = options.logger;
    this.#outbox = options.outbox;
    this.#software = options.software;
    this.#rules = options.rules;
    const card = options.pipeline.model.card;
    const onnxSha256 = card.onnx?.sha256;
    if (!onnxSha256) {
      throw new Error(`ClassificationService: the model card '${card.id}' has no onnx.sha256; the SR identity needs it`);
    }
    this.model = { id: card.id, kind: card.kind, onnxSha256, ...(card.warning ? { warning: card.warning } : {}) };
    // Feature maps for the regions of the TID 1500 result (class activation maps).
    this.#batcher = new ModelBatcher((items, { alone }) => this.#pipeline.run(items, { featureMaps: true, alone }), {
      maxBatch: options.maxBatch ?? 8,
      maxConcurrent: options.pipeline.model.parallelRuns,
      exclusiveAlone: options.pipeline.model.layout === 'adaptive',
    });
    this.#objects = new ImageObjectBuilder(options.pipeline, { heatmaps: options.heatmaps ?? true });
  }

  /** Why the model cannot classify any more, for the health check; undefined while it can. */
  get modelFailure(): string | undefined {
    return this.#pipeline.model.failure?.message;
  }

  /** `POST /api/classify`: every eligible image of the study (or series, or the one instance). */
  async classifyTarget(target: ClassifyTarget): Promise<ClassifyReport> {
    const started = performance.now();
    const instances: StoredInstance[] = [];
    const skipped: SkippedInstance[] = [];
    for (const { instance, tags } of await findTargetInstances(this.#orthanc, target)) {
      const eligibility = await this.#eligibility(instance.orthancId, tags, instance.SOPInstanceUID);
      if (eligibility.eligible) instances.push(instance);
      else {
        this.#metrics.imagesSkipped.inc();
        skipped.push({ SeriesInstanceUID: instance.SeriesInstanceUID, SOPInstanceUID: instance.SOPInstanceUID, reason: eligibility.reason });
      }
    }
    const outcomes = await this.#classifyInstances(instances, 'api');
    const results: ClassifiedImage[] = [];
    const pending: PendingImage[] = [];
    for (const outcome of outcomes) {
      if (outcome.kind === 'classified') results.push(outcome.item);
      else if (outcome.kind === 'pending') pending.push(outcome.item);
      else skipped.push(outcome.item);
    }
    if (results.length === 0 && pending.length > 0) {
      const next = Math.min(...pending.map((p) => Date.parse(p.srNotStored.nextAttemptAt ?? '') || Date.now() + 60_000));
      throw new SrsNotStoredError(describeTarget(target), pending.map((p) => p.srNotStored.message), Math.max(1, Math.ceil((next - Date.now()) / 1000)));
    }
    if (results.length === 0) {
      throw new NothingEligibleError(describeTarget(target), skipped.map((s) => s.reason));
    }
    return { model: this.model, results, pending, skipped, timingsMs: { total: elapsed(started) } };
  }

  /**
   * One instance Orthanc told us about (the Lua hook or the changes feed). Ineligible instances, our
   * own SRs among them, are skipped quietly; the outcome is returned for the caller to log. The
   * changes follower waits for room in the queue (its own concurrency bounds it); a hook event is
   * refused when the queue is full, and the follower picks the instance up later. A shared queue's
   * worker waits too (`waitForRoom`): its own concurrency bounds it, and its job is already safe in Redis.
   */
  async classifyOrthancInstance(
    orthancId: string,
    source: Exclude<ClassifySource, 'api' | 'file'>,
    options: {
      readonly waitForRoom?: boolean;
      /**
       * The shared queue handed this image out again after a run that was lost (its worker died, or Redis
       * went away). That run may have stored every object and died before routing them, its deliveries
       * kept on a disk that may never come back: objects found complete are routed again.
       */
      readonly rerun?: boolean;
    } = {},
  ): Promise<InstanceOutcome> {
    if (this.#ownObjects.get(orthancId)) {
      this.#metrics.imagesSkipped.inc();
      return { kind: 'skipped', item: { reason: `Orthanc instance ${orthancId} is an object this sidecar stored` } };
    }
    // Not for a rerun: this worker may have found it done while the lost run's deliveries were still held.
    const done = options.rerun ? undefined : this.#recentlyDone.get(orthancId);
    if (done) {
      this.#metrics.srsDeduplicated.inc();
      return { kind: 'classified', item: { ...done.item, sr: { ...done.item.sr, alreadyExisted: true }, timingsMs: { total: 0 } } };
    }
    const known = this.#announcedTags.get(orthancId);
    let tags: OrthancSimplifiedTags;
    try {
      tags = known ?? (await this.#orthanc.instanceTags(orthancId));
    } catch (error) {
      // Deleted between the event and now: nothing to classify, and retrying will not change that.
      if (error instanceof OrthancHttpError && error.isNotFound) {
        return { kind: 'skipped', item: { reason: `Orthanc instance ${orthancId} is no longer stored` } };
      }
      throw error;
    }
    // Kept from the first read only: a minute from when Orthanc answered, however often it is announced.
    if (!known) this.#announcedTags.set(orthancId, tags);
    const instance = storedInstance(orthancId, tags);
    const eligibility = await this.#eligibility(orthancId, tags, instance.SOPInstanceUID);
    if (!eligibility.eligible) {
      this.#metrics.imagesSkipped.inc();
      return { kind: 'skipped', item: { SeriesInstanceUID: instance.SeriesInstanceUID, SOPInstanceUID: instance.SOPInstanceUID, reason: eligibility.reason } };
    }
    let outcome: InstanceOutcome | undefined;
    try {
      [outcome] = await this.#classifyInstances([instance], source, { bounded: source !== 'changes' && options.waitForRoom !== true, rerun: options.rerun === true });
    } catch (error) {
      // Deleted since its tags were kept: ask Orthanc again, which says it is gone (or what is there now).
      if (known && error instanceof OrthancHttpError && error.isNotFound) {
        this.#announcedTags.delete(orthancId);
        return this.classifyOrthancInstance(orthancId, source, options);
      }
      throw error;
    }
    if (!outcome) throw new Error(`classifyOrthancInstance: no outcome for instance ${orthancId}`);
    return outcome;
  }

  /**
   * `POST /api/classify/file`: classify uploaded bytes and return the SR without touching Orthanc.
   * Not coalesced: nothing is stored, so a repeated upload only costs time, and the queue bounds that.
   */
  classifyFile(part10: Uint8Array, reservation?: QueueReservation): Promise<ClassifiedFile> {
    const started = performance.now();
    const run = <T>(task: () => Promise<T>): Promise<T> => (reservation ? reservation.run(task) : this.#queue.run(task));
    return run(async () => {
      await yieldToIo();
      const prepared = await this.#pipeline.prepare(part10, { handOver: true });
      const tModel = performance.now();
      const classified = await this.#batcher.run(prepared);
      const { result } = classified;
      const modelMs = elapsed(tModel);
      this.#metrics.imagesClassified.inc({ source: 'file' });
      const tSr = performance.now();
      await yieldToIo();
      const objects = await this.#objects.build(classified, this.#software);
      const sr = objects.result;
      const srMs = elapsed(tSr);
      return {
        model: this.model,
        StudyInstanceUID: result.StudyInstanceUID,
        SeriesInstanceUID: result.SeriesInstanceUID,
        SOPInstanceUID: result.SOPInstanceUID,
        findings: result.findings,
        sr: {
          SeriesInstanceUID: sr.SeriesInstanceUID,
          SOPInstanceUID: sr.SOPInstanceUID,
          part10Base64: Buffer.from(sr.part10).toString('base64'),
        },
        report: {
          SeriesInstanceUID: objects.report.SeriesInstanceUID,
          SOPInstanceUID: objects.report.SOPInstanceUID,
          part10Base64: Buffer.from(objects.report.part10).toString('base64'),
        },
        timingsMs: { ...result.timingsMs, model: modelMs, buildSr: srMs, total: elapsed(started) },
      };
    });
  }

  /**
   * The fixed eligibility (a frontal chest radiograph), then the site's rules. The sender's AE title is
   * Orthanc's metadata, fetched only when a rule tests it. A rule's refusal is logged with its reason.
   */
  async #eligibility(orthancId: string, tags: OrthancSimplifiedTags, SOPInstanceUID: string): Promise<Eligibility> {
    const fixed = checkEligibility(tags as Record<string, unknown>);
    if (!fixed.eligible || !this.#rules) return fixed;
    let callingAeTitle: string | undefined;
    if (this.#rules.needsCallingAeTitle) {
      try {
        callingAeTitle = (await this.#orthanc.instanceMetadata(orthancId)).RemoteAET;
      } catch (error) {
        if (!(error instanceof OrthancHttpError && error.isNotFound)) throw error;
      }
    }
    const decision = this.#rules.decide(ruleSubject(tags as Record<string, unknown>, callingAeTitle));
    if (decision.classify) return fixed;
    this.#logger.info('not classified: the site\'s rules exclude it', { SOPInstanceUID, orthancId, reason: decision.reason });
    return { eligible: false, reason: decision.reason };
  }

  /**
   * What Orthanc holds under this image's result UID, if it is this image's result from this model and
   * the other objects it stands for are there too: then its findings (a small file) are shown again
   * instead of computed again. The objects are stored side by side, so a run that stopped among them can
   * leave the result without its report or heatmaps; the image is then classified again, and storing
   * completes them (Orthanc keeps what it has). Anything else under our UID (someone else's object, or
   * unreadable) is not taken for done either: storing the result then reports the clash
   * (already-stored-other-content) instead of a silent skip.
   */
  async #existingResult(
    orthancId: string,
    instance: StoredInstance,
    companions: { readonly report: string; readonly heatmaps: string },
  ): Promise<{ readonly complete: true; readonly findings: FindingProbabilities | undefined; readonly withHeatmaps: boolean } | { readonly complete: false } | undefined> {
    let dataset: DicomDataset;
    try {
      dataset = readDicomDataset(await this.#orthanc.instanceFile(orthancId)).dataset;
    } catch (error) {
      if (error instanceof OrthancUnavailableError) throw error;
      this.#logger.warn('the object under this image’s result UID cannot be read; classifying the image', { orthancId, SOPInstanceUID: instance.SOPInstanceUID, error });
      return undefined;
    }
    const identity = readFindingsSrIdentity(dataset);
    if (identity?.referencedSOPInstanceUID !== instance.SOPInstanceUID || identity.onnxSha256 !== this.model.onnxSha256) {
      this.#logger.warn('the object under this image’s result UID is not its result from this model; classifying the image', { orthancId, SOPInstanceUID: instance.SOPInstanceUID });
      return undefined;
    }
    const needed = [companions.report, ...pertinentEvidenceUids(dataset).filter((uid) => uid === companions.heatmaps)];
    const present = await Promise.all(needed.map((uid) => this.#orthanc.instanceIdByUid(uid)));
    const missing = needed.filter((_, i) => present[i] === undefined);
    if (missing.length > 0) {
      this.#logger.info('the image’s result is stored but not all its objects; classifying it again to complete them', { SOPInstanceUID: instance.SOPInstanceUID, missing });
      return { complete: false };
    }
    return { complete: true, findings: readStoredFindings(dataset, this.#pipeline.model.card.labels), withHeatmaps: needed.includes(companions.heatmaps) };
  }

  /**
   * Runs the images of a request through the work queue, joining work already in flight for the same
   * image and model. When they fit they are admitted at once, or none (429 for the whole request rather
   * than half of it); a study larger than the room there is (200 images, a queue of 64) is worked
   * through in order, `concurrency` images at a time: the queue bounds the images in memory, not the
   * size of a study.
   */
  async #classifyInstances(instances: readonly StoredInstance[], source: ClassifySource, options: { bounded?: boolean; rerun?: boolean } = {}): Promise<InstanceOutcome[]> {
    const keyOf = (instance: StoredInstance) => `${instance.SOPInstanceUID}|${this.model.onnxSha256}`;
    const one = (instance: StoredInstance, runOptions: { bounded?: boolean }): Promise<InstanceOutcome> => {
      const { promise, coalesced } = this.#inFlight.run(keyOf(instance), () => this.#queue.run(() => this.#classifyStored(instance, source, options.rerun === true), runOptions));
      if (coalesced) this.#logger.debug('joined an in-flight classification', { SOPInstanceUID: instance.SOPInstanceUID, source });
      return promise.then((outcome) => {
        if (outcome.kind === 'classified') this.#recentlyDone.set(instance.orthancId, outcome);
        return outcome;
      });
    };
    const fresh = new Set(instances.map(keyOf).filter((key) => !this.#inFlight.has(key)));
    if (options.bounded === false || fresh.size <= this.#queue.available) {
      if (options.bounded !== false) this.#queue.assertRoomFor(fresh.size);
      return Promise.all(instances.map((instance) => one(instance, options)));
    }
    const window = Math.min(instances.length, this.#queue.concurrency);
    // Room for the first window or a 429 now; past that this request waits its turn like the follower.
    this.#queue.assertRoomFor(Math.min(fresh.size, window));
    const outcomes: InstanceOutcome[] = new Array<InstanceOutcome>(instances.length);
    let next = 0;
    const worker = async (): Promise<void> => {
      for (let i = next++; i < instances.length; i = next++) outcomes[i] = await one(instances[i] as StoredInstance, { bounded: false });
    };
    await Promise.all(Array.from({ length: window }, worker));
    return outcomes;
  }

  /** The work for one stored image: dedupe check, fetch, classify, build and store the SR. */
  async #classifyStored(instance: StoredInstance, source: ClassifySource, rerun = false): Promise<InstanceOutcome> {
    const started = performance.now();
    const { result: uids, report, heatmaps: heatmapUids } = imageObjectUids(instance.SOPInstanceUID, this.model.onnxSha256);
    // Already classified, its objects waiting for Orthanc: try them again now rather than compute them again.
    const waitingSr = this.#outbox.dataset(uids.SOPInstanceUID);
    const waiting = [report, heatmapUids, uids].map((o) => this.#outbox.retryNow(o.SOPInstanceUID)).filter((w) => w !== undefined);
    if (waiting.length > 0) return this.#outboxOutcome(instance, await Promise.all(waiting), waitingSr, uids, report, started);
    // A click or the hook is about a new image, which rarely has its SR yet: fetch the image while asking.
    // The follower catching up mostly meets images the hook already did, so it asks first.
    const tFetch = performance.now();
    const earlyFile = source === 'changes' ? undefined : this.#orthanc.instanceFile(instance.orthancId);
    earlyFile?.catch(() => undefined);
    const existingId = await this.#orthanc.instanceIdByUid(uids.SOPInstanceUID);
    const existing = existingId ? await this.#existingResult(existingId, instance, { report: report.SOPInstanceUID, heatmaps: heatmapUids.SOPInstanceUID }) : undefined;
    if (existing?.complete) {
      this.#metrics.srsDeduplicated.inc();
      if (rerun) await this.#outbox.routeStored([uids, report, ...(existing.withHeatmaps ? [heatmapUids] : [])], instance);
      // Only a person asking sees the findings; the hook and the follower just needed to know.
      const findings = source === 'api' ? existing.findings : undefined;
      return classifiedOutcome(instance, findings, { ...uids, alreadyExisted: true }, report, { lookup: elapsed(started), total: elapsed(started) });
    }

    const part10 = await (earlyFile ?? this.#orthanc.instanceFile(instance.orthancId));
    const fetchMs = elapsed(tFetch);

    let prepared: PreparedImage;
    try {
      await yieldToIo();
      prepared = await this.#pipeline.prepare(part10, { handOver: true });
    } catch (error) {
      if (error instanceof ClassifyError && error.code !== 'model-failure') {
        this.#metrics.imagesSkipped.inc();
        return { kind: 'skipped', item: { SeriesInstanceUID: instance.SeriesInstanceUID, SOPInstanceUID: instance.SOPInstanceUID, reason: error.message } };
      }
      throw error;
    }
    const tModel = performance.now();
    const classified = await this.#batcher.run(prepared);
    const modelMs = elapsed(tModel);
    this.#metrics.imagesClassified.inc({ source });

    const tBuild = performance.now();
    await yieldToIo();
    // Each object is stored as soon as it is built, all side by side: Orthanc takes one while the next is
    // built. Each not stored is kept in the outbox and retried, so none is lost whatever order Orthanc takes
    // them in, and a run that stops among them is completed by the next (see #existingResult).
    const storing: Partial<Record<BuiltObject['kind'], Promise<{ readonly attempt: OutboxStoreResult; readonly ms: number }>>> = {};
    const objects = await this.#objects.build(classified, this.#software, ({ kind, object }) => {
      const started = performance.now();
      const store = this.#outbox.store(object, instance).then((attempt) => {
        // Known before the changes feed is read again, so its announcement costs nothing.
        if ('orthancId' in attempt) this.#ownObjects.set(attempt.orthancId, true);
        return { attempt, ms: elapsed(started) };
      });
      // Awaited below; a build that throws meanwhile must not leave it unhandled.
      store.catch(() => undefined);
      storing[kind] = store;
    });
    const sr = objects.result;
    const buildSrMs = elapsed(tBuild);
    const tStore = performance.now();
    const [storedReport, storedHeatmaps, storedResult] = await Promise.all([storing.report, storing.heatmaps, storing.result]);
    if (!storedReport || !storedResult) throw new Error('classifyStored: the report and the result were built but not stored');
    const stored = storedResult.attempt;
    const { heatmaps } = objects;
    // What the heatmaps cost this image: building them (the CAMs are computed for the regions anyway) and storing them.
    const heatmapsMs = heatmaps && storedHeatmaps ? heatmaps.buildMs + storedHeatmaps.ms : 0;
    const storeMs = elapsed(tStore);
    for (const attempt of [storedReport.attempt, ...(storedHeatmaps ? [storedHeatmaps.attempt] : []), stored]) {
      if (attempt.status !== 'pending' && attempt.status !== 'failed') continue;
      // Not all of it exists: nobody is told of it, nothing says "classified" as if it were done.
      this.#logger.warn('classified, but Orthanc did not store its objects; they are kept and retried', {
        source,
        SOPInstanceUID: instance.SOPInstanceUID,
        srSOPInstanceUID: sr.SOPInstanceUID,
        reason: attempt.entry.reason,
      });
      return pendingOutcome(instance, classified.result.findings, attempt.entry);
    }
    // AlreadyStored: another sidecar (or an earlier run that crashed before answering) wrote it first.
    const alreadyExisted = stored.status === 'already-stored';
    // The model ran for an image whose result another run had stored meanwhile: work done twice. (Not when
    // the result was there before, without all its objects: that run completed them.)
    if (alreadyExisted && !existing) this.#metrics.modelRunsDuplicated.inc();
    if (alreadyExisted) this.#metrics.srsDeduplicated.inc();
    else this.#metrics.srsStored.inc();

    const totalMs = elapsed(started);
    this.#metrics.classifyDuration.observe({ stage: 'fetch' }, fetchMs / 1000);
    this.#metrics.classifyDuration.observe({ stage: 'model' }, modelMs / 1000);
    this.#metrics.classifyDuration.observe({ stage: 'build-sr' }, buildSrMs / 1000);
    this.#metrics.classifyDuration.observe({ stage: 'store' }, storeMs / 1000);
    this.#metrics.classifyDuration.observe({ stage: 'total' }, totalMs / 1000);
    this.#logger.info('classified', { source, SOPInstanceUID: instance.SOPInstanceUID, srSOPInstanceUID: sr.SOPInstanceUID, alreadyExisted, totalMs });

    return classifiedOutcome(
      instance,
      classified.result.findings,
      { SeriesInstanceUID: sr.SeriesInstanceUID, SOPInstanceUID: sr.SOPInstanceUID, alreadyExisted },
      report,
      { fetch: fetchMs, ...classified.result.timingsMs, model: modelMs, buildSr: buildSrMs, store: storeMs, heatmaps: heatmapsMs, total: totalMs },
      answerOverlays(instance, objects),
    );
  }

  /** The outcome for an image whose SR was waiting in the outbox and was just tried again. */
  #outboxOutcome(
    instance: StoredInstance,
    results: readonly OutboxStoreResult[],
    dataset: DicomDataset | undefined,
    uids: { readonly SeriesInstanceUID: string; readonly SOPInstanceUID: string },
    report: { readonly SeriesInstanceUID: string; readonly SOPInstanceUID: string },
    started: number,
  ): InstanceOutcome {
    const findings = dataset ? readStoredFindings(dataset, this.#pipeline.model.card.labels) : undefined;
    for (const result of results) {
      if (result.status === 'pending' || result.status === 'failed') return pendingOutcome(instance, findings, result.entry);
    }
    this.#metrics.srsStored.inc();
    return classifiedOutcome(instance, findings, { ...uids, alreadyExisted: false }, report, { store: elapsed(started), total: elapsed(started) });
  }
}
