/**
 * Findings SRs that Orthanc has not stored yet. A store that fails (refused, FilteredOut, an error
 * status, Orthanc down or silent) is kept here, with its bytes, and tried again with exponential
 * backoff until Orthanc takes it: an SR is never dropped without a trace. With a directory the entries
 * survive a restart (one `.dcm` and one `.json` per SR, each written atomically).
 *
 * Outages (Orthanc unreachable or too slow) are waited out without limit; refusals count towards
 * `maxRefusals`, past which the entry is listed as failed until someone asks to retry it
 * (`retryFailed()`), since a filter that keeps refusing is a decision a person must look at.
 */
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeAtomically } from '../config/writeAtomically.ts';
import { readDicomDataset } from '../dicom/index.ts';
import type { DicomDataset } from '../dicom/types.ts';
import { silentLogger, type Logger } from '../log.ts';
import type { OrthancClient } from '../orthanc/orthancClient.ts';
import type { FindingsSr } from '../sr/index.ts';
import type { SidecarMetrics } from './metrics.ts';
import { SrNotStoredError, storeSr, type SrStoreFailureReason, type StoredObject } from './storeSr.ts';

export interface SrOutboxOptions {
  readonly orthanc: OrthancClient;
  readonly metrics: SidecarMetrics;
  readonly logger?: Logger;
  /** Where entries are kept across restarts; absent, in memory only (the CLI, which reports them). */
  readonly directory?: string;
  /** Whether entries are retried in the background (the sidecar) or only when asked (the CLI). */
  readonly retryInBackground?: boolean;
  /** First wait before a retry; doubles per attempt up to `maxDelayMs`. */
  readonly initialDelayMs?: number;
  readonly maxDelayMs?: number;
  /** Refusals (not outages) after which an entry is failed rather than pending. */
  readonly maxRefusals?: number;
  readonly now?: () => number;
  /**
   * Called once Orthanc holds an object (stored now or already there), before `store` resolves: routing
   * queues it for the site's destinations. Its failure is logged, never the store's.
   */
  readonly onStored?: (object: { readonly SOPInstanceUID: string; readonly SeriesInstanceUID: string }, image: SrSubject) => Promise<void>;
  /**
   * Called before an object's first attempt: routing keeps its deliveries on disk before the object can
   * be in Orthanc, so a crash between the two loses none. Its failure fails the store (nothing stored yet).
   */
  readonly onStoring?: (object: { readonly SOPInstanceUID: string; readonly SeriesInstanceUID: string }, image: SrSubject) => Promise<void>;
  /**
   * Called when a store that `onStoring` announced ends in neither Orthanc nor this outbox (an error
   * thrown past both, such as the outbox's own disk failing): Orthanc may or may not hold the object.
   */
  readonly onAbandoned?: (object: { readonly SOPInstanceUID: string; readonly SeriesInstanceUID: string }) => void;
}

/** The image an SR is about, for the listing. */
export interface SrSubject {
  readonly StudyInstanceUID: string;
  readonly SeriesInstanceUID: string;
  readonly SOPInstanceUID: string;
}

/** One SR not (yet) in Orthanc, as `GET /api/sr-outbox` lists it. */
export interface UnstoredSr {
  readonly state: 'pending' | 'failed';
  readonly image: SrSubject;
  readonly sr: { readonly SeriesInstanceUID: string; readonly SOPInstanceUID: string };
  readonly attempts: number;
  readonly refusals: number;
  readonly reason: SrStoreFailureReason;
  readonly message: string;
  readonly firstFailedAt: string;
  readonly lastFailedAt: string;
  /** Absent for a failed entry: it waits for `retryFailed()`. */
  readonly nextAttemptAt?: string;
}

export type OutboxStoreResult =
  | StoredObject
  | { readonly status: 'pending' | 'failed'; readonly entry: UnstoredSr };

interface Entry {
  listing: UnstoredSr;
  readonly part10: Uint8Array;
  dataset: DicomDataset | undefined;
  nextAttempt: number;
  attempting: Promise<OutboxStoreResult> | undefined;
  /** Its first write to disk: an attempt waits for it, or a success's removal could come before the file. */
  written?: Promise<void>;
}

export class SrOutbox {
  readonly #orthanc: OrthancClient;
  readonly #metrics: SidecarMetrics;
  readonly #log: Logger;
  readonly #directory: string | undefined;
  readonly #background: boolean;
  readonly #initialDelayMs: number;
  readonly #maxDelayMs: number;
  readonly #maxRefusals: number;
  readonly #now: () => number;
  readonly #onStored: SrOutboxOptions['onStored'];
  readonly #onStoring: SrOutboxOptions['onStoring'];
  readonly #onAbandoned: SrOutboxOptions['onAbandoned'];
  readonly #entries = new Map<string, Entry>();
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(options: SrOutboxOptions) {
    this.#orthanc = options.orthanc;
    this.#metrics = options.metrics;
    this.#log = (options.logger ?? silentLogger).child({ tag: 'sr-outbox' });
    this.#directory = options.directory;
    this.#background = options.retryInBackground ?? true;
    this.#maxDelayMs = options.maxDelayMs ?? 60_000;
    this.#initialDelayMs = Math.min(options.initialDelayMs ?? 1_000, this.#maxDelayMs);
    this.#maxRefusals = options.maxRefusals ?? 20;
    this.#now = options.now ?? Date.now;
    this.#onStored = options.onStored;
    this.#onStoring = options.onStoring;
    this.#onAbandoned = options.onAbandoned;
  }

  get pendingCount(): number {
    return this.list().filter((e) => e.state === 'pending').length;
  }

  /** Every SR not in Orthanc, oldest first. */
  list(): UnstoredSr[] {
    return [...this.#entries.values()].map((e) => e.listing).sort((a, b) => a.firstFailedAt.localeCompare(b.firstFailedAt));
  }

  /** The entry for this SR UID, if it is waiting here. */
  get(srSOPInstanceUID: string): UnstoredSr | undefined {
    return this.#entries.get(srSOPInstanceUID)?.listing;
  }

  /** The data set of a waiting SR (its findings can be shown while it waits). */
  dataset(srSOPInstanceUID: string): DicomDataset | undefined {
    const entry = this.#entries.get(srSOPInstanceUID);
    if (!entry) return undefined;
    entry.dataset ??= readDicomDataset(entry.part10).dataset;
    return entry.dataset;
  }

  /**
   * Stores the SR now; when Orthanc does not take it, keeps it and answers pending. A connection that
   * broke before any answer is tried once more at once (a kept-alive socket closed under the upload):
   * the same bytes again are safe, see storeSr.
   */
  async store(sr: FindingsSr, image: SrSubject): Promise<OutboxStoreResult> {
    const existing = this.#entries.get(sr.SOPInstanceUID);
    if (existing) return this.#attempt(sr.SOPInstanceUID, existing);
    await this.#onStoring?.(sr, image);
    try {
      return await this.#storeNew(sr, image);
    } catch (error) {
      this.#onAbandoned?.(sr);
      throw error;
    }
  }

  async #storeNew(sr: FindingsSr, image: SrSubject): Promise<OutboxStoreResult> {
    let failure: SrNotStoredError | undefined;
    for (let attempt = 1; attempt <= 2; attempt++) {
      try {
        const stored = await storeSr(this.#orthanc, sr);
        await this.#stored(sr, image);
        this.#acceptingAgain();
        return stored;
      } catch (error) {
        if (!(error instanceof SrNotStoredError)) throw error;
        this.#metrics.srStoreFailures.inc({ reason: error.reason });
        failure = error;
        if (error.reason !== 'unavailable') break;
      }
    }
    if (!failure) throw new Error('SrOutbox.store: no attempt was made');
    const entry = await this.#add(sr, image, failure);
    return { status: entry.listing.state, entry: entry.listing };
  }

  /**
   * Objects Orthanc already holds, found by a run that did no work, are announced as stored again: their
   * routing is queued (a destination that has them takes the same UIDs as the same instances).
   */
  async routeStored(objects: readonly { readonly SOPInstanceUID: string; readonly SeriesInstanceUID: string }[], image: SrSubject): Promise<void> {
    for (const object of objects) await this.#stored(object, image);
  }

  /** Tries a waiting SR now (a caller asked about its image again). */
  retryNow(srSOPInstanceUID: string): Promise<OutboxStoreResult> | undefined {
    const entry = this.#entries.get(srSOPInstanceUID);
    return entry ? this.#attempt(srSOPInstanceUID, entry) : undefined;
  }

  /** Puts failed entries back to pending and tries them now; resolves with how many were stored. */
  async retryFailed(): Promise<{ stored: number; stillUnstored: number }> {
    const failed = [...this.#entries.entries()].filter(([, e]) => e.listing.state === 'failed');
    let stored = 0;
    for (const [uid, entry] of failed) {
      entry.listing = { ...entry.listing, state: 'pending', refusals: 0 };
      const result = await this.#attempt(uid, entry);
      if (result.status === 'stored' || result.status === 'already-stored') stored += 1;
    }
    return { stored, stillUnstored: this.#entries.size };
  }

  /** Tries every pending entry that is due; the background timer calls this. */
  async retryDue(): Promise<void> {
    const due = [...this.#entries.entries()].filter(([, e]) => e.listing.state === 'pending' && e.nextAttempt <= this.#now());
    for (const [uid, entry] of due) {
      if (this.#stopped) return;
      await this.#attempt(uid, entry);
    }
  }

  /** Stops the background retries (entries on disk stay for the next start). */
  stop(): void {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #attempt(uid: string, entry: Entry): Promise<OutboxStoreResult> {
    entry.attempting ??= this.#attemptNow(uid, entry).finally(() => {
      entry.attempting = undefined;
      this.#schedule();
    });
    return entry.attempting;
  }

  async #attemptNow(uid: string, entry: Entry): Promise<OutboxStoreResult> {
    // A failed first write was the store's error, told to its caller; the attempt goes on regardless.
    await entry.written?.catch(() => undefined);
    const dataset = this.dataset(uid) as DicomDataset;
    try {
      const stored = await storeSr(this.#orthanc, { part10: entry.part10, dataset, SOPInstanceUID: uid });
      // Routed before its file goes: a restart while it waited here tried its held deliveries and forgot
      // them (Orthanc did not have it), so a stop in between would leave it stored and never routed. Kept,
      // it is stored again at the next start ("already stored") and routed then.
      await this.#stored({ SOPInstanceUID: uid, SeriesInstanceUID: entry.listing.sr.SeriesInstanceUID }, entry.listing.image);
      this.#entries.delete(uid);
      await this.#forget(uid);
      this.#log.info('stored an SR that had been refused before', { srSOPInstanceUID: uid, attempts: entry.listing.attempts + 1, status: stored.status });
      this.#report();
      this.#acceptingAgain();
      return stored;
    } catch (error) {
      if (!(error instanceof SrNotStoredError)) throw error;
      this.#metrics.srStoreFailures.inc({ reason: error.reason });
      this.#fail(entry, error);
      await this.#persist(uid, entry);
      return { status: entry.listing.state, entry: entry.listing };
    }
  }

  async #add(sr: FindingsSr, image: SrSubject, failure: SrNotStoredError): Promise<Entry> {
    const at = new Date(this.#now()).toISOString();
    const entry: Entry = {
      listing: {
        state: 'pending',
        image: { StudyInstanceUID: image.StudyInstanceUID, SeriesInstanceUID: image.SeriesInstanceUID, SOPInstanceUID: image.SOPInstanceUID },
        sr: { SeriesInstanceUID: sr.SeriesInstanceUID, SOPInstanceUID: sr.SOPInstanceUID },
        attempts: 0,
        refusals: 0,
        reason: failure.reason,
        message: failure.message,
        firstFailedAt: at,
        lastFailedAt: at,
      },
      part10: sr.part10,
      dataset: sr.dataset,
      nextAttempt: 0,
      attempting: undefined,
    };
    this.#entries.set(sr.SOPInstanceUID, entry);
    this.#fail(entry, failure);
    entry.written = this.#persist(sr.SOPInstanceUID, entry, { withBytes: true });
    await entry.written;
    this.#log.warn('Orthanc did not store an SR; it is kept and retried', {
      srSOPInstanceUID: sr.SOPInstanceUID,
      SOPInstanceUID: image.SOPInstanceUID,
      reason: failure.reason,
      message: failure.message,
    });
    this.#schedule();
    return entry;
  }

  #fail(entry: Entry, failure: SrNotStoredError): void {
    const attempts = entry.listing.attempts + 1;
    const refusals = entry.listing.refusals + (failure.isOutage ? 0 : 1);
    const state = refusals >= this.#maxRefusals ? 'failed' : 'pending';
    const delay = Math.min(this.#maxDelayMs, this.#initialDelayMs * 2 ** Math.min(attempts - 1, 30));
    entry.nextAttempt = this.#now() + delay;
    const { nextAttemptAt: _previous, ...rest } = entry.listing;
    entry.listing = {
      ...rest,
      state,
      attempts,
      refusals,
      reason: failure.reason,
      message: failure.message,
      lastFailedAt: new Date(this.#now()).toISOString(),
      ...(state === 'pending' ? { nextAttemptAt: new Date(entry.nextAttempt).toISOString() } : {}),
    };
    if (state === 'failed') this.#log.error('Orthanc kept refusing an SR; it is listed as failed until retried', { ...entry.listing });
    this.#report();
  }

  async #stored(object: { readonly SOPInstanceUID: string; readonly SeriesInstanceUID: string }, image: SrSubject): Promise<void> {
    if (!this.#onStored) return;
    try {
      await this.#onStored(object, image);
    } catch (error) {
      this.#log.error('an object is in Orthanc, but routing it failed', { srSOPInstanceUID: object.SOPInstanceUID, error });
    }
  }

  /** Orthanc just stored an SR: the ones waiting need not wait out their backoff. */
  #acceptingAgain(): void {
    const now = this.#now();
    let any = false;
    for (const entry of this.#entries.values()) {
      if (entry.listing.state === 'pending' && !entry.attempting && entry.nextAttempt > now) {
        entry.nextAttempt = now;
        any = true;
      }
    }
    if (any) this.#schedule();
  }

  #schedule(): void {
    if (!this.#background || this.#stopped) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    const next = Math.min(...[...this.#entries.values()].filter((e) => e.listing.state === 'pending' && !e.attempting).map((e) => e.nextAttempt));
    if (!Number.isFinite(next)) return;
    this.#timer = setTimeout(
      () => {
        this.#timer = undefined;
        // Node's timers run on the event loop's cached clock, which on a busy host lags Date.now(): the
        // timer can fire before the entry is due, find nothing to do, and nothing would ever fire again.
        // So whatever happened, the next due entry gets its timer.
        this.retryDue()
          .catch((error: unknown) => this.#log.error('retrying SRs failed', { error }))
          .finally(() => this.#schedule());
      },
      Math.max(0, next - this.#now()),
    );
    // Waiting SRs must not keep a process alive that is otherwise done (tests, a stopping sidecar).
    this.#timer.unref();
  }

  #report(): void {
    const listing = this.list();
    this.#metrics.srOutbox.set({ state: 'pending' }, listing.filter((e) => e.state === 'pending').length);
    this.#metrics.srOutbox.set({ state: 'failed' }, listing.filter((e) => e.state === 'failed').length);
  }

  async #persist(uid: string, entry: Entry, options: { withBytes?: boolean } = {}): Promise<void> {
    const directory = this.#directory;
    if (!directory) return;
    await mkdir(directory, { recursive: true });
    // Bytes first: a listing on disk always has its SR beside it.
    if (options.withBytes) await writeAtomically(join(directory, `${uid}.dcm`), entry.part10);
    await writeAtomically(join(directory, `${uid}.json`), `${JSON.stringify(entry.listing)}\n`);
  }

  async #forget(uid: string): Promise<void> {
    if (!this.#directory) return;
    await rm(join(this.#directory, `${uid}.json`), { force: true });
    await rm(join(this.#directory, `${uid}.dcm`), { force: true });
  }

  /** Takes up the entries a previous run left in the directory and retries them from now on. */
  async load(): Promise<void> {
    const directory = this.#directory;
    if (!directory) return;
    let names: string[];
    try {
      names = await readdir(directory);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    for (const name of names.filter((n) => n.endsWith('.json'))) {
      const uid = name.slice(0, -'.json'.length);
      try {
        const listing = JSON.parse(await readFile(join(directory, name), 'utf8')) as UnstoredSr;
        const part10 = new Uint8Array(await readFile(join(directory, `${uid}.dcm`)));
        // A restart is a good moment to try again, failed ones included only when asked.
        this.#entries.set(uid, { listing, part10, dataset: undefined, nextAttempt: this.#now(), attempting: undefined });
      } catch (error) {
        this.#log.error('cannot read a kept SR; leaving its files in place', { file: join(directory, name), error });
      }
    }
    if (this.#entries.size > 0) this.#log.warn('SRs from an earlier run are still not in Orthanc; retrying them', { count: this.#entries.size });
    this.#report();
    this.#schedule();
  }
}
