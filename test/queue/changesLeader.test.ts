/**
 * One follower of an Orthanc's /changes among several workers: a lease in Redis, the cursor beside it,
 * written only by the lease's holder. Real Redis, real Orthanc, real ChangesFollowers.
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

const until = (what: string, check: () => boolean | Promise<boolean>, timeoutMs = 10_000) => eventually(what, async () => check(), timeoutMs);

// One scenario in steps over one pair of leaders: who leads, then a hand-over, then a usurped lease.
describe('the changes lease', { shuffle: false }, () => {
  let redis: TestRedis;
  let orthanc: TestOrthanc;
  let client: Redis;
  let images: Uint8Array[];
  const delivered: Array<{ leader: string; id: string }> = [];
  const stores = new Map<string, CursorStore>();
  const leaders: ChangesLeader[] = [];
  const leaseMs = 600;
  let keys: { lease: string; cursor: string };

  beforeAll(async () => {
    [redis, orthanc] = await Promise.all([startTestRedis(), startTestOrthanc()]);
    images = distinctCopies(await readRealImage(), 3);
    client = new Redis(redis.url, { maxRetriesPerRequest: null });
    keys = changesKeys(`t${randomBytes(4).toString('hex')}`, orthanc.url);
    for (const name of ['one', 'two']) {
      const redisOfWorker = new Redis(redis.url, { maxRetriesPerRequest: null });
      leaders.push(
        new ChangesLeader({
          redis: redisOfWorker,
          keys,
          leaseMs,
          logger: silentLogger,
          makeFollower: (store, cursorName) => {
            stores.set(name, store);
            return new ChangesFollower({
              client: orthanc.client,
              cursorFile: cursorName,
              cursorStore: store,
              pollIntervalMs: 100,
              onNewInstance: async (id) => {
                delivered.push({ leader: name, id });
              },
            });
          },
        }),
      );
    }
  });

  afterAll(async () => {
    await Promise.all(leaders.map((l) => l.stop()));
    client?.disconnect();
    await orthanc?.stop();
    await redis?.stop();
  });

  it('should let exactly one worker follow, with its cursor in Redis', async () => {
    for (const leader of leaders) leader.start();
    await until('a worker leads', () => leaders.some((l) => l.leading));
    await new Promise((resolve) => setTimeout(resolve, leaseMs));
    expect(leaders.filter((l) => l.leading)).toHaveLength(1);
    const holder = leaders.find((l) => l.leading) as ChangesLeader;
    expect(await client.get(keys.lease)).toBe(holder.token);

    const { ID } = await orthanc.client.uploadInstance(images[0] as Uint8Array);
    await until('the instance is delivered', () => delivered.some((d) => d.id === ID));
    const last = await orthanc.client.lastChange();
    await until('the cursor is saved in Redis', async () => (JSON.parse((await client.get(keys.cursor)) ?? '{}') as { since?: number }).since === last?.Seq);
  });

  it('should hand over to the other worker when the holder stops, which goes on from the saved cursor', async () => {
    const holder = leaders.find((l) => l.leading) as ChangesLeader;
    const other = leaders.find((l) => l !== holder) as ChangesLeader;
    await holder.stop();
    await until('the other worker leads', () => other.leading, leaseMs * 3);
    const { ID } = await orthanc.client.uploadInstance(images[1] as Uint8Array);
    await until('the new instance is delivered', () => delivered.some((d) => d.id === ID));
    // Each instance once: the second follower started from the cursor, not from the beginning.
    expect(new Set(delivered.map((d) => d.id)).size).toBe(delivered.length);
    holder.start();
  });

  it('should refuse a cursor write from a worker whose lease another took, and make it stop following', async () => {
    const holder = leaders.find((l) => l.leading) as ChangesLeader;
    const name = leaders.indexOf(holder) === 0 ? 'one' : 'two';
    const before = await client.get(keys.cursor);
    await client.set(keys.lease, 'usurper', 'PX', 60_000);
    await expect((stores.get(name) as CursorStore).write({ since: 1 })).rejects.toThrow(LeaseLostError);
    expect(await client.get(keys.cursor)).toBe(before);
    await until('the holder resigns', () => !holder.leading, leaseMs * 3);
    expect(leaders.some((l) => l.leading)).toBe(false);
  });
});
