/**
 * A shared-queue job whose objects Orthanc refuses is not done: the refused objects wait only in that
 * worker's outbox, whose disk may die with it (a Kubernetes emptyDir). The job stays in Redis and runs
 * again, so another worker classifies the image once Orthanc accepts. Real Redis, real Orthanc refusing
 * SRs through a Lua filter, the real model; two sidecars' parts in this process.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiPaths } from '../../inference-service/src/config/defaults.ts';
import type { BullmqArrivalQueue } from '../../inference-service/src/queue/bullmqQueue.ts';
import { imageObjectUids } from '../../inference-service/src/service/imageObjects.ts';
import type { SidecarParts } from '../../inference-service/src/sidecar.ts';
import { auth, postJson, readRealImage, startHarness, type Harness } from '../api/harness.ts';
import { eventually } from '../support/eventually.ts';
import { distinctCopies } from '../support/orthanc.ts';
import { startTestRedis, type TestRedis } from '../support/redis.ts';
import { srRefusal, type SrRefusal } from '../support/refuseSrs.ts';

async function jobCounts(sidecar: SidecarParts): Promise<Record<string, number>> {
  const response = await sidecar.app.request(`${apiPaths.queue}/failed`, { headers: auth });
  expect(response.status).toBe(200);
  return ((await response.json()) as { counts: Record<string, number> }).counts;
}

describe('a shared-queue job whose objects Orthanc refuses', () => {
  let h: Harness;
  let redis: TestRedis;
  let refusal: SrRefusal;
  let first: SidecarParts;
  let second: SidecarParts;
  let firstDir: string;
  let secondDir: string;

  beforeAll(async () => {
    refusal = await srRefusal();
    [h, redis, firstDir, secondDir] = await Promise.all([
      startHarness({ orthanc: { luaScripts: [refusal.script] } }),
      startTestRedis(),
      mkdtemp(join(tmpdir(), 'cxr-worker-a-')),
      mkdtemp(join(tmpdir(), 'cxr-worker-b-')),
    ]);
    // Backoff from 100 ms over 9 attempts: ~50 s in all, room for the first worker's retries and the second's turn.
    const queue = { redisUrl: redis.url, prefix: `t${randomBytes(4).toString('hex')}`, lockMs: 5_000, attempts: 9, backoffMs: 100 };
    first = h.build({ autoClassify: true, dataDir: firstDir, queue });
    second = h.build({ autoClassify: true, dataDir: secondDir, queue });
  });

  afterAll(async () => {
    await Promise.all([first?.arrivals.stop(), second?.arrivals.stop()]);
    first?.outbox.stop();
    second?.outbox.stop();
    await h?.stop();
    await Promise.all([redis?.stop(), refusal?.remove(), rm(firstDir, { recursive: true, force: true }), rm(secondDir, { recursive: true, force: true })]);
  });

  it('should keep the job until Orthanc holds the objects, so that another worker stores them when the first is gone with its outbox', async () => {
    const [image] = distinctCopies(await readRealImage(), 1) as [Uint8Array];
    await refusal.refuse();
    const orthancInstanceId = (await h.orthanc.client.uploadInstance(image)).ID;
    const SOPInstanceUID = (await h.orthanc.client.instanceTags(orthancInstanceId)).SOPInstanceUID as string;
    const { result, report } = imageObjectUids(SOPInstanceUID, first.service.model.onnxSha256);

    await first.arrivals.start();
    await eventually('the first worker reaches Redis', async () => (first.arrivals as BullmqArrivalQueue).redis.status === 'ready');
    expect((await postJson(first, apiPaths.orthancEvent, { orthancInstanceId })).status).toBe(202);
    await eventually('the refused SRs wait in the first worker\'s outbox', async () => first.outbox.list().some((entry) => entry.sr.SOPInstanceUID === result.SOPInstanceUID));
    // Refused, so not done: the job waits out its backoff in Redis to run again, rather than completing.
    await eventually('the job waits to run again', async () => (await jobCounts(first)).delayed === 1);
    expect(await jobCounts(first)).toMatchObject({ completed: 0, failed: 0 });

    // The first worker goes, and its disk with it: what its outbox kept is lost.
    await first.arrivals.stop();
    first.outbox.stop();
    await rm(firstDir, { recursive: true, force: true });

    await refusal.accept();
    await second.arrivals.start();
    await eventually(
      'the second worker stores both SRs',
      async () => Boolean((await h.orthanc.client.instanceIdByUid(result.SOPInstanceUID)) && (await h.orthanc.client.instanceIdByUid(report.SOPInstanceUID))),
    );
    await eventually('the job completed', async () => (await jobCounts(second)).completed === 1);
    expect(await jobCounts(second)).toMatchObject({ completed: 1, failed: 0, waiting: 0, active: 0 });
  });
});
