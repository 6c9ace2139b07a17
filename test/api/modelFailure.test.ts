import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSidecar } from '../../inference-service/src/sidecar.ts';
import { silentLogger } from '../../inference-service/src/log.ts';
import { loadPipeline } from '../../inference-service/src/pipeline/loadPipeline.ts';
import { startTestOrthanc, type TestOrthanc } from '../support/orthanc.ts';
import { testToken } from './harness.ts';

describe('GET /api/health when the model cannot run', () => {
  let orthanc: TestOrthanc;

  beforeAll(async () => {
    orthanc = await startTestOrthanc();
  });
  afterAll(async () => {
    await orthanc?.stop();
  });

  it('should answer 503 naming the model once its worker thread has stopped', async () => {
    const pipeline = await loadPipeline({ intraOpThreads: 1 });
    const sidecar = createSidecar({
      settings: {
        orthanc: { url: orthanc.url, credentials: orthanc.credentials },
        apiToken: testToken,
        autoClassify: false,
        bodyLimitBytes: 1024 * 1024,
        requestTimeoutMs: 10_000,
        maxQueue: 4,
        concurrency: 1,
        dataDir: orthanc.storageDir,
      },
      pipeline,
      logger: silentLogger,
    });
    expect((await sidecar.app.request('/api/health')).status).toBe(200);

    // The worker stops as it would if it crashed: the process must not keep saying the model is loaded.
    await pipeline.model.dispose();
    const response = await sidecar.app.request('/api/health', { headers: { Authorization: `Bearer ${testToken}` } });
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({
      status: 'unavailable',
      orthanc: { reachable: true },
      model: { loaded: false, problem: expect.stringMatching(/onnxruntime worker .* has stopped/) },
      error: { code: 'not-ready', message: expect.stringMatching(/^The model cannot classify/) },
    });
  });
});
