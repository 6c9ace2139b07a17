import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readDicomDataset } from '../../inference-service/src/dicom/index.ts';
import { writePart10 } from '../../inference-service/src/dicom/writePart10.ts';
import type { SidecarParts } from '../../inference-service/src/sidecar.ts';
import { buildFindingsSr, findingsSrUids, readFindingsSrIdentity } from '../../inference-service/src/sr/index.ts';
import { storeSr, SrNotStoredError } from '../../inference-service/src/service/storeSr.ts';
import { imageObjectUids } from '../../inference-service/src/service/imageObjects.ts';
import { createMetrics } from '../../inference-service/src/service/metrics.ts';
import { SrOutbox, type UnstoredSr } from '../../inference-service/src/service/srOutbox.ts';
import type { ClassifyReport } from '../../inference-service/src/service/types.ts';
import { distinctCopies } from '../support/orthanc.ts';
import { srRefusal, type SrRefusal } from '../support/refuseSrs.ts';
import { auth, errorOf, postJson, readRealImage, startHarness, type Harness } from './harness.ts';

const imageStudy = '1.2.276.0.7230010.3.1.2.8323329.6904.1517875201.850818';

/** Every SR in Orthanc, as (its UID, the image it is about). */
async function storedSrs(h: Harness): Promise<Array<{ uid: string; image: string | undefined }>> {
  const instances = await h.orthanc.client.findInstances({ Query: { StudyInstanceUID: imageStudy, Modality: 'SR' } });
  return Promise.all(
    instances.map(async (instance) => {
      const { dataset } = readDicomDataset(await h.orthanc.client.instanceFile(instance.ID));
      return { uid: String(dataset.SOPInstanceUID), image: readFindingsSrIdentity(dataset)?.referencedSOPInstanceUID };
    }),
  );
}

async function outbox(sidecar: SidecarParts): Promise<{ pending: UnstoredSr[]; failed: UnstoredSr[] }> {
  const response = await sidecar.app.request('/api/sr-outbox', { headers: auth });
  expect(response.status).toBe(200);
  return (await response.json()) as { pending: UnstoredSr[]; failed: UnstoredSr[] };
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function failuresCounted(sidecar: SidecarParts, reason: string): Promise<number> {
  const metric = await sidecar.metrics.srStoreFailures.get();
  return metric.values.find((v) => v.labels.reason === reason)?.value ?? 0;
}

// Its scenarios share one Orthanc and one set of images, each leaving them as the next expects: they run
// in order, while files (and the tests of other files) run shuffled.
describe('SRs Orthanc refuses (a Lua ReceivedInstanceFilter answering FilteredOut)', { shuffle: false }, () => {
  let h: Harness;
  let refusal: SrRefusal;
  let images: Uint8Array[];

  beforeAll(async () => {
    refusal = await srRefusal();
    h = await startHarness({ orthanc: { luaScripts: [refusal.script] } });
    images = distinctCopies(await readRealImage(), 10);
    for (const image of images) await h.orthanc.client.uploadInstance(image);
  });

  afterAll(async () => {
    await h?.stop();
    await refusal?.remove();
  });

  describe('asked through POST /api/classify while Orthanc refuses, then accepts', () => {
    // One scenario in order: the refusal, the listing, asking again, then Orthanc accepting.
    it('should tell of no SR while refused, list and count each, then store exactly one per image', async () => {
      const sidecar = h.build({ maxQueue: 16, srRetryMaxDelayMs: 1_000 });
      await refusal.refuse();
      const response = await postJson(sidecar, '/api/classify', { studyInstanceUID: imageStudy });
      const error = await errorOf(response);
      expect(error).toMatchObject({ status: 503, code: 'sr-not-stored' });
      expect(error.message).toMatch(/FilteredOut/);
      expect(Number(response.headers.get('Retry-After'))).toBeGreaterThanOrEqual(1);
      expect(await storedSrs(h)).toEqual([]);

      // Every unstored SR is listed as pending with its reason, and the refusals are counted.
      const { pending, failed } = await outbox(sidecar);
      expect(failed).toEqual([]);
      // Two objects per image, the TID 1500 result and the readable report, each kept.
      expect(pending).toHaveLength(20);
      for (const entry of pending) expect(entry).toMatchObject({ state: 'pending', reason: 'filtered-out', image: { StudyInstanceUID: imageStudy } });
      expect(new Set(pending.map((e) => e.image.SOPInstanceUID)).size).toBe(10);
      expect(await failuresCounted(sidecar, 'filtered-out')).toBeGreaterThanOrEqual(20);
      const text = await (await sidecar.app.request('/metrics', { headers: auth })).text();
      expect(text).toMatch(/cxr_sr_outbox\{state="pending"\} 20/);

      // Asked again, a refused image is still pending, not classified.
      expect((await errorOf(await postJson(sidecar, '/api/classify', { studyInstanceUID: imageStudy }))).code).toBe('sr-not-stored');
      expect(await storedSrs(h)).toEqual([]);

      await refusal.accept();
      // Twenty objects retried one after another: on a loaded host that takes a while.
      await until('the outbox is empty', async () => {
        const listing = await outbox(sidecar);
        expect(listing.failed).toEqual([]);
        return listing.pending.length === 0;
      }, 90_000);
      const srs = await storedSrs(h);
      expect(srs).toHaveLength(20);
      const imageUids = images.map((image) => String(readDicomDataset(image).dataset.SOPInstanceUID)).sort();
      const expected = imageUids
        .flatMap((uid) => {
          const objects = imageObjectUids(uid, sidecar.service.model.onnxSha256);
          return [objects.result.SOPInstanceUID, objects.report.SOPInstanceUID];
        })
        .sort();
      expect(srs.map((s) => s.uid).sort()).toEqual(expected);

      const again = await postJson(sidecar, '/api/classify', { studyInstanceUID: imageStudy });
      expect(again.status).toBe(200);
      const report = (await again.json()) as ClassifyReport;
      expect(report.pending).toEqual([]);
      expect(report.results.map((r) => r.sr.alreadyExisted)).toEqual(Array(10).fill(true));
      expect(await storedSrs(h)).toHaveLength(20);
    }, 180_000);
  });

  describe('images arriving while Orthanc refuses, followed through /changes', () => {
    it('should say classified for none, keep every SR, and store each once Orthanc accepts', async () => {
      await refusal.refuse();
      const sidecar = h.build({ autoClassify: true, srRetryMaxDelayMs: 1_000 });
      const before = (await storedSrs(h)).length;
      const arrivals = distinctCopies(await readRealImage(), 20).slice(14, 18);
      const logStart = h.logLines.length;
      sidecar.follower?.start();
      // The follower starts at Orthanc's last change: the arrivals come after its first pass.
      await sidecar.follower?.drain();
      try {
        for (const image of arrivals) await h.orthanc.client.uploadInstance(image);
        await until('the objects of the four arrivals wait in the outbox', async () => (await outbox(sidecar)).pending.length === 8);
        expect((await storedSrs(h)).length).toBe(before);
        const classifiedLines = h.logLines.slice(logStart).filter((line) => (JSON.parse(line) as { msg?: string }).msg === 'classified');
        expect(classifiedLines).toEqual([]);

        await refusal.accept();
        await until('the outbox is empty', async () => (await outbox(sidecar)).pending.length === 0);
        const srs = (await storedSrs(h)).map((s) => s.uid);
        expect(srs.length).toBe(before + 8);
        for (const image of arrivals) {
          const objects = imageObjectUids(String(readDicomDataset(image).dataset.SOPInstanceUID), sidecar.service.model.onnxSha256);
          expect(srs.filter((uid) => uid === objects.result.SOPInstanceUID || uid === objects.report.SOPInstanceUID)).toHaveLength(2);
        }
      } finally {
        await sidecar.follower?.stop();
        await refusal.accept();
      }
    });
  });

  describe('a sidecar restarted while SRs wait', () => {
    it('should take them up from its data dir and store them', async () => {
      await refusal.refuse();
      const first = h.build({ srRetryMaxDelayMs: 1_000 });
      const image = distinctCopies(await readRealImage(), 20)[18] as Uint8Array;
      await h.orthanc.client.uploadInstance(image);
      const SOPInstanceUID = String(readDicomDataset(image).dataset.SOPInstanceUID);
      const response = await postJson(first, '/api/classify', { studyInstanceUID: imageStudy, sopInstanceUID: SOPInstanceUID });
      expect((await errorOf(response)).code).toBe('sr-not-stored');
      first.outbox.stop();

      await refusal.accept();
      const second = h.build({ srRetryMaxDelayMs: 1_000 });
      await second.outbox.load();
      const objects = imageObjectUids(SOPInstanceUID, second.service.model.onnxSha256);
      await until('the restarted sidecar stored both objects', async () => {
        const uids = (await storedSrs(h)).map((s) => s.uid);
        return uids.includes(objects.result.SOPInstanceUID) && uids.includes(objects.report.SOPInstanceUID);
      });
      expect((await outbox(second)).pending.filter((e) => e.image.SOPInstanceUID === SOPInstanceUID)).toEqual([]);
    });
  });

  /** The findings SR of an image (not in Orthanc) and the image it is about, as the outbox is given them. */
  async function findingsSrOf(image: Uint8Array) {
    const prepared = await h.pipeline.prepare(image);
    const [classified] = await h.pipeline.run([prepared]);
    const sr = buildFindingsSr({ image: prepared.dataset, result: classified!.result, card: h.pipeline.model.card });
    const { SeriesInstanceUID, SOPInstanceUID } = prepared.dataset;
    return { sr, subject: { StudyInstanceUID: imageStudy, SeriesInstanceUID: String(SeriesInstanceUID), SOPInstanceUID: String(SOPInstanceUID) } };
  }

  describe('an SR stored on a retry, at a site that routes its results', () => {
    it('should be routed while its kept copy is still on disk, so a stop in between loses neither', async () => {
      const directory = await mkdtemp(join(tmpdir(), 'cxr-outbox-route-'));
      const { sr, subject } = await findingsSrOf(distinctCopies(await readRealImage(), 20)[19] as Uint8Array);
      // What routing sees when it is told "stored": whether the outbox still keeps the SR then.
      const keptWhenRouted: boolean[] = [];
      const waiting = new SrOutbox({
        orthanc: h.orthanc.client,
        metrics: createMetrics(),
        directory,
        retryInBackground: false,
        onStored: async (object) => {
          keptWhenRouted.push(existsSync(join(directory, `${object.SOPInstanceUID}.dcm`)) && existsSync(join(directory, `${object.SOPInstanceUID}.json`)));
        },
      });
      try {
        await refusal.refuse();
        expect(await waiting.store(sr, subject)).toMatchObject({ status: 'pending' });
        expect(keptWhenRouted).toEqual([]);
        await refusal.accept();
        expect(await waiting.retryNow(sr.SOPInstanceUID)).toMatchObject({ status: 'stored' });
        expect(keptWhenRouted).toEqual([true]);
        // Routed, then forgotten.
        expect(waiting.list()).toEqual([]);
        expect(await readdir(directory)).toEqual([]);
      } finally {
        waiting.stop();
        await refusal.accept();
        await rm(directory, { recursive: true, force: true });
      }
    });
  });

  describe('a store that ends in neither Orthanc nor the outbox', () => {
    it('should say so to whoever held its deliveries, and fail the store', async () => {
      // The outbox's directory cannot be made (a file stands where it would be): a refused SR cannot be kept.
      const parent = await mkdtemp(join(tmpdir(), 'cxr-outbox-broken-'));
      await writeFile(join(parent, 'outbox'), 'not a directory');
      const { sr, subject } = await findingsSrOf(distinctCopies(await readRealImage(), 20)[17] as Uint8Array);
      const told = { storing: [] as string[], stored: [] as string[], abandoned: [] as string[] };
      const broken = new SrOutbox({
        orthanc: h.orthanc.client,
        metrics: createMetrics(),
        directory: join(parent, 'outbox'),
        retryInBackground: false,
        onStoring: async (object) => void told.storing.push(object.SOPInstanceUID),
        onStored: async (object) => void told.stored.push(object.SOPInstanceUID),
        onAbandoned: (object) => void told.abandoned.push(object.SOPInstanceUID),
      });
      try {
        await refusal.refuse();
        await expect(broken.store(sr, subject)).rejects.toMatchObject({ code: 'EEXIST' });
        expect(told).toEqual({ storing: [sr.SOPInstanceUID], stored: [], abandoned: [sr.SOPInstanceUID] });
      } finally {
        broken.stop();
        await refusal.accept();
        await rm(parent, { recursive: true, force: true });
      }
    });
  });

  describe('storing an SR when Orthanc already holds something else under its UID', () => {
    it('should refuse to call it stored', async () => {
      const sidecar = h.build();
      const image = distinctCopies(await readRealImage(), 12)[11] as Uint8Array;
      const { dataset } = readDicomDataset(image);
      const uids = findingsSrUids(String(dataset.SOPInstanceUID), sidecar.service.model.onnxSha256);
      // An image, not an SR, squatting on the SR's UIDs (same study, series and SOP Instance UID).
      const squatter = writePart10({ ...dataset, SeriesInstanceUID: uids.SeriesInstanceUID, SOPInstanceUID: uids.SOPInstanceUID });
      expect((await h.orthanc.client.uploadInstance(squatter)).Status).toBe('Success');
      const prepared = await h.pipeline.prepare(image);
      const [classified] = await h.pipeline.run([prepared]);
      const sr = buildFindingsSr({ image: prepared.dataset, result: classified!.result, card: h.pipeline.model.card });
      expect(sr.SOPInstanceUID).toBe(uids.SOPInstanceUID);
      const attempt = storeSr(h.orthanc.client, sr);
      await expect(attempt).rejects.toBeInstanceOf(SrNotStoredError);
      await expect(attempt).rejects.toMatchObject({ reason: 'already-stored-other-content' });
    });

    it('should not take an object squatting on the result UID for the image done, but classify and report the clash', async () => {
      const sidecar = h.build();
      const image = distinctCopies(await readRealImage(), 14)[13] as Uint8Array;
      const { dataset } = readDicomDataset(image);
      const SOPInstanceUID = String(dataset.SOPInstanceUID);
      await h.orthanc.client.uploadInstance(image);
      const { result } = imageObjectUids(SOPInstanceUID, sidecar.service.model.onnxSha256);
      const squatter = writePart10({ ...dataset, SeriesInstanceUID: result.SeriesInstanceUID, SOPInstanceUID: result.SOPInstanceUID });
      expect((await h.orthanc.client.uploadInstance(squatter)).Status).toBe('Success');

      const response = await postJson(sidecar, '/api/classify', { studyInstanceUID: imageStudy, sopInstanceUID: SOPInstanceUID });
      const body = (await response.clone().json()) as Partial<ClassifyReport>;
      // Never "already existed": nothing of ours is there.
      expect(body.results ?? []).toEqual([]);
      expect(response.status === 503 ? (await errorOf(response)).code : body.pending?.[0]?.srNotStored.reason).toMatch(/^(sr-not-stored|already-stored-other-content)$/);
      const listed = [...(await outbox(sidecar)).pending, ...(await outbox(sidecar)).failed].filter((e) => e.image.SOPInstanceUID === SOPInstanceUID);
      expect(listed.map((e) => [e.sr.SOPInstanceUID, e.reason])).toContainEqual([result.SOPInstanceUID, 'already-stored-other-content']);
      sidecar.outbox.stop();
    });
  });
});
