import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { SidecarParts } from '../../inference-service/src/sidecar.ts';
import { readDicomDataset } from '../../inference-service/src/dicom/index.ts';
import { QueueFullError } from '../../inference-service/src/service/workQueue.ts';
import { imageObjectUids } from '../../inference-service/src/service/imageObjects.ts';
import type { ClassifyReport } from '../../inference-service/src/service/types.ts';
import { findingsSrUids } from '../../inference-service/src/sr/index.ts';
import { distinctCopies } from '../support/orthanc.ts';
import { auth, errorOf, postDicom, postJson, readRealImage, startHarness, type Harness } from './harness.ts';

const imageStudy = '1.2.276.0.7230010.3.1.2.8323329.6904.1517875201.850818';

// Its tests are the steps of scenarios against one server, each building on the last: they run in
// order, while files (and the tests of other files) run shuffled.
describe('the sidecar app', { shuffle: false }, () => {
  let h: Harness;
  let sidecar: SidecarParts;

  beforeAll(async () => {
    h = await startHarness();
    sidecar = h.build();
    await h.orthanc.client.uploadInstance(await readRealImage());
  });

  afterAll(async () => {
    await h?.stop();
  });

  describe('GET /api/health', () => {
    it('should say only ok to a caller without a token', async () => {
      const response = await sidecar.app.request('/api/health');
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ status: 'ok' });
    });

    it('should say ok with Orthanc reachable and the model loaded to a caller with the token', async () => {
      const response = await sidecar.app.request('/api/health', { headers: auth });
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({
        status: 'ok',
        orthanc: { url: h.orthanc.url, reachable: true, version: expect.stringMatching(/^1\./) },
        model: { loaded: true, id: h.pipeline.model.card.id, kind: h.pipeline.model.card.kind },
        queue: { running: 0, waiting: 0, concurrency: 2, maxQueue: 16 },
      });
    });
  });

  describe('GET /api/model', () => {
    it('should return the active card to a caller with the token', async () => {
      const response = await sidecar.app.request('/api/model', { headers: auth });
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual(h.pipeline.model.card);
    });

    it('should refuse a caller without it', async () => {
      expect((await sidecar.app.request('/api/model')).status).toBe(401);
    });
  });

  describe('GET /api/openapi.json', () => {
    it('should describe every route the app serves, generated from the routes: requests, answers and who may call', async () => {
      const doc = (await (await sidecar.app.request('/api/openapi.json')).json()) as {
        openapi: string;
        components: { securitySchemes: Record<string, unknown>; schemas: Record<string, unknown> };
        paths: Record<string, Record<string, { security?: unknown[]; requestBody?: { content: Record<string, { schema: { required?: string[]; properties?: object } }> }; responses: Record<string, { content?: Record<string, { schema: { $ref?: string; properties?: Record<string, unknown> } }> }> }>>;
      };
      expect(doc.openapi).toBe('3.1.0');
      // Every API route the app answers (not the viewer's pages, not the catch-all 404) is in the document.
      const served = sidecar.app.routes
        .filter((route) => route.method !== 'ALL' && (route.path.startsWith('/api/') || route.path === '/metrics'))
        .map((route) => `${route.method.toLowerCase()} ${route.path}`);
      const documented = Object.entries(doc.paths).flatMap(([path, methods]) => Object.keys(methods).map((method) => `${method} ${path}`));
      expect([...new Set(served)].sort()).toEqual(documented.sort());
      expect(Object.keys(doc.paths).sort()).toEqual(
        ['/api/classify', '/api/classify/file', '/api/health', '/api/internal/orthanc-event', '/api/model', '/api/openapi.json', '/api/queue/failed', '/api/queue/retry', '/api/sr-outbox', '/api/sr-outbox/retry', '/metrics'].sort(),
      );
      // The request body is the validator's schema itself.
      const schema = doc.paths['/api/classify']?.post?.requestBody?.content['application/json']?.schema;
      expect(schema?.required).toEqual(['studyInstanceUID']);
      expect(Object.keys(schema?.properties ?? {})).toEqual(['studyInstanceUID', 'seriesInstanceUID', 'sopInstanceUID']);
      // Answers: the report's parts, errors in the one error format, and who may call.
      const classify = doc.paths['/api/classify']?.post;
      expect(Object.keys(classify?.responses['200']?.content?.['application/json']?.schema.properties ?? {})).toEqual(['model', 'results', 'pending', 'skipped', 'timingsMs']);
      expect(Object.keys(classify?.responses ?? {}).sort()).toEqual(['200', '400', '401', '403', '404', '415', '422', '429', '502', '503', '504']);
      expect(classify?.responses['404']?.content?.['application/json']?.schema.$ref).toBe('#/components/schemas/Error');
      expect(classify?.security).toEqual([{ bearer: [] }, { viewerSession: [] }]);
      expect(doc.paths['/api/health']?.get?.security).toEqual([]);
      expect(Object.keys(doc.components.securitySchemes).sort()).toEqual(['bearer', 'viewerSession']);
      expect(Object.keys(doc.components.schemas)).toContain('Error');
    });
  });

  describe('GET /metrics', () => {
    it('should count requests by route pattern and status, and classified images', async () => {
      expect((await postJson(sidecar, '/api/classify', { studyInstanceUID: imageStudy })).status).toBe(200);
      await postJson(sidecar, '/api/classify', { studyInstanceUID: '1.2.3' });
      expect((await sidecar.app.request('/metrics')).status).toBe(401);
      const text = await (await sidecar.app.request('/metrics', { headers: auth })).text();
      expect(text).toMatch(/cxr_http_requests_total\{method="POST",route="\/api\/classify",status="200"\} 1/);
      expect(text).toMatch(/cxr_http_requests_total\{method="POST",route="\/api\/classify",status="404"\} 1/);
      expect(text).toMatch(/cxr_images_classified_total\{source="api"\} 1/);
      expect(text).toMatch(/cxr_srs_stored_total 1/);
      expect(text).toMatch(/cxr_errors_total\{kind="not-found"\} 1/);
      expect(text).toMatch(/cxr_http_request_duration_seconds_bucket\{le="[0-9.]+",method="POST",route="\/api\/classify"\}/);
      expect(text).toMatch(/cxr_queue_waiting 0/);
    });
  });

  describe('unknown routes', () => {
    it('should answer 404 in the API error format', async () => {
      expect(await errorOf(await sidecar.app.request('/api/nothing-here', { headers: auth }))).toMatchObject({ status: 404, code: 'not-found' });
    });
  });

  describe('a full work queue', () => {
    it('should answer 429 with Retry-After, and serve again once there is room', async () => {
      const busy = h.build({ concurrency: 1, maxQueue: 0 });
      let release = (): void => undefined;
      // A real task holds the only slot, as a long classification would.
      const holding = busy.queue.run(() => new Promise<void>((resolve) => (release = resolve)));
      const response = await postDicom(busy, await readRealImage());
      expect(response.status).toBe(429);
      expect(Number(response.headers.get('Retry-After'))).toBeGreaterThanOrEqual(1);
      // Refused before its body was read: the connection is not to be reused.
      expect(response.headers.get('Connection')).toBe('close');
      expect(await errorOf(response)).toMatchObject({ code: 'queue-full', message: expect.stringMatching(/work queue is full/) });
      expect((await postJson(busy, '/api/classify', { studyInstanceUID: imageStudy })).status).toBe(429);
      release();
      await holding;
      expect((await postDicom(busy, await readRealImage())).status).toBe(200);
    });
  });

  describe('a request slower than the timeout', () => {
    it('should answer 504, finish the work in the background, and keep serving', async () => {
      // A new image (not yet classified): its work waits on Orthanc several times, so 1 ms passes.
      const [copy] = distinctCopies(await readRealImage(), 1);
      if (!copy) throw new Error('no copy');
      await h.orthanc.client.uploadInstance(copy);
      const sopInstanceUID = readDicomDataset(copy).dataset.SOPInstanceUID as string;
      const hasty = h.build({ requestTimeoutMs: 1 });
      const error = await errorOf(await postJson(hasty, '/api/classify', { studyInstanceUID: imageStudy, sopInstanceUID }));
      expect(error).toMatchObject({ status: 504, code: 'timeout', message: expect.stringMatching(/did not finish within 1 ms/) });
      // The 504 may come before the image even reached the queue: wait for the SR itself.
      const srUid = findingsSrUids(sopInstanceUID, h.pipeline.model.card.onnx?.sha256 ?? '').SOPInstanceUID;
      for (let tries = 0; !(await h.orthanc.client.instanceIdByUid(srUid)); tries++) {
        if (tries > 300) throw new Error(`the SR ${srUid} of the timed-out request was never stored`);
        await sleep(100);
      }
      const again = await postJson(sidecar, '/api/classify', { studyInstanceUID: imageStudy, sopInstanceUID });
      expect(((await again.json()) as ClassifyReport).results[0]?.sr.alreadyExisted).toBe(true);
    });
  });

  describe('POST /api/internal/orthanc-event', () => {
    it('should refuse a caller without the token', async () => {
      const response = await postJson(sidecar, '/api/internal/orthanc-event', { orthancInstanceId: 'x' }, {});
      expect(response.status).toBe(401);
    });

    it('should answer 400 naming a malformed instance id', async () => {
      const error = await errorOf(await postJson(sidecar, '/api/internal/orthanc-event', { orthancInstanceId: '../../system' }));
      expect(error).toMatchObject({ status: 400, message: expect.stringContaining("Field 'orthancInstanceId'") });
    });

    it('should classify the announced instance in the background when auto-classify is on', async () => {
      const [copy] = distinctCopies(await readRealImage(), 1);
      if (!copy) throw new Error('no copy');
      const { ID } = await h.orthanc.client.uploadInstance(copy);
      const auto = h.build({ autoClassify: true });
      const response = await postJson(auto, '/api/internal/orthanc-event', { orthancInstanceId: ID });
      expect(response.status).toBe(202);
      expect(await response.json()).toEqual({ accepted: true, orthancInstanceId: ID });
      const srUid = findingsSrUids(readDicomDataset(copy).dataset.SOPInstanceUID as string, h.pipeline.model.card.onnx?.sha256 ?? '').SOPInstanceUID;
      for (let tries = 0; !(await h.orthanc.client.instanceIdByUid(srUid)); tries++) {
        if (tries > 300) throw new Error(`the SR ${srUid} of the announced instance was never stored`);
        await sleep(100);
      }
    });

    it('should skip the objects it stored when they are announced, without reading them from Orthanc', async () => {
      const [copy] = distinctCopies(await readRealImage(), 2).slice(1);
      if (!copy) throw new Error('no copy');
      const { ID } = await h.orthanc.client.uploadInstance(copy);
      const auto = h.build({ autoClassify: true });
      expect(await auto.service.classifyOrthancInstance(ID, 'hook')).toMatchObject({ kind: 'classified' });
      const uids = imageObjectUids(readDicomDataset(copy).dataset.SOPInstanceUID as string, auto.service.model.onnxSha256);
      const ids = (await Promise.all([uids.result, uids.report, uids.heatmaps].map((o) => h.orthanc.client.instanceIdByUid(o.SOPInstanceUID)))).filter(
        (id): id is string => id !== undefined,
      );
      expect(ids.length).toBeGreaterThanOrEqual(2);
      // The changes feed announces each of them: this process knows them; another has to read their tags.
      const other = h.build({ autoClassify: true });
      for (const id of ids) {
        expect(await auto.service.classifyOrthancInstance(id, 'changes')).toEqual({ kind: 'skipped', item: { reason: `Orthanc instance ${id} is an object this sidecar stored` } });
        const read = await other.service.classifyOrthancInstance(id, 'changes');
        expect(read).toMatchObject({ kind: 'skipped', item: { reason: expect.any(String) } });
        expect(read.kind === 'skipped' && read.item.reason).not.toMatch(/this sidecar stored/);
      }
    });

    it('should read an arrival\'s tags once when the hook\'s turn was refused and the changes feed names it again', async () => {
      const [copy] = distinctCopies(await readRealImage(), 3).slice(2);
      if (!copy) throw new Error('no copy');
      const { ID } = await h.orthanc.client.uploadInstance(copy);
      const auto = h.build({ autoClassify: true, maxQueue: 1 });
      const reads = vi.spyOn(auto.orthanc, 'instanceTags');
      // Every place in the queue taken: the hook's turn is refused, as in a burst.
      const held = Array.from({ length: auto.queue.available }, () => auto.queue.reserve());
      await expect(auto.service.classifyOrthancInstance(ID, 'hook')).rejects.toBeInstanceOf(QueueFullError);
      for (const place of held) place.release();
      expect(await auto.service.classifyOrthancInstance(ID, 'changes')).toMatchObject({ kind: 'classified' });
      expect(reads.mock.calls).toEqual([[ID]]);
    });

    it('should find an arrival gone when it was deleted after its tags were read', async () => {
      const [copy] = distinctCopies(await readRealImage(), 4).slice(3);
      if (!copy) throw new Error('no copy');
      const { ID } = await h.orthanc.client.uploadInstance(copy);
      const auto = h.build({ autoClassify: true, maxQueue: 1 });
      const held = Array.from({ length: auto.queue.available }, () => auto.queue.reserve());
      await expect(auto.service.classifyOrthancInstance(ID, 'hook')).rejects.toBeInstanceOf(QueueFullError);
      for (const place of held) place.release();
      await h.orthanc.client.deleteInstance(ID);
      expect(await auto.service.classifyOrthancInstance(ID, 'changes')).toEqual({ kind: 'skipped', item: { reason: `Orthanc instance ${ID} is no longer stored` } });
    });

    it('should skip an announced instance that is gone, without retrying', async () => {
      const auto = h.build({ autoClassify: true });
      const outcome = await auto.service.classifyOrthancInstance('00000000-00000000-00000000-00000000-00000000', 'changes');
      expect(outcome).toEqual({ kind: 'skipped', item: { reason: 'Orthanc instance 00000000-00000000-00000000-00000000-00000000 is no longer stored' } });
    });

    it('should accept an event and ignore it while auto-classify is off', async () => {
      const [instance] = await h.orthanc.client.findInstances({ Query: { StudyInstanceUID: imageStudy, Modality: 'CR' } });
      const response = await postJson(sidecar, '/api/internal/orthanc-event', { orthancInstanceId: instance?.ID });
      expect(response.status).toBe(202);
      expect(await response.json()).toMatchObject({ accepted: false });
    });
  });

  describe('Orthanc going down and coming back', () => {
    it('should answer 503 naming Orthanc while it is down, then serve again when it is back', async () => {
      await h.orthanc.kill();
      const down = await errorOf(await postJson(sidecar, '/api/classify', { studyInstanceUID: imageStudy }));
      expect(down).toMatchObject({ status: 503, code: 'orthanc-unavailable', message: expect.stringContaining(`Orthanc at ${h.orthanc.url} is unreachable`) });
      const health = await sidecar.app.request('/api/health', { headers: auth });
      expect(health.status).toBe(503);
      expect(await health.json()).toMatchObject({ status: 'unavailable', orthanc: { reachable: false }, error: { code: 'orthanc-unavailable' } });

      await h.orthanc.restart();
      expect((await sidecar.app.request('/api/health')).status).toBe(200);
      const back = await postJson(sidecar, '/api/classify', { studyInstanceUID: imageStudy });
      expect(back.status).toBe(200);
    });
  });
});
