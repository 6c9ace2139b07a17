/**
 * Sends every object a classification stored in Orthanc (the TID 1500 result, the readable report, and
 * whatever else is stored beside them) to each configured destination, and keeps what has not arrived.
 * A delivery is written to the data dir before its first attempt and removed only once the destination
 * confirmed it, so neither a crash nor a destination that is down loses one. Failed attempts are retried
 * with exponential backoff; after `maxAttempts` the delivery is listed as failed until someone retries it
 * (`POST /api/routing/retry`): a destination that keeps failing needs a person, not an endless loop.
 * A destination that takes an object again sees the same UIDs, which a PACS treats as the same instance.
 *
 * The deliveries are written before the object is stored (`hold`), not after: a worker killed between
 * Orthanc's answer and the write would otherwise leave a stored object no one routes, since whoever runs
 * the image again finds its result there and does no more work. A held delivery is tried only once its
 * store has ended: stored (`route`), given up (`abandoned`), or cut short by a stop (the next `load`).
 * Tried while the upload is under way it would be forgotten as "never stored", and a stop right after
 * Orthanc took the object would leave it routed nowhere.
 */
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeAtomically } from '../config/writeAtomically.ts';
import { Counter, Gauge, type Registry } from 'prom-client';
import { silentLogger, type Logger } from '../log.ts';
import type { Destination } from './routingFile.ts';
import { DeliveryError, type ObjectSender } from './sendObject.ts';

/** The image a delivered object is about, for the listing. */
export interface RoutedImage {
  readonly StudyInstanceUID: string;
  readonly SeriesInstanceUID: string;
  readonly SOPInstanceUID: string;
}

export interface RoutedObject {
  readonly SOPInstanceUID: string;
  readonly SeriesInstanceUID: string;
}

/** One object not yet at one destination, as `GET /api/routing` lists it. */
export interface Delivery {
  readonly destination: string;
  readonly state: 'pending' | 'failed';
  readonly object: RoutedObject;
  readonly image: RoutedImage;
  readonly attempts: number;
  readonly queuedAt: string;
  readonly reason?: string;
  readonly message?: string;
  readonly lastFailedAt?: string;
  /** Absent for a failed delivery: it waits for `retryFailed()`. */
  readonly nextAttemptAt?: string;
  /**
   * Kept before its object was stored, and not yet known to be stored: not tried while its store is
   * under way. Once that store is given up, or a run that stopped in between left it, it is sent if
   * Orthanc has the object and forgotten if not, since whoever stores it later routes it then.
   */
  readonly awaitingStore?: true;
}

export interface RoutingMetrics {
  readonly routed: Counter<'destination'>;
  readonly failures: Counter<'destination' | 'reason'>;
  readonly outbox: Gauge<'destination' | 'state'>;
}

/** The routing metrics, in the sidecar's registry. */
export function createRoutingMetrics(registry: Registry): RoutingMetrics {
  const registers = [registry];
  return {
    routed: new Counter({ name: 'cxr_routed_total', help: 'Result objects a destination confirmed it stored, by destination', labelNames: ['destination'], registers }),
    failures: new Counter({
      name: 'cxr_route_failures_total',
      help: 'Attempts to send a result object that did not succeed, by destination and reason',
      labelNames: ['destination', 'reason'],
      registers,
    }),
    outbox: new Gauge({
      name: 'cxr_route_outbox',
      help: 'Result objects not yet at a destination: pending (being retried) or failed (retried when asked)',
      labelNames: ['destination', 'state'],
      registers,
    }),
  };
}

export interface ResultRouterOptions {
  readonly destinations: readonly Destination[];
  readonly sender: ObjectSender;
  readonly metrics: RoutingMetrics;
  readonly logger?: Logger;
  /** Where deliveries are kept across restarts; absent, in memory only. */
  readonly directory?: string;
  readonly maxAttempts?: number;
  readonly initialDelayMs?: number;
  readonly maxDelayMs?: number;
  readonly now?: () => number;
}

interface Entry {
  listing: Delivery;
  nextAttempt: number;
  attempting: Promise<void> | undefined;
}

const uidPattern = /^[0-9]+(\.[0-9]+)*$/;

/** When a held delivery is due: not until its store has ended (see the file's comment). */
const whenStored = Number.POSITIVE_INFINITY;

export class ResultRouter {
  readonly #destinations: ReadonlyMap<string, Destination>;
  readonly #sender: ObjectSender;
  readonly #metrics: RoutingMetrics;
  readonly #log: Logger;
  readonly #directory: string | undefined;
  readonly #maxAttempts: number;
  readonly #initialDelayMs: number;
  readonly #maxDelayMs: number;
  readonly #now: () => number;
  readonly #entries = new Map<string, Entry>();
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;
  #sending = false;

  constructor(options: ResultRouterOptions) {
    this.#destinations = new Map(options.destinations.map((d) => [d.name, d]));
    this.#sender = options.sender;
    this.#metrics = options.metrics;
    this.#log = (options.logger ?? silentLogger).child({ tag: 'routing' });
    this.#directory = options.directory;
    this.#maxAttempts = options.maxAttempts ?? 10;
    this.#maxDelayMs = options.maxDelayMs ?? 300_000;
    this.#initialDelayMs = Math.min(options.initialDelayMs ?? 2_000, this.#maxDelayMs);
    this.#now = options.now ?? Date.now;
    for (const d of options.destinations) for (const state of ['pending', 'failed']) this.#metrics.outbox.set({ destination: d.name, state }, 0);
  }

  /** The destinations by name and kind, without their credentials (the listing shows them). */
  get destinations(): Array<{ name: string; type: Destination['type'] }> {
    return [...this.#destinations.values()].map((d) => ({ name: d.name, type: d.type }));
  }

  /** Every delivery not yet confirmed, oldest first. */
  list(): Delivery[] {
    return [...this.#entries.values()].map((e) => e.listing).sort((a, b) => a.queuedAt.localeCompare(b.queuedAt));
  }

  /**
   * An object is about to be stored: keep its deliveries on disk first (see the file's comment). They are
   * sent once `route` says it is stored, or tried once `abandoned` says its store ended otherwise.
   */
  async hold(object: RoutedObject, image: RoutedImage): Promise<void> {
    await this.#queue(object, image, { awaitingStore: true });
  }

  /**
   * The store of a held object ended without saying whether Orthanc has it (an error past the SR
   * outbox): its deliveries are tried now, sent if the object is there and forgotten if not.
   */
  abandoned(object: RoutedObject): void {
    const now = this.#now();
    for (const destination of this.#destinations.keys()) {
      const entry = this.#entries.get(keyOf(destination, object.SOPInstanceUID));
      if (entry?.listing.awaitingStore && !entry.attempting) entry.nextAttempt = now;
    }
    this.#schedule();
  }

  /**
   * An object is in Orthanc: queue it for every destination (kept on disk before this resolves) and send
   * it in the background. An object already queued for a destination is not queued twice.
   */
  async route(object: RoutedObject, image: RoutedImage): Promise<void> {
    await this.#queue(object, image, { awaitingStore: false });
  }

  async #queue(object: RoutedObject, image: RoutedImage, options: { readonly awaitingStore: boolean }): Promise<void> {
    if (!uidPattern.test(object.SOPInstanceUID)) return;
    const at = new Date(this.#now()).toISOString();
    for (const destination of this.#destinations.values()) {
      const key = keyOf(destination.name, object.SOPInstanceUID);
      const queued = this.#entries.get(key);
      if (queued) {
        // Held and now stored: due at once. The file still says held; read after a crash, the object is
        // then found in Orthanc and sent, so it need not be written again.
        if (!options.awaitingStore && queued.listing.awaitingStore) {
          const { awaitingStore: _held, ...listing } = queued.listing;
          queued.listing = listing;
          queued.nextAttempt = Math.min(queued.nextAttempt, this.#now());
        }
        continue;
      }
      const entry: Entry = {
        listing: {
          destination: destination.name,
          state: 'pending',
          object: { SOPInstanceUID: object.SOPInstanceUID, SeriesInstanceUID: object.SeriesInstanceUID },
          image: { StudyInstanceUID: image.StudyInstanceUID, SeriesInstanceUID: image.SeriesInstanceUID, SOPInstanceUID: image.SOPInstanceUID },
          attempts: 0,
          queuedAt: at,
          ...(options.awaitingStore ? { awaitingStore: true as const } : {}),
        },
        nextAttempt: options.awaitingStore ? whenStored : this.#now(),
        attempting: undefined,
      };
      this.#entries.set(key, entry);
      await this.#persist(key, entry);
    }
    this.#report();
    this.#schedule();
  }

  /** Puts failed deliveries (of one destination, or all) back to pending and sends them now. */
  async retryFailed(destination?: string): Promise<{ delivered: number; stillUndelivered: number }> {
    const failed = [...this.#entries.entries()].filter(([, e]) => e.listing.state === 'failed' && (destination === undefined || e.listing.destination === destination));
    let delivered = 0;
    for (const [key, entry] of failed) {
      const { nextAttemptAt: _n, ...rest } = entry.listing;
      entry.listing = { ...rest, state: 'pending', attempts: 0 };
      await this.#attempt(key, entry);
      if (!this.#entries.has(key)) delivered += 1;
    }
    this.#report();
    this.#schedule();
    return { delivered, stillUndelivered: this.#entries.size };
  }

  /** Sends every pending delivery that is due; the background timer calls this. */
  async sendDue(): Promise<void> {
    const due = [...this.#entries.entries()].filter(([, e]) => e.listing.state === 'pending' && !e.attempting && e.nextAttempt <= this.#now());
    for (const [key, entry] of due) {
      if (this.#stopped) return;
      await this.#attempt(key, entry);
    }
  }

  /** Resolves when nothing is due or being sent (tests, a stopping sidecar that wants to finish). */
  async idle(): Promise<void> {
    for (;;) {
      const busy = [...this.#entries.values()].filter((e) => e.attempting).map((e) => e.attempting);
      if (busy.length === 0) return;
      await Promise.all(busy);
    }
  }

  /**
   * Stops sending. Deliveries queued after this are still written to disk, not sent: a store the outbox
   * was retrying as the sidecar stopped can end after it, and its delivery is then the next start's.
   */
  stop(): void {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#sender.close();
  }

  #attempt(key: string, entry: Entry): Promise<void> {
    entry.attempting ??= this.#attemptNow(key, entry).finally(() => {
      entry.attempting = undefined;
    });
    return entry.attempting;
  }

  async #attemptNow(key: string, entry: Entry): Promise<void> {
    const { destination: name, object } = entry.listing;
    const destination = this.#destinations.get(name);
    if (!destination) {
      // A delivery kept from a run whose routing file named a destination this one does not.
      this.#fail(entry, new DeliveryError('refused', `destination '${name}' is no longer configured`), true);
      await this.#persist(key, entry);
      return;
    }
    try {
      await this.#sender.send(destination, object);
    } catch (error) {
      const failure = error instanceof DeliveryError ? error : new DeliveryError('bad-answer', String(error), { cause: error });
      if (failure.reason === 'not-in-orthanc' && entry.listing.awaitingStore) {
        // Its store never happened; the run that stores it later routes it then.
        this.#entries.delete(key);
        await this.#forget(key);
        this.#log.info('forgot a delivery whose object was never stored', { destination: name, srSOPInstanceUID: object.SOPInstanceUID });
        this.#report();
        return;
      }
      this.#metrics.failures.inc({ destination: name, reason: failure.reason });
      this.#fail(entry, failure, false);
      await this.#persist(key, entry);
      return;
    }
    this.#entries.delete(key);
    await this.#forget(key);
    this.#metrics.routed.inc({ destination: name });
    this.#log.info('delivered', { destination: name, srSOPInstanceUID: object.SOPInstanceUID, SOPInstanceUID: entry.listing.image.SOPInstanceUID, attempts: entry.listing.attempts + 1 });
    this.#report();
    this.#reachableAgain(name);
  }

  #fail(entry: Entry, failure: DeliveryError, final: boolean): void {
    const attempts = entry.listing.attempts + 1;
    const state = final || attempts >= this.#maxAttempts ? 'failed' : 'pending';
    const delay = Math.min(this.#maxDelayMs, this.#initialDelayMs * 2 ** Math.min(attempts - 1, 30));
    entry.nextAttempt = this.#now() + delay;
    const { nextAttemptAt: _previous, ...rest } = entry.listing;
    entry.listing = {
      ...rest,
      state,
      attempts,
      reason: failure.reason,
      message: failure.message,
      lastFailedAt: new Date(this.#now()).toISOString(),
      ...(state === 'pending' ? { nextAttemptAt: new Date(entry.nextAttempt).toISOString() } : {}),
    };
    const fields = { destination: entry.listing.destination, srSOPInstanceUID: entry.listing.object.SOPInstanceUID, attempts, reason: failure.reason, message: failure.message };
    if (state === 'failed') this.#log.error('a destination kept failing; the delivery is listed as failed until retried', fields);
    else this.#log.warn('a delivery failed; it is kept and retried', { ...fields, nextAttemptAt: entry.listing.nextAttemptAt });
    this.#report();
  }

  /**
   * A destination just took an object: the ones waiting for it need not wait out their backoff. Not a
   * held one: it waits for its store, not for the destination, and tried now it would be forgotten as
   * "never stored" while its upload is under way; a worker killed after Orthanc took it would then leave
   * a stored object no one routes (the one object a scale-out run lost at the PACS).
   */
  #reachableAgain(destination: string): void {
    const now = this.#now();
    for (const entry of this.#entries.values()) {
      const { listing } = entry;
      if (listing.destination === destination && listing.state === 'pending' && !listing.awaitingStore && !entry.attempting && entry.nextAttempt > now) entry.nextAttempt = now;
    }
  }

  #schedule(): void {
    // While a round is sending, its end schedules the next one (with whatever was added meanwhile).
    if (this.#stopped || this.#sending) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    const due = [...this.#entries.values()].filter((e) => e.listing.state === 'pending' && !e.attempting && Number.isFinite(e.nextAttempt));
    if (due.length === 0) return;
    const next = Math.min(...due.map((e) => e.nextAttempt));
    this.#timer = setTimeout(
      () => {
        this.#timer = undefined;
        this.#sending = true;
        // Whatever happened, the next due delivery gets its timer (Node's timer clock can lag Date.now()).
        this.sendDue()
          .catch((error: unknown) => this.#log.error('sending results failed', { error }))
          .finally(() => {
            this.#sending = false;
            this.#schedule();
          });
      },
      Math.max(0, next - this.#now()),
    );
    // Waiting deliveries must not keep a process alive that is otherwise done.
    this.#timer.unref();
  }

  #report(): void {
    const counts = new Map<string, number>();
    for (const d of this.#destinations.keys()) for (const s of ['pending', 'failed']) counts.set(`${d}|${s}`, 0);
    for (const { listing } of this.#entries.values()) counts.set(`${listing.destination}|${listing.state}`, (counts.get(`${listing.destination}|${listing.state}`) ?? 0) + 1);
    for (const [key, count] of counts) {
      const [destination, state] = key.split('|') as [string, string];
      this.#metrics.outbox.set({ destination, state }, count);
    }
  }

  async #persist(key: string, entry: Entry): Promise<void> {
    if (!this.#directory) return;
    await mkdir(this.#directory, { recursive: true });
    await writeAtomically(join(this.#directory, `${key}.json`), `${JSON.stringify(entry.listing)}\n`);
  }

  async #forget(key: string): Promise<void> {
    if (this.#directory) await rm(join(this.#directory, `${key}.json`), { force: true });
  }

  /** Takes up the deliveries a previous run left and sends the pending ones from now on. */
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
      try {
        const listing = JSON.parse(await readFile(join(directory, name), 'utf8')) as Delivery;
        if (typeof listing.destination !== 'string' || !uidPattern.test(listing.object?.SOPInstanceUID ?? '')) throw new Error('not a delivery');
        const key = keyOf(listing.destination, listing.object.SOPInstanceUID);
        if (`${key}.json` !== name) throw new Error(`its name does not match its content (${key})`);
        this.#entries.set(key, { listing, nextAttempt: this.#now(), attempting: undefined });
      } catch (error) {
        this.#log.error('cannot read a kept delivery; leaving its file in place', { file: join(directory, name), error });
      }
    }
    if (this.#entries.size > 0) this.#log.warn('results from an earlier run have not reached their destinations yet; sending them', { count: this.#entries.size });
    this.#report();
    this.#schedule();
  }
}

function keyOf(destination: string, uid: string): string {
  return `${destination}--${uid}`;
}
