/**
 * Exactly one follower of an Orthanc's `/changes` among all the workers of a shared queue: a lease in
 * Redis (SET NX PX), renewed by its holder, taken by another worker once it lapses (the holder died or
 * lost Redis). The cursor lives in Redis beside it, and a write is accepted only from the lease's holder
 * (checked in the same Lua script), so a follower that lost its lease cannot move the cursor back.
 *
 * Overlap is harmless, just wasteful: while a lapsed holder has not noticed yet, two followers may
 * submit the same arrivals, and the job ids make those the same jobs.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { parseCursor, type CursorStore } from '../autoClassify/cursorStore.ts';
import type { ChangesFollower } from '../autoClassify/changesFollower.ts';
import type { Logger } from '../log.ts';

/** Renews when the key still holds our token; 0 when another holds it or it lapsed. */
const renewScript = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;
const releaseScript = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;
/** KEYS: lease, cursor; ARGV: token, cursor JSON. */
const fencedWriteScript = `if redis.call('get', KEYS[1]) == ARGV[1] then redis.call('set', KEYS[2], ARGV[2]) return 1 else return 0 end`;

export class LeaseLostError extends Error {
  override readonly name = 'LeaseLostError';
}

export interface ChangesLeaderOptions {
  readonly redis: Redis;
  /** One per Orthanc (see `changesKeys`). */
  readonly keys: { readonly lease: string; readonly cursor: string };
  /** How long the lease lasts unrenewed; renewed every third of it. */
  readonly leaseMs: number;
  /** A follower for one tenure, reading and writing the cursor through `cursorStore`. */
  readonly makeFollower: (cursorStore: CursorStore, cursorName: string) => ChangesFollower;
  readonly logger: Logger;
}

/** The Redis keys of one Orthanc's follower lease and cursor. */
export function changesKeys(prefix: string, orthancUrl: string): { lease: string; cursor: string } {
  const base = `${prefix}:changes:${encodeURIComponent(orthancUrl)}`;
  return { lease: `${base}:lease`, cursor: `${base}:cursor` };
}

export class ChangesLeader {
  /** Names this worker in the lease's value (the log of whoever looks at Redis says who follows). */
  readonly token = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  readonly #options: ChangesLeaderOptions;
  readonly #log: Logger;
  #follower: ChangesFollower | undefined;
  #loop: Promise<void> | undefined;
  #stopping = false;
  #wake = new AbortController();

  constructor(options: ChangesLeaderOptions) {
    if (!(options.leaseMs >= 300)) throw new Error(`ChangesLeader: leaseMs must be at least 300, got ${options.leaseMs}`);
    this.#options = options;
    this.#log = options.logger.child({ tag: 'changes-lease' });
  }

  /** True while this worker holds the lease and follows. */
  get leading(): boolean {
    return this.#follower !== undefined;
  }

  start(): void {
    if (this.#loop) return;
    this.#stopping = false;
    this.#loop = this.#run();
  }

  /** Stops following and hands the lease back at once, so another worker need not wait for it to lapse. */
  async stop(): Promise<void> {
    this.#stopping = true;
    this.#wake.abort();
    await this.#loop;
    this.#loop = undefined;
  }

  /** Starts a pass now when this worker follows (the hook announced an arrival). */
  poke(): void {
    this.#follower?.poke();
  }

  async #run(): Promise<void> {
    const { redis, keys, leaseMs } = this.#options;
    while (!this.#stopping) {
      try {
        if (this.#follower) {
          const renewed = Number(await redis.eval(renewScript, 1, keys.lease, this.token, String(leaseMs)));
          if (!renewed) await this.#resign('lost the changes lease (it lapsed or another worker took it); no longer following');
        } else if ((await redis.set(keys.lease, this.token, 'PX', leaseMs, 'NX')) === 'OK') {
          this.#lead();
        }
      } catch (error) {
        // Redis unreachable: the lease lapses on its own; stop writing through it until it is renewed.
        if (this.#follower) await this.#resign('cannot renew the changes lease (Redis unreachable); no longer following', error);
      }
      if (this.#stopping) break;
      await sleep(leaseMs / 3, undefined, { signal: this.#wake.signal }).catch(() => undefined);
    }
    if (this.#follower) {
      await this.#resign(undefined);
      await redis.eval(releaseScript, 1, keys.lease, this.token).catch(() => undefined);
    }
  }

  #lead(): void {
    const { redis, keys } = this.#options;
    const cursorName = `redis ${keys.cursor}`;
    const store: CursorStore = {
      read: async () => {
        const text = await redis.get(keys.cursor);
        return text === null ? undefined : parseCursor(text, cursorName);
      },
      write: async (cursor) => {
        const written = Number(await redis.eval(fencedWriteScript, 2, keys.lease, keys.cursor, this.token, JSON.stringify({ ...cursor, updatedAt: new Date().toISOString() })));
        if (!written) throw new LeaseLostError(`The changes cursor was not saved: this worker (${this.token}) no longer holds the lease`);
      },
    };
    // A new follower per tenure: another holder moved the cursor meanwhile, so nothing held in memory is trusted.
    this.#follower = this.#options.makeFollower(store, cursorName);
    this.#follower.start();
    this.#log.info('holds the changes lease: following Orthanc', { holder: this.token });
  }

  async #resign(message: string | undefined, error?: unknown): Promise<void> {
    const follower = this.#follower;
    this.#follower = undefined;
    if (message) this.#log.warn(message, { holder: this.token, ...(error ? { error } : {}) });
    await follower?.stop();
  }
}
