/**
 * Orthanc at scale: a real PostgreSQL (Debian's), two Orthancs on it with Debian's orthanc-postgresql
 * (`Lock: false`: they share the index and the files), and one sidecar configured with both endpoints.
 * An image uploaded to either gets exactly one SR set, seen from both; with the first endpoint down the
 * sidecar carries on through the second.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../inference-service/src/config/config.ts';
import { configEnv } from '../../inference-service/src/config/defaults.ts';
import { readDicomDataset } from '../../inference-service/src/dicom/index.ts';
import { createLogger } from '../../inference-service/src/log.ts';
import type { FindingsPipeline } from '../../inference-service/src/pipeline/findingsPipeline.ts';
import { loadPipeline } from '../../inference-service/src/pipeline/loadPipeline.ts';
import { imageObjectUids } from '../../inference-service/src/service/imageObjects.ts';
import type { ClassifyReport } from '../../inference-service/src/service/types.ts';
import { createSidecar, type SidecarParts } from '../../inference-service/src/sidecar.ts';
import { readFindingsSrIdentity } from '../../inference-service/src/sr/index.ts';
import { auth, postJson, readRealImage, testToken } from '../api/harness.ts';
import { distinctCopies, startTestOrthanc, type TestOrthanc } from '../support/orthanc.ts';
import { startTestPostgres, type TestPostgres } from '../support/postgres.ts';

const imageStudy = '1.2.276.0.7230010.3.1.2.8323329.6904.1517875201.850818';

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('two Orthancs sharing one PostgreSQL index, one sidecar on both', { shuffle: false }, () => {
  let postgres: TestPostgres;
  let first: TestOrthanc;
  let second: TestOrthanc;
  let pipeline: FindingsPipeline;
  let dataDir: string;
  let sidecar: SidecarParts;
  let copies: Uint8Array[];

  beforeAll(async () => {
    postgres = await startTestPostgres();
    const database = { host: postgres.host, port: postgres.port, database: postgres.database, username: postgres.username, password: postgres.password, lock: false };
    // One account on both: the sidecar sends the same credentials to either endpoint.
    const credentials = { username: 'cxr-test', password: `pw-${postgres.password}` };
    first = await startTestOrthanc({ postgres: database, credentials });
    second = await startTestOrthanc({ postgres: database, credentials });
    pipeline = await loadPipeline({ intraOpThreads: 1 });
    dataDir = await mkdtemp(join(tmpdir(), 'cxr-shared-index-'));
    // Configured as a site would: both endpoints in CXR_ORTHANC_URL.
    const config = loadConfig({
      [configEnv.apiToken]: testToken,
      [configEnv.orthancUrl]: `${first.url}, ${second.url}`,
      [configEnv.orthancUsername]: credentials.username,
      [configEnv.orthancPassword]: credentials.password,
      [configEnv.dataDir]: dataDir,
    });
    expect(config.orthanc).toMatchObject({ url: first.url, failoverUrls: [second.url] });
    sidecar = createSidecar({
      settings: { ...config, concurrency: 2, maxQueue: 16 },
      pipeline,
      logger: createLogger({ tag: 'sidecar', level: 'warn', sink: () => undefined }),
    });
    copies = distinctCopies(await readRealImage(), 4);
  }, 90_000);

  afterAll(async () => {
    await sidecar?.follower?.stop();
    sidecar?.orthanc.close();
    await pipeline?.model.dispose();
    await Promise.all([first?.stop(), second?.stop()]);
    await postgres?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  /** The SRs each image has, counted through one endpoint. */
  async function srsPerImage(orthanc: TestOrthanc): Promise<Map<string, string[]>> {
    const srs = await orthanc.client.findInstances({ Query: { StudyInstanceUID: imageStudy, Modality: 'SR' } });
    const perImage = new Map<string, string[]>();
    for (const sr of srs) {
      const { dataset } = readDicomDataset(await orthanc.client.instanceFile(sr.ID));
      const image = readFindingsSrIdentity(dataset)?.referencedSOPInstanceUID ?? '?';
      perImage.set(image, [...(perImage.get(image) ?? []), String(dataset.SOPInstanceUID)]);
    }
    return perImage;
  }

  it('should give an image uploaded to either Orthanc exactly one SR set, seen through both', async () => {
    sidecar.follower?.start();
    await sidecar.follower?.drain();
    const [toFirst, toSecond] = copies as [Uint8Array, Uint8Array];
    expect((await first.client.uploadInstance(toFirst)).Status).toBe('Success');
    expect((await second.client.uploadInstance(toSecond)).Status).toBe('Success');
    const uids = [toFirst, toSecond].map((copy) => String(readDicomDataset(copy).dataset.SOPInstanceUID));
    const model = sidecar.service.model.onnxSha256;
    await until('both images have both SRs', async () => {
      const perImage = await srsPerImage(second);
      return uids.every((uid) => (perImage.get(uid)?.length ?? 0) >= 2);
    });
    await sidecar.follower?.drain();
    await sidecar.queue.idle();
    for (const endpoint of [first, second]) {
      const perImage = await srsPerImage(endpoint);
      for (const uid of uids) {
        const expected = imageObjectUids(uid, model);
        expect((perImage.get(uid) ?? []).sort()).toEqual([expected.result.SOPInstanceUID, expected.report.SOPInstanceUID].sort());
      }
    }
    // One model run per image: the two endpoints' shared /changes is followed once.
    const classified = await sidecar.metrics.imagesClassified.get();
    expect(classified.values.find((v) => v.labels.source === 'changes')?.value).toBe(2);
    await sidecar.follower?.stop();
  }, 120_000);

  it('should carry on through the second endpoint when the first is down', async () => {
    await first.kill();
    const copy = copies[2] as Uint8Array;
    expect((await second.client.uploadInstance(copy)).Status).toBe('Success');
    const uid = String(readDicomDataset(copy).dataset.SOPInstanceUID);
    const response = await postJson(sidecar, '/api/classify', { studyInstanceUID: imageStudy, sopInstanceUID: uid });
    expect(response.status).toBe(200);
    const [result] = ((await response.json()) as ClassifyReport).results;
    expect(result?.sr.alreadyExisted).toBe(false);
    expect(sidecar.orthanc.url).toBe(second.url);
    expect((await srsPerImage(second)).get(uid)).toHaveLength(2);
    const health = await sidecar.app.request('/api/health', { headers: auth });
    expect(health.status).toBe(200);
  }, 60_000);
});
