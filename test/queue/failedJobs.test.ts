/**
 * The shared queue's failed jobs, through the API: a job whose Orthanc is down fails its attempts, is
 * listed at /api/queue/failed (operators only) and in the metrics, and once Orthanc is back a retry
 * classifies it. Real Redis, real Orthanc, the real model; the sidecar's app in this process. The tests
 * stand alone (the access test needs no job), so they run in any order.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { roles } from '../../inference-service/src/access/principal.ts';
import { SessionKeeper, sessionCookieName } from '../../inference-service/src/access/session.ts';
import { apiPaths } from '../../inference-service/src/config/defaults.ts';
import { imageObjectUids } from '../../inference-service/src/service/imageObjects.ts';
import type { SidecarParts } from '../../inference-service/src/sidecar.ts';
import type { FailedJob } from '../../inference-service/src/queue/arrivalQueue.ts';
import type { BullmqArrivalQueue } from '../../inference-service/src/queue/bullmqQueue.ts';
import { auth, postJson, readRealImage, startHarness, testToken, type Harness } from '../api/harness.ts';
import { distinctCopies } from '../support/orthanc.ts';
import { eventually } from '../support/eventually.ts';
import { startTestRedis, type TestRedis } from '../support/redis.ts';

/** The value `read` gives once `done` holds of it. */
async function until<T>(what: string, read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  let last: T | undefined;
  await eventually(what, async () => done((last = await read())));
  return last as T;
}

async function failedList(sidecar: SidecarParts): Promise<{ queue: string; failed: FailedJob[]; counts: Record<string, number> }> {
  const response = await sidecar.app.request(`${apiPaths.queue}/failed`, { headers: auth });
  expect(response.status).toBe(200);
  return (await response.json()) as { queue: string; failed: FailedJob[]; counts: Record<string, number> };
}

describe("the shared queue's failed jobs", () => {
  let h: Harness;
  let redis: TestRedis;
  let sidecar: SidecarParts;
  let image: Uint8Array;

  beforeAll(async () => {
    [h, redis] = await Promise.all([startHarness(), startTestRedis()]);
    [image] = distinctCopies(await readRealImage(), 1) as [Uint8Array];
    sidecar = h.build({
      autoClassify: true,
      queue: { redisUrl: redis.url, prefix: `t${randomBytes(4).toString('hex')}`, lockMs: 5_000, attempts: 2, backoffMs: 50 },
    });
  });

  afterAll(async () => {
    await sidecar?.arrivals.stop();
    await h?.stop();
    await redis?.stop();
  });

  it('should show the failed jobs and retry them for operators only', async () => {
    expect((await sidecar.app.request(`${apiPaths.queue}/failed`)).status).toBe(401);
    const reader = new SessionKeeper(testToken).encode({ sid: 'reader', sub: 'reader', roles: [roles.read, roles.classify], exp: Date.now() / 1000 + 60 });
    const asReader = { cookie: `${sessionCookieName}=${reader}`, 'sec-fetch-site': 'same-origin' };
    expect((await sidecar.app.request(`${apiPaths.queue}/failed`, { headers: asReader })).status).toBe(403);
    expect((await sidecar.app.request(`${apiPaths.queue}/retry`, { method: 'POST', headers: asReader })).status).toBe(403);
  });

  it('should make one job of repeated announcements, fail it after its attempts while Orthanc is down, list it, and classify it when retried', async () => {
    const orthancInstanceId = (await h.orthanc.client.uploadInstance(image)).ID;
    // Until its Redis connection is up the hook's announcements are refused (the follower brings them back).
    await eventually('the queue reaches Redis', async () => (sidecar.arrivals as BullmqArrivalQueue).redis.status === 'ready');
    // Announced three times before any worker runs: one job waits.
    for (let i = 0; i < 3; i++) expect((await postJson(sidecar, apiPaths.orthancEvent, { orthancInstanceId })).status).toBe(202);
    const queued = await until('the job is queued', () => failedList(sidecar), (l) => l.counts.waiting === 1);
    expect(queued).toMatchObject({ queue: 'bullmq', failed: [], counts: { waiting: 1, active: 0, failed: 0 } });

    await h.orthanc.kill();
    try {
      await sidecar.arrivals.start();
      const list = await until('the job failed', () => failedList(sidecar), (l) => l.failed.length === 1);
      expect(list.failed[0]).toMatchObject({
        orthancInstanceId,
        SOPInstanceUID: expect.stringMatching(/^[0-9.]+$/),
        source: 'hook',
        attempts: 2,
        failedReason: expect.stringMatching(/^Orthanc is unavailable/),
      });
      const metrics = await (await sidecar.app.request(apiPaths.metrics, { headers: auth })).text();
      expect(metrics).toMatch(/^cxr_queue_jobs\{state="failed"\} 1$/m);
      expect(metrics).toMatch(/^cxr_queue_jobs_failed_total 1$/m);
    } finally {
      await h.orthanc.restart();
    }

    const retry = await postJson(sidecar, `${apiPaths.queue}/retry`, {});
    expect(retry.status).toBe(200);
    expect(await retry.json()).toEqual({ retried: 1 });
    const SOPInstanceUID = (await h.orthanc.client.instanceTags(orthancInstanceId)).SOPInstanceUID as string;
    const { result, report } = imageObjectUids(SOPInstanceUID, sidecar.service.model.onnxSha256);
    await until(
      'both SRs are stored',
      async () => [await h.orthanc.client.instanceIdByUid(result.SOPInstanceUID), await h.orthanc.client.instanceIdByUid(report.SOPInstanceUID)],
      (ids) => ids.every(Boolean),
    );
    const after = await until('the job completed', () => failedList(sidecar), (l) => l.counts.completed === 1);
    expect(after).toMatchObject({ failed: [], counts: { failed: 0, waiting: 0, active: 0 } });
  });
});
