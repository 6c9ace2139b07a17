/**
 * One follower of an Orthanc's /changes among several workers: a lease in Redis, the cursor beside it,
 * written only by the lease's holder. Real Redis, real Orthanc, real ChangesFollowers. Each test makes
 * its own pair of workers on keys of their own, so the tests run in any order.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChangesFollower } from '../../inference-service/src/autoClassify/changesFollower.ts';
import type { CursorStore } from '../../inference-service/src/autoClassify/cursorStore.ts';
import { silentLogger } from '../../inference-service/src/log.ts';
import { ChangesLeader, changesKeys, LeaseLostError } from '../../inference-service/src/queue/changesLeader.ts';
import { distinctCopies, startTestOrthanc, type TestOrthanc } from '../support/orthanc.ts';
import { readRealImage } from '../api/harness.ts';
import { eventually } from '../support/eventually.ts';
import { startTestRedis, type TestRedis } from '../support/redis.ts';

const leaseMs = 600;
const until = (what: string, check: () => boolean | Promise<boolean>, timeoutMs = 10_000) => eventually(what, async () => check(), timeoutMs);

interface Pair {
  readonly leaders: readonly ChangesLeader[];
  readonly keys: { readonly lease: string; readonly cursor: string };
  /** Instances delivered, by which worker. */
  readonly delivered: Array<{ readonly worker: number; readonly id: string }>;
  /** Each worker's cursor store of its latest tenure. */
  readonly stores: Map<number, CursorStore>;
  holder(): ChangesLeader;
  stop(): Promise<void>;
}

describe('the changes lease', () => {
  let redis: TestRedis;
  let orthanc: TestOrthanc;
  let client: Redis;
  let images: Uint8Array[];

  beforeAll(async () => {
    [redis, orthanc] = await Promise.all([startTestRedis(), startTestOrthanc()]);
    images = distinctCopies(await readRealImage(), 4);
    client = new Redis(redis.url, { maxRetriesPerRequest: null });
  });

  afterAll(async () => {
    client?.disconnect();
    await orthanc?.stop();
    await redis?.stop();
  });

  /** Two workers, each with its own Redis connection, competing for one Orthanc's lease; started. */
  async function startPair(): Promise<Pair> {
    const keys = changesKeys(`t${randomBytes(4).toString('hex')}`, orthanc.url);
    const delivered: Array<{ worker: number; id: string }> = [];
    const stores = new Map<number, CursorStore>();
    const connections = [0, 1].map(() => new Redis(redis.url, { maxRetriesPerRequest: null }));
    const leaders = connections.map(
      (connection, worker) =>
        new ChangesLeader({
          redis: connection,
          keys,
          leaseMs,
          logger: silentLogger,
          makeFollower: (store, cursorName) => {
            stores.set(worker, store);
            return new ChangesFollower({
              client: orthanc.client,
              cursorFile: cursorName,
              cursorStore: store,
              pollIntervalMs: 100,
              onNewInstance: async (id) => {
                delivered.push({ worker, id });
              },
            });
          },
        }),
    );
    for (const leader of leaders) leader.start();
    await until('a worker leads', () => leaders.some((l) => l.leading));
    return {
      leaders,
      keys,
      delivered,
      stores,
      holder: () => leaders.find((l) => l.leading) as ChangesLeader,
      async stop() {
        await Promise.all(leaders.map((l) => l.stop()));
        for (const connection of connections) connection.disconnect();
      },
    };
  }

  it('should let exactly one worker follow, with its cursor in Redis', async () => {
    const pair = await startPair();
    try {
      // Long enough for the other to have taken the lease, were it free.
      await new Promise((resolve) => setTimeout(resolve, leaseMs));
      expect(pair.leaders.filter((l) => l.leading)).toHaveLength(1);
      expect(await client.get(pair.keys.lease)).toBe(pair.holder().token);

      const { ID } = await orthanc.client.uploadInstance(images[0] as Uint8Array);
      await until('the instance is delivered', () => pair.delivered.some((d) => d.id === ID));
      const last = await orthanc.client.lastChange();
      await until('the cursor is saved in Redis', async () => (JSON.parse((await client.get(pair.keys.cursor)) ?? '{}') as { since?: number }).since === last?.Seq);
    } finally {
      await pair.stop();
    }
  });

  it('should hand over to the other worker when the holder stops, which goes on from the saved cursor', async () => {
    const pair = await startPair();
    try {
      const first = await orthanc.client.uploadInstance(images[1] as Uint8Array);
      await until('the first instance is delivered', () => pair.delivered.some((d) => d.id === first.ID));
      const holder = pair.holder();
      const other = pair.leaders.find((l) => l !== holder) as ChangesLeader;
      await holder.stop();
      await until('the other worker leads', () => other.leading, leaseMs * 3);
      // While nobody follows, an image arrives; the other then takes over with nothing in memory.
      await other.stop();
      const second = await orthanc.client.uploadInstance(images[2] as Uint8Array);
      other.start();
      await until('the second instance is delivered', () => pair.delivered.some((d) => d.id === second.ID));
      // Each instance once: the new tenure read the saved cursor, neither from the beginning nor from the end.
      expect(pair.delivered.map((d) => d.id)).toEqual([first.ID, second.ID]);
      expect(pair.delivered.map((d) => d.worker)).toEqual([pair.leaders.indexOf(holder), pair.leaders.indexOf(other)]);
    } finally {
      await pair.stop();
    }
  });

  it('should refuse a cursor write from a worker whose lease another took, and make it stop following', async () => {
    const pair = await startPair();
    try {
      const { ID } = await orthanc.client.uploadInstance(images[3] as Uint8Array);
      await until('the instance is delivered', () => pair.delivered.some((d) => d.id === ID));
      const holder = pair.holder();
      const store = pair.stores.get(pair.leaders.indexOf(holder)) as CursorStore;
      const before = await client.get(pair.keys.cursor);
      await client.set(pair.keys.lease, 'usurper', 'PX', 60_000);
      await expect(store.write({ since: 1 })).rejects.toThrow(LeaseLostError);
      expect(await client.get(pair.keys.cursor)).toBe(before);
      await until('the holder resigns', () => !holder.leading, leaseMs * 3);
      expect(pair.leaders.some((l) => l.leading)).toBe(false);
    } finally {
      await pair.stop();
    }
  });
});
