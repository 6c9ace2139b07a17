/**
 * Issue 15, the site as a whole: a real Redis and PostgreSQL, two Orthancs on one PostgreSQL index, a
 * third Orthanc standing for the hospital's PACS, and two sidecar worker processes sharing one BullMQ
 * queue, each configured with both Orthancs and a routing file that sends every result to the PACS by
 * C-STORE. 100 distinct real images arrive across both Orthancs; one worker is killed outright mid-burst
 * and Redis is stopped for 10 s mid-burst. Every eligible image ends with exactly its objects (both SRs and
 * the heatmaps), the ineligible none, no model run is duplicated (the workers' own metrics say so), no job
 * is left failed, and every object arrives at the PACS over DICOM.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiPaths, configEnv } from '../../inference-service/src/config/defaults.ts';
import { preparePoolEnv } from '../../inference-service/src/pipeline/preparePool.ts';
import { imageObjectUids } from '../../inference-service/src/service/imageObjects.ts';
import { findFreePort } from '../../tooling/freePort.ts';
import { counterTotal, spawnSidecar, type SidecarProcess } from '../../tooling/sidecarProcess.ts';
import { dicomVariant, realImageUids } from '../browser/support/dicomVariant.ts';
import { startTestOrthanc, type TestOrthanc } from '../support/orthanc.ts';
import { startTestPostgres, type TestPostgres } from '../support/postgres.ts';
import { realJpegBaselineDcm } from '../support/paths.ts';
import { eventually } from '../support/eventually.ts';
import { startTestRedis, type TestRedis } from '../support/redis.ts';

const token = `scale-${randomBytes(16).toString('hex')}`;
const workerConcurrency = 2;
const lockMs = 4_000;

interface Worker {
  readonly name: string;
  readonly url: string;
  process: SidecarProcess;
  readonly env: Record<string, string>;
}


describe('two sidecar workers on a shared queue, two Orthancs on one index, results routed to the PACS', () => {
  let redis: TestRedis;
  let postgres: TestPostgres;
  let orthancs: [TestOrthanc, TestOrthanc];
  let pacs: TestOrthanc;
  let work: string;
  const workers: Worker[] = [];

  const startWorker = async (worker: Worker): Promise<void> => {
    worker.process = spawnSidecar(worker.env);
    await worker.process.logLine('listening');
  };

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'cxr-scale-'));
    const [portA, portB, sourceDicomPort] = [await findFreePort(), await findFreePort(), await findFreePort()];
    [redis, postgres] = await Promise.all([startTestRedis(), startTestPostgres()]);
    // The PACS takes C-STOREs from the source Orthancs' AE title on this machine only.
    pacs = await startTestOrthanc({ dicomPort: 0, dicomModalities: { source: { AET: 'CXRFINDINGS', Host: '127.0.0.1', Port: sourceDicomPort } } });
    const database = { host: postgres.host, port: postgres.port, database: postgres.database, username: postgres.username, password: postgres.password, lock: false };
    const credentials = { username: 'cxr-scale', password: `pw-${randomBytes(8).toString('hex')}` };
    // The hook announces arrivals to worker A alone (as to one address behind a balancer); B hears of
    // them through /changes once it holds the lease, and takes jobs from the queue all along.
    const source = { postgres: database, credentials, sidecar: { url: `http://127.0.0.1:${portA}`, token }, dicomModalities: { pacs: { AET: 'PACS', Host: '127.0.0.1', Port: pacs.dicomPort as number } } };
    orthancs = [await startTestOrthanc({ ...source, dicomPort: sourceDicomPort }), await startTestOrthanc(source)];
    const routingFile = join(work, 'routing.json');
    await writeFile(
      routingFile,
      JSON.stringify({ destinations: [{ name: 'pacs', type: 'dicom', modality: 'pacs' }], delivery: { maxAttempts: 100, initialDelayMs: 200, maxDelayMs: 2_000 } }),
    );
    for (const [name, port] of [['a', portA], ['b', portB]] as const) {
      const env = {
        [configEnv.port]: String(port),
        [configEnv.apiToken]: token,
        [configEnv.dataDir]: join(work, `data-${name}`),
        // Both endpoints of the shared index, in the same order on every worker (the lease is named after the first).
        [configEnv.orthancUrl]: orthancs.map((o) => o.url).join(','),
        [configEnv.orthancUsername]: credentials.username,
        [configEnv.orthancPassword]: credentials.password,
        [configEnv.redisUrl]: redis.url,
        [configEnv.queueLockMs]: String(lockMs),
        [configEnv.routingFile]: routingFile,
        [configEnv.concurrency]: String(workerConcurrency),
        [configEnv.intraOpThreads]: '1',
        [preparePoolEnv.threads]: '1',
        [configEnv.logLevel]: 'info',
        [configEnv.viewerDir]: join(work, 'no-viewer'),
        [configEnv.viewerExtensionFile]: join(work, 'no-viewer.mjs'),
      };
      workers.push({ name, url: `http://127.0.0.1:${port}`, env, process: spawnSidecar(env) });
    }
    await Promise.all(workers.map((w) => w.process.logLine('listening', 90_000)));
  }, 180_000);

  afterAll(async () => {
    await Promise.all(workers.map((w) => w.process?.kill('SIGTERM')));
    await Promise.all([...(orthancs ?? []).map((o) => o?.stop()), pacs?.stop()]);
    await Promise.all([redis?.stop(), postgres?.stop()]);
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('should give every eligible image exactly its objects, at the PACS too, with no duplicate model run, through a killed worker and a Redis outage', async () => {
    const [a, b] = workers as [Worker, Worker];
    const [first] = orthancs;
    expect(await a.process.logLine('listening')).toMatchObject({ queue: 'bullmq' });
    const model = (await (await fetch(`${b.url}${apiPaths.model}`, { headers: { authorization: `Bearer ${token}` } })).json()) as { onnx: { sha256: string } };
    const real = new Uint8Array(await readFile(realJpegBaselineDcm));
    const imageCount = 100;
    const variants = Array.from({ length: imageCount }, (_, i) =>
      // Every tenth a lateral view: not eligible, it must get nothing and take no place in the queue.
      dicomVariant(real, realImageUids, i + 1, i % 10 === 9 ? { viewPosition: 'LL' } : {}),
    );
    const isEligible = (_: unknown, i: number) => i % 10 !== 9;
    const eligible = variants.filter(isEligible);
    // Across both Orthancs, one image to each in turn.
    const upload = async (from: number, to: number) => {
      for (let i = from; i < to; i++) await orthancs[i % 2]!.client.uploadInstance(variants[i]!.part10);
    };

    /** Every object the sidecar writes for these images: both SRs and the heatmaps. */
    const objectUids = (images: readonly { SOPInstanceUID: string }[]) =>
      images.flatMap((image) => Object.values(imageObjectUids(image.SOPInstanceUID, model.onnx.sha256)).map((o) => o.SOPInstanceUID));
    /** The objects of `expected` still missing from `where` once all are there, or when the time is up (the test then names them). */
    const allStored = async (where: TestOrthanc, expected: readonly string[], timeoutMs: number): Promise<string[]> => {
      let missing = [...expected];
      const probe = async () => {
        const present = await Promise.all(missing.map((uid) => where.client.instanceIdByUid(uid)));
        missing = missing.filter((_, i) => present[i] === undefined);
        return missing.length === 0;
      };
      await eventually(`every eligible image has its objects in ${where.url}`, probe, timeoutMs).catch(() => undefined);
      return missing;
    };

    const scrapes: string[] = [];
    await upload(0, 25);
    // Worker A dies mid-burst without a word (SIGKILL): its jobs lapse and B takes them over.
    scrapes.push(await a.process.metrics(a.url, token));
    await a.process.kill('SIGKILL');
    await upload(25, 50);
    // The hook still posts to dead A: only /changes can bring these, so B holds the lease now.
    expect(await allStored(first, objectUids(variants.slice(0, 50).filter(isEligible)), 120_000)).toEqual([]);
    expect(b.process.log.some((e) => e.msg === 'holds the changes lease: following Orthanc')).toBe(true);
    // Redis goes away for 10 s while images keep arriving.
    await redis.kill();
    await upload(50, 75);
    await sleep(10_000);
    await redis.restart();
    await upload(75, 85);
    await startWorker(a);
    await upload(85, imageCount);

    const expected = objectUids(eligible);
    expect(expected.length).toBeGreaterThanOrEqual(eligible.length * 2);
    expect(await allStored(first, expected, 180_000)).toEqual([]);
    // Exactly those in the shared index: nothing for a lateral view, no second object for any image.
    expect(await first.client.findInstances({ Query: {} })).toHaveLength(imageCount + expected.length);
    // And every one at the PACS, over DICOM (C-STORE from the source Orthanc's AE title).
    const missingAtPacs = await allStored(pacs, expected, 120_000);
    // Where each missing one stands with the live workers, so a failure says whose delivery it was.
    const routingOf = async (w: Worker) => `${w.name}: ${await (await fetch(`${w.url}${apiPaths.routing}`, { headers: { authorization: `Bearer ${token}` } })).text()}`;
    const standing = missingAtPacs.length === 0 ? [] : await Promise.all(workers.map(routingOf));
    expect(missingAtPacs, standing.join('\n')).toEqual([]);
    expect(await pacs.client.findInstances({ Query: {} })).toHaveLength(expected.length);
    const sample = await pacs.client.instanceIdByUid(expected[0]!);
    expect((await pacs.client.instanceMetadata(sample ?? '')).RemoteAET).toBe('CXRFINDINGS');

    scrapes.push(await a.process.metrics(a.url, token), await b.process.metrics(b.url, token));
    const sum = (name: string) => scrapes.reduce((total, text) => total + counterTotal(text, name), 0);
    expect(sum('cxr_model_runs_duplicated_total')).toBe(0);
    // Model runs: one per eligible image; the killed worker's runs after its last scrape are not counted,
    // and a job it was running when killed ran again on B: at most its concurrency either way.
    const runs = sum('cxr_images_classified_total');
    expect(Math.abs(runs - eligible.length)).toBeLessThanOrEqual(workerConcurrency);
    expect(sum('cxr_srs_stored_total')).toBeLessThanOrEqual(eligible.length);
    // Routed by the workers alive at the end (A's count restarted with it; B's and A's since).
    expect(sum('cxr_routed_total')).toBeGreaterThan(0);

    const failed = (await (await fetch(`${b.url}${apiPaths.queue}/failed`, { headers: { authorization: `Bearer ${token}` } })).json()) as {
      queue: string;
      failed: unknown[];
      counts: Record<string, number>;
    };
    expect(failed).toMatchObject({ queue: 'bullmq', failed: [] });
    expect(failed.counts.completed).toBeGreaterThanOrEqual(eligible.length);
  }, 480_000);
});
