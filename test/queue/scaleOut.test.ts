/**
 * Issue 15: two sidecar worker processes share one BullMQ queue on a real Redis, beside a real Orthanc.
 * A burst of distinct real images arrives; one worker is killed outright mid-burst, Redis is stopped for
 * 10 s mid-burst; every eligible image still ends with exactly its two SRs, the ineligible none, no
 * model run is duplicated (the workers' own metrics say so) and no job is left failed.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
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


describe('two sidecar workers on a shared queue', () => {
  let redis: TestRedis;
  let orthanc: TestOrthanc;
  let work: string;
  const workers: Worker[] = [];

  const startWorker = async (worker: Worker): Promise<void> => {
    worker.process = spawnSidecar(worker.env);
    await worker.process.logLine('listening');
  };

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'cxr-scale-'));
    const [portA, portB] = [await findFreePort(), await findFreePort()];
    redis = await startTestRedis();
    // The hook announces arrivals to worker A alone (as to one address behind a balancer); B hears of
    // them through /changes once it holds the lease, and takes jobs from the queue all along.
    orthanc = await startTestOrthanc({ sidecar: { url: `http://127.0.0.1:${portA}`, token } });
    for (const [name, port] of [['a', portA], ['b', portB]] as const) {
      const env = {
        [configEnv.port]: String(port),
        [configEnv.apiToken]: token,
        [configEnv.dataDir]: join(work, `data-${name}`),
        [configEnv.orthancUrl]: orthanc.url,
        [configEnv.orthancUsername]: orthanc.credentials.username,
        [configEnv.orthancPassword]: orthanc.credentials.password,
        [configEnv.redisUrl]: redis.url,
        [configEnv.queueLockMs]: String(lockMs),
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
  });

  afterAll(async () => {
    await Promise.all(workers.map((w) => w.process?.kill('SIGTERM')));
    await orthanc?.stop();
    await redis?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('should give every eligible image exactly its SRs, with no duplicate model run, through a killed worker and a Redis outage', async () => {
    const [a, b] = workers as [Worker, Worker];
    expect(await a.process.logLine('listening')).toMatchObject({ queue: 'bullmq' });
    const model = (await (await fetch(`${b.url}${apiPaths.model}`, { headers: { authorization: `Bearer ${token}` } })).json()) as { onnx: { sha256: string } };
    const real = new Uint8Array(await readFile(realJpegBaselineDcm));
    const eligibleCount = 36;
    const variants = Array.from({ length: eligibleCount + 4 }, (_, i) =>
      // Every tenth a lateral view: not eligible, it must get no SR and take no place in the queue.
      dicomVariant(real, realImageUids, i + 1, i % 10 === 9 ? { viewPosition: 'LL' } : {}),
    );
    const isEligible = (_: unknown, i: number) => i % 10 !== 9;
    const eligible = variants.filter(isEligible);
    const upload = async (from: number, to: number) => {
      for (const v of variants.slice(from, to)) await orthanc.client.uploadInstance(v.part10);
    };

    const sopUids = eligible.map((v) => v.SOPInstanceUID);
    const srUids = (uids: readonly string[]) =>
      uids.flatMap((uid) => {
        const { result, report } = imageObjectUids(uid, model.onnx.sha256);
        return [result.SOPInstanceUID, report.SOPInstanceUID];
      });
    /** The SRs of `expected` still missing once all are there, or when the time is up (the test then names them). */
    const allStored = async (expected: readonly string[], timeoutMs: number): Promise<string[]> => {
      let missing = [...expected];
      const probe = async () => {
        const present = await Promise.all(missing.map((uid) => orthanc.client.instanceIdByUid(uid)));
        missing = missing.filter((_, i) => present[i] === undefined);
        return missing.length === 0;
      };
      await eventually('every eligible image has its SRs', probe, timeoutMs).catch(() => undefined);
      return missing;
    };

    const scrapes: string[] = [];
    await upload(0, 10);
    // Worker A dies mid-burst without a word (SIGKILL): its jobs lapse and B takes them over.
    scrapes.push(await a.process.metrics(a.url, token));
    await a.process.kill('SIGKILL');
    await upload(10, 20);
    // The hook still posts to dead A: only /changes can bring these, so B holds the lease now.
    expect(await allStored(srUids(variants.slice(0, 20).filter(isEligible).map((v) => v.SOPInstanceUID)), 60_000)).toEqual([]);
    expect(b.process.log.some((e) => e.msg === 'holds the changes lease: following Orthanc')).toBe(true);
    // Redis goes away for 10 s while images keep arriving.
    await redis.kill();
    await upload(20, 30);
    await sleep(10_000);
    await redis.restart();
    await upload(30, 35);
    await startWorker(a);
    await upload(35, variants.length);

    const expected = srUids(sopUids);
    expect(await allStored(expected, 120_000)).toEqual([]);
    // Exactly those: no SR for a lateral view, no second SR for any image.
    const srs = await orthanc.client.findInstances({ Query: { Modality: 'SR' } });
    expect(srs).toHaveLength(expected.length);

    scrapes.push(await a.process.metrics(a.url, token), await b.process.metrics(b.url, token));
    const sum = (name: string) => scrapes.reduce((total, text) => total + counterTotal(text, name), 0);
    expect(sum('cxr_model_runs_duplicated_total')).toBe(0);
    // Model runs: one per eligible image; the killed worker's runs after its last scrape are not counted,
    // and a job it was running when killed ran again on B: at most its concurrency either way.
    const runs = sum('cxr_images_classified_total');
    expect(Math.abs(runs - eligibleCount)).toBeLessThanOrEqual(workerConcurrency);
    expect(sum('cxr_srs_stored_total')).toBeLessThanOrEqual(eligibleCount);

    const failed = (await (await fetch(`${b.url}${apiPaths.queue}/failed`, { headers: { authorization: `Bearer ${token}` } })).json()) as {
      queue: string;
      failed: unknown[];
      counts: Record<string, number>;
    };
    expect(failed).toMatchObject({ queue: 'bullmq', failed: [] });
    expect(failed.counts.completed).toBeGreaterThanOrEqual(eligibleCount);
  }, 240_000);
});
