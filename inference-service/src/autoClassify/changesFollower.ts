/**
 * Follows Orthanc's change log (`GET /changes`) from a persisted cursor and hands every new instance
 * to a callback. The Lua hook makes arrival fast but loses events when the sidecar is down; this is
 * what makes auto-classify complete: on start it catches up with everything that arrived meanwhile.
 *
 * Delivery is at least once: the cursor moves past a change only after its callback settled, so a
 * crash repeats the last page. The callback (the classification service) de-duplicates.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { silentLogger, type Logger } from '../log.ts';
import { CursorFileError, fileCursorStore, type CursorStore } from './cursorStore.ts';
import { deliverPage, type NewInstanceHandler } from './deliverPage.ts';
import { OrthancUnavailableError } from '../orthanc/errors.ts';
import type { OrthancClient } from '../orthanc/orthancClient.ts';

export type { NewInstanceHandler };

export interface ChangesFollowerOptions {
  readonly client: Pick<OrthancClient, 'changes' | 'lastChange'>;
  /** JSON file holding the cursor, e.g. `<dataDir>/orthanc-changes-cursor.json` (with `cursorStore`: its name in the log). */
  readonly cursorFile: string;
  /** Where the cursor lives instead of `cursorFile` (the shared queue's follower keeps it in Redis). */
  readonly cursorStore?: CursorStore;
  readonly onNewInstance: NewInstanceHandler;
  /** Pause between polls once caught up. */
  readonly pollIntervalMs?: number;
  /** Changes read per request. */
  readonly pageSize?: number;
  /** Callbacks running at once within a page. */
  readonly concurrency?: number;
  /** Tries per instance before it is logged and passed over, so one bad image never blocks the feed. */
  readonly maxAttempts?: number;
  /** Wait before retry n is n × this. */
  readonly retryDelayMs?: number;
  /**
   * Where to start without a usable cursor (none yet, unreadable, or made for another database). 'end'
   * (the default): only what arrives from now on, since next to an existing archive reading from the
   * first change would classify every image ever stored and write an SR into each of those studies;
   * the archive is classified by an explicit backfill (`cxr-findings classify --pacs`). 'beginning':
   * every change Orthanc still has.
   */
  readonly startAt?: 'end' | 'beginning';
  readonly logger?: Logger;
}

export interface DrainResult {
  /** The cursor after this pass (persisted). */
  readonly cursor: number;
  /** New instances whose callback succeeded. */
  readonly delivered: number;
  /** New instances passed over after `maxAttempts` failures. */
  readonly abandoned: number;
  /** True when the saved cursor did not match Orthanc's database (reset or replaced) and reading restarted. */
  readonly restarted: boolean;
}

export class ChangesFollower {
  readonly #options: Required<Omit<ChangesFollowerOptions, 'logger' | 'cursorStore'>>;
  readonly #log: Logger;
  readonly #store: CursorStore;
  #cursor: number | undefined;
  /** The Orthanc resource of change `#cursor`, to recognise the same database later. */
  #cursorId: string | undefined;
  /** Whether `#cursor` was checked against Orthanc since it was loaded or Orthanc was last unreachable. */
  #checked = false;
  #current: Promise<DrainResult> | undefined;
  #queued: Promise<DrainResult> | undefined;
  #loop: Promise<void> | undefined;
  #stopping = false;
  #wake = new AbortController();

  constructor(options: ChangesFollowerOptions) {
    this.#options = {
      pollIntervalMs: 1_000,
      pageSize: 100,
      concurrency: 1,
      maxAttempts: 3,
      retryDelayMs: 500,
      startAt: 'end',
      ...options,
    };
    for (const key of ['pollIntervalMs', 'pageSize', 'concurrency', 'maxAttempts'] as const) {
      if (!(this.#options[key] >= 1)) throw new Error(`ChangesFollower: option '${key}' must be at least 1, got ${this.#options[key]}`);
    }
    this.#log = (options.logger ?? silentLogger).child({ tag: 'changes' });
    this.#store = options.cursorStore ?? fileCursorStore(options.cursorFile);
  }

  /** The cursor in memory (undefined before the first pass read it). */
  get cursor(): number | undefined {
    return this.#cursor;
  }

  get running(): boolean {
    return this.#loop !== undefined;
  }

  /** Polls until `stop()`: drains, waits `pollIntervalMs` (or a `poke()`), drains again. */
  start(): void {
    if (this.#loop) return;
    this.#stopping = false;
    this.#loop = this.#run();
  }

  /** Starts a pass now instead of at the next poll (e.g. when the Lua hook announced an arrival). */
  poke(): void {
    this.#wake.abort();
  }

  /** Stops polling; resolves once the pass in progress (and its callbacks) settled. */
  async stop(): Promise<void> {
    this.#stopping = true;
    this.#wake.abort();
    await this.#loop;
    this.#loop = undefined;
    await this.#current?.catch(() => undefined);
    this.#stopping = false;
  }

  /**
   * Reads every change after the cursor and delivers the new instances, page by page, persisting the
   * cursor after each page. One pass at a time: a call during a pass runs once more after it.
   * Rejects with `OrthancUnavailableError` when Orthanc cannot be reached (the cursor keeps what was done).
   */
  drain(): Promise<DrainResult> {
    if (this.#queued) return this.#queued;
    if (!this.#current) {
      const current = this.#drainNow().finally(() => {
        if (this.#current === current) this.#current = undefined;
      });
      this.#current = current;
      return current;
    }
    const queued = this.#current
      .catch(() => undefined)
      .then(() => {
        this.#queued = undefined;
        return this.drain();
      });
    this.#queued = queued;
    return queued;
  }

  async #run(): Promise<void> {
    let unavailableSince: number | undefined;
    while (!this.#stopping) {
      try {
        await this.drain();
        if (unavailableSince !== undefined) {
          this.#log.info('Orthanc is reachable again; caught up with its changes', { cursor: this.#cursor });
          unavailableSince = undefined;
        }
      } catch (error) {
        if (error instanceof OrthancUnavailableError) {
          // Log an outage once, not once per poll.
          if (unavailableSince === undefined) this.#log.warn('Orthanc is unavailable; will keep polling its changes', { error });
          unavailableSince ??= Date.now();
        } else {
          this.#log.error('Following Orthanc changes failed; will retry at the next poll', { error });
        }
      }
      if (this.#stopping) break;
      if (this.#wake.signal.aborted) {
        // Poked during the pass: what was announced may have come after its last page.
        this.#wake = new AbortController();
        continue;
      }
      await sleep(this.#options.pollIntervalMs, undefined, { signal: this.#wake.signal }).catch(() => undefined);
      if (this.#wake.signal.aborted && !this.#stopping) this.#wake = new AbortController();
    }
  }

  async #drainNow(): Promise<DrainResult> {
    try {
      return await this.#drainPass();
    } catch (error) {
      // Orthanc may come back with another database: check the cursor against it again then.
      if (error instanceof OrthancUnavailableError) this.#checked = false;
      throw error;
    }
  }

  async #drainPass(): Promise<DrainResult> {
    const { client, pageSize, cursorFile } = this.#options;
    let cursor = this.#cursor ?? (await this.#loadCursor());
    let delivered = 0;
    let abandoned = 0;
    let restarted = false;
    if (!this.#checked) {
      restarted = !(await this.#sameDatabase(cursor));
      if (restarted) cursor = await this.#restart({ cursor, id: this.#cursorId });
      this.#checked = true;
    }
    for (;;) {
      const page = await client.changes(cursor, pageSize);
      if (page.Last < cursor) {
        // Orthanc numbers changes from 1 in a new database: a cursor past its last change means the
        // database was replaced. Everything in it is new to us.
        cursor = await this.#restart({ cursor, last: page.Last });
        restarted = true;
        continue;
      }
      const { reached, outcomes, unavailable } = await deliverPage(page.Changes, {
        ...this.#options,
        log: this.#log,
        isStopping: () => this.#stopping,
      });
      delivered += outcomes.filter((o) => o === 'delivered').length;
      abandoned += outcomes.filter((o) => o === 'abandoned').length;
      if (reached !== undefined && reached.Seq > cursor) {
        cursor = reached.Seq;
        await this.#persist(reached.Seq, reached.ID);
      }
      // What was done is saved before saying Orthanc went away, so the next pass starts there.
      if (unavailable) throw unavailable;
      const interrupted = outcomes.includes('interrupted');
      if (page.Done || page.Changes.length === 0 || interrupted || this.#stopping) break;
    }
    this.#log.debug('Caught up with Orthanc changes', { cursor, delivered, abandoned, cursorFile });
    return { cursor, delivered, abandoned, restarted };
  }

  async #loadCursor(): Promise<number> {
    let stored;
    try {
      stored = await this.#store.read();
    } catch (error) {
      if (!(error instanceof CursorFileError)) throw error;
      // Refusing to start would cost auto-classify altogether; what arrived while it was lost is the
      // backfill's to classify.
      return this.#startWithoutCursor('Unreadable changes cursor', { error });
    }
    if (!stored) {
      if (this.#options.startAt === 'end') this.#log.info('No changes cursor yet: following Orthanc from its current last change (classify older images with a backfill)');
      return this.#startWithoutCursor(undefined, {});
    }
    this.#cursor = stored.since;
    this.#cursorId = stored.id;
    return this.#cursor;
  }

  /** The cursor to use when there is none to trust: Orthanc's current last change, or 0. */
  async #startWithoutCursor(problem: string | undefined, fields: Record<string, unknown>): Promise<number> {
    if (this.#options.startAt === 'beginning') {
      if (problem) this.#log.warn(`${problem}; reading Orthanc changes from the start`, fields);
      await this.#persist(0, undefined);
      return 0;
    }
    const last = await this.#options.client.lastChange();
    if (problem) {
      this.#log.warn(`${problem}; following Orthanc from its current last change. Images stored meanwhile are not classified: run a backfill (cxr-findings classify --pacs --since …)`, {
        ...fields,
        resumesAfter: last?.Seq ?? 0,
      });
    }
    await this.#persist(last?.Seq ?? 0, last?.ID);
    return this.#cursor ?? 0;
  }

  /**
   * Whether change `cursor` in Orthanc is still the one the cursor was saved at. A replaced database
   * that has already grown past the cursor has another resource at that sequence number.
   */
  async #sameDatabase(cursor: number): Promise<boolean> {
    if (cursor === 0 || this.#cursorId === undefined) return true;
    const page = await this.#options.client.changes(cursor - 1, 1);
    const change = page.Changes[0];
    // An emptied change log (DELETE /changes) also lands here: reading again from the start is safe.
    return change !== undefined && change.Seq === cursor && change.ID === this.#cursorId;
  }

  async #restart(why: Record<string, unknown>): Promise<number> {
    return this.#startWithoutCursor('Saved changes cursor does not match Orthanc (its database was reset or replaced)', why);
  }

  async #persist(since: number, id: string | undefined): Promise<void> {
    this.#cursor = since;
    this.#cursorId = id;
    await this.#store.write(id === undefined ? { since } : { since, id });
  }
}
