/**
 * The sidecar as a process would run it: the real server on an ephemeral port, real fetch, a real
 * Orthanc whose Lua hook posts to it, and the changes follower catching up after a stop.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type SidecarConfig } from '../../inference-service/src/config/config.ts';
import { configEnv } from '../../inference-service/src/config/defaults.ts';
import { readDicomDataset } from '../../inference-service/src/dicom/index.ts';
import { createLogger } from '../../inference-service/src/log.ts';
import { findFreePort } from '../../tooling/freePort.ts';
import type { FindingsPipeline } from '../../inference-service/src/pipeline/findingsPipeline.ts';
import { loadPipeline } from '../../inference-service/src/pipeline/loadPipeline.ts';
import { startSidecar, type RunningSidecar } from '../../inference-service/src/server.ts';
import { measurementReportUids } from '../../inference-service/src/sr/index.ts';
import { distinctCopies, startTestOrthanc, type TestOrthanc, orthancEnv } from '../support/orthanc.ts';
import { readRealImage } from '../api/harness.ts';

const token = 'server-suite-token-0123456789';
const imageStudy = '1.2.276.0.7230010.3.1.2.8323329.6904.1517875201.850818';

/** Waits for an effect of background work (the hook, the follower); fails naming what never happened. */
async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await sleep(100);
  }
}

// Its tests are the steps of scenarios against one server, each building on the last: they run in
// order, while files (and the tests of other files) run shuffled.
describe('the sidecar server', { shuffle: false }, () => {
  let orthanc: TestOrthanc;
  let pipeline: FindingsPipeline;
  let config: SidecarConfig;
  let dataDir: string;
  let sidecar: RunningSidecar | undefined;
  const logLines: string[] = [];
  const logger = createLogger({ tag: 'sidecar', sink: (line) => logLines.push(line) });

  const onnxSha256 = () => pipeline.model.card.onnx?.sha256 ?? '';
  const srCount = async () => (await orthanc.client.findInstances({ Query: { StudyInstanceUID: imageStudy, Modality: 'SR' } })).length;
  // The TID 1500 result is stored last (service/imageObjects.ts): once it is there, both SRs are.
  const srOf = (part10: Uint8Array) => measurementReportUids(readDicomDataset(part10).dataset.SOPInstanceUID as string, onnxSha256()).SOPInstanceUID;
  const hasSr = async (part10: Uint8Array) => ((await orthanc.client.instanceIdByUid(srOf(part10))) ? true : undefined);

  beforeAll(async () => {
    const port = await findFreePort();
    dataDir = await mkdtemp(join(tmpdir(), 'cxr-server-'));
    orthanc = await startTestOrthanc({ sidecar: { url: `http://127.0.0.1:${port}`, token } });
    pipeline = await loadPipeline({ intraOpThreads: 1 });
    config = loadConfig({
      [configEnv.port]: String(port),
      ...orthancEnv(orthanc),
      [configEnv.apiToken]: token,
      [configEnv.dataDir]: dataDir,
      [configEnv.autoClassify]: 'on',
      [configEnv.bodyLimitMb]: '1',
      [configEnv.concurrency]: '2',
    });
  });

  afterAll(async () => {
    await sidecar?.stop();
    await pipeline?.model.dispose();
    await orthanc?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  describe('auto-classify on arrival', () => {
    it('should store exactly one SR when Orthanc’s Lua hook announces an upload', async () => {
      // The follower stays off here, so only the hook can have caused the SR.
      sidecar = await startSidecar({ config, pipeline, logger, followChanges: false });
      const image = await readRealImage();
      await orthanc.client.uploadInstance(image);
      await eventually('the SR of the uploaded image', () => hasSr(image));
      await sidecar.parts.queue.idle();
      // The result and the readable report.
      expect(await srCount()).toBe(2);
    });

    it('should catch up, after a stop, with images that arrived meanwhile: one SR each', async () => {
      // One pass saves the follower's cursor (a first start begins at Orthanc's last change).
      await sidecar?.parts.follower?.drain();
      await sidecar?.stop();
      sidecar = undefined;
      const copies = distinctCopies(await readRealImage(), 2);
      for (const copy of copies) expect((await orthanc.client.uploadInstance(copy)).Status).toBe('Success');
      // Nobody listened to the hook: nothing was classified.
      expect(await srCount()).toBe(2);

      sidecar = await startSidecar({ config, pipeline, logger });
      for (const copy of copies) await eventually('the SR of an image uploaded while the sidecar was down', () => hasSr(copy));
      await eventually('the follower to catch up', async () => ((sidecar?.parts.follower?.cursor ?? 0) > 0 ? true : undefined));
      await sidecar.parts.follower?.drain();
      await sidecar.parts.queue.idle();
      expect(await srCount()).toBe(6);
    });
  });

  describe('over real HTTP', () => {
    const url = (path: string) => `${sidecar?.url}${path}`;
    const bearer = { Authorization: `Bearer ${token}` };

    it('should answer health without a token', async () => {
      const response = await fetch(url('/api/health'));
      expect(response.status).toBe(200);
      expect(response.headers.get('X-Request-Id')).toMatch(/.+/);
    });

    it('should classify by UID and report the SR that auto-classify already stored', async () => {
      const response = await fetch(url('/api/classify'), {
        method: 'POST',
        headers: { ...bearer, 'Content-Type': 'application/json' },
        body: JSON.stringify({ studyInstanceUID: imageStudy }),
      });
      expect(response.status).toBe(200);
      const body = (await response.json()) as { results: { sr: { alreadyExisted: boolean } }[] };
      expect(body.results).toHaveLength(3);
      expect(body.results.every((r) => r.sr.alreadyExisted)).toBe(true);
    });

    it('should answer clear 4xx errors and keep serving', async () => {
      const notDicom = await fetch(url('/api/classify/file'), { method: 'POST', headers: { ...bearer, 'Content-Type': 'application/dicom' }, body: 'hello' });
      expect(notDicom.status).toBe(400);
      expect(await notDicom.json()).toMatchObject({ error: { code: 'not-dicom' } });

      const malformed = await fetch(url('/api/classify'), { method: 'POST', headers: { ...bearer, 'Content-Type': 'application/json' }, body: '{' });
      expect(await malformed.json()).toEqual({ error: { code: 'malformed-json', message: 'Malformed JSON in request body' } });

      const oversized = await fetch(url('/api/classify/file'), {
        method: 'POST',
        headers: { ...bearer, 'Content-Type': 'application/dicom' },
        body: new Uint8Array(2 * 1024 * 1024),
      });
      expect(oversized.status).toBe(413);
      expect(await oversized.json()).toMatchObject({ error: { code: 'payload-too-large' } });

      const unknown = await fetch(url('/api/classify'), {
        method: 'POST',
        headers: { ...bearer, 'Content-Type': 'application/json' },
        body: JSON.stringify({ studyInstanceUID: '1.2.3.4' }),
      });
      expect(await unknown.json()).toEqual({ error: { code: 'not-found', message: 'Study 1.2.3.4 is not in Orthanc' } });

      expect((await fetch(url('/api/health'))).status).toBe(200);
    });

    it('should write one JSON object per log line, tagged, with request ids', () => {
      const entries = logLines.map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(entries.some((e) => e.tag === 'sidecar:http' && e.msg === 'request' && typeof e.requestId === 'string')).toBe(true);
      expect(entries.some((e) => e.msg === 'model loaded' && e.modelId === pipeline.model.card.id)).toBe(true);
    });

    it('should stop listening on stop()', async () => {
      const stopped = sidecar;
      await stopped?.stop();
      sidecar = undefined;
      await expect(fetch(`${stopped?.url}/api/health`)).rejects.toThrow();
    });
  });
});
