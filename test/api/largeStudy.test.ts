import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readDicomDataset } from '../../inference-service/src/dicom/index.ts';
import type { ClassifyReport } from '../../inference-service/src/service/types.ts';
import { distinctCopies } from '../support/orthanc.ts';
import { postJson, readRealImage, startHarness, type Harness } from './harness.ts';

const imageStudy = '1.2.276.0.7230010.3.1.2.8323329.6904.1517875201.850818';

describe('a study larger than the work queue', () => {
  let h: Harness;
  let images: Uint8Array[];

  beforeAll(async () => {
    h = await startHarness();
    images = distinctCopies(await readRealImage(), 200);
    const client = h.orthanc.client;
    const queue = [...images];
    await Promise.all(Array.from({ length: 4 }, async () => {
      for (let image = queue.shift(); image; image = queue.shift()) await client.uploadInstance(image);
    }));
  }, 120_000);

  afterAll(async () => {
    await h?.stop();
  });

  it('should classify all 200 images through one API call with a queue of 8, holding no more than the queue', async () => {
    // Two objects per image and a shared host: room for the whole study within one request.
    const sidecar = h.build({ maxQueue: 8, concurrency: 2, requestTimeoutMs: 150_000 });
    let highestDepth = 0;
    const gauge = setInterval(() => (highestDepth = Math.max(highestDepth, sidecar.queue.waiting + sidecar.queue.running)), 5);
    let response: Response;
    try {
      response = await postJson(sidecar, '/api/classify', { studyInstanceUID: imageStudy });
    } finally {
      clearInterval(gauge);
    }
    expect(response.status).toBe(200);
    const report = (await response.json()) as ClassifyReport;
    expect(report.results).toHaveLength(200);
    expect(report.pending).toEqual([]);
    expect(new Set(report.results.map((r) => r.SOPInstanceUID))).toEqual(new Set(images.map((i) => String(readDicomDataset(i).dataset.SOPInstanceUID))));
    // The queue held at most its own bound, never the study.
    expect(highestDepth).toBeLessThanOrEqual(2 + 8);
    const srs = await h.orthanc.client.findInstances({ Query: { StudyInstanceUID: imageStudy, Modality: 'SR' } });
    // Two objects per image: the TID 1500 result and the readable report.
    expect(srs).toHaveLength(400);
  }, 200_000);
});
