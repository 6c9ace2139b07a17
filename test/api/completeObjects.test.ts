/**
 * An image's objects are stored side by side, so a run that stopped among them (a killed worker, a crash)
 * can leave its result in Orthanc without the readable report or the heatmaps. The result alone must not
 * count as done: the next request classifies the image again and stores what is missing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readDicomDataset } from '../../inference-service/src/dicom/index.ts';
import { imageObjectUids } from '../../inference-service/src/service/imageObjects.ts';
import type { ClassifyReport } from '../../inference-service/src/service/types.ts';
import { distinctCopies } from '../support/orthanc.ts';
import { auth, postJson, readRealImage, startHarness, type Harness } from './harness.ts';

describe("an image's result without all its objects", () => {
  let h: Harness;
  let images: Uint8Array[];

  beforeAll(async () => {
    h = await startHarness();
    images = distinctCopies(await readRealImage(), 2);
    for (const image of images) await h.orthanc.client.uploadInstance(image);
  });

  afterAll(async () => {
    await h?.stop();
  });

  const classify = async (sidecar: ReturnType<Harness['build']>, image: Uint8Array): Promise<ClassifyReport> => {
    const { StudyInstanceUID, SOPInstanceUID } = readDicomDataset(image).dataset as { StudyInstanceUID: string; SOPInstanceUID: string };
    const response = await postJson(sidecar, '/api/classify', { studyInstanceUID: StudyInstanceUID, sopInstanceUID: SOPInstanceUID });
    expect(response.status).toBe(200);
    return (await response.json()) as ClassifyReport;
  };

  for (const [index, lost] of [
    [0, 'report'],
    [1, 'heatmaps'],
  ] as const) {
    it(`should classify the image again and store its ${lost} when only that is missing, then take the set for done`, async () => {
      const sidecar = h.build();
      const image = images[index] as Uint8Array;
      const uids = imageObjectUids(String(readDicomDataset(image).dataset.SOPInstanceUID), sidecar.service.model.onnxSha256);
      const first = await classify(sidecar, image);
      // The tests' model (the demo's) finds positives on this image: it has heatmaps.
      expect(first.results[0]?.heatmaps?.SOPInstanceUID).toBe(uids.heatmaps.SOPInstanceUID);
      const lostId = await h.orthanc.client.instanceIdByUid(uids[lost].SOPInstanceUID);
      expect(lostId).toBeDefined();
      await h.orthanc.client.deleteInstance(lostId as string);

      const again = await classify(sidecar, image);
      // The model ran again (its timings say so) and the result was already there.
      expect(again.results[0]).toMatchObject({ sr: { SOPInstanceUID: uids.result.SOPInstanceUID, alreadyExisted: true } });
      expect(again.results[0]?.timingsMs).toHaveProperty('model');
      expect(again.results[0]?.findings).toEqual(first.results[0]?.findings);
      for (const object of Object.values(uids)) expect(await h.orthanc.client.instanceIdByUid(object.SOPInstanceUID)).toBeDefined();
      // Completing a set is not a model run duplicated by a race.
      const metrics = await (await sidecar.app.request('/metrics', { headers: auth })).text();
      expect(metrics).toMatch(/^cxr_model_runs_duplicated_total 0$/m);

      // Complete now: shown from what is stored, without running the model.
      const third = await classify(sidecar, image);
      expect(third.results[0]?.sr.alreadyExisted).toBe(true);
      expect(third.results[0]?.timingsMs).not.toHaveProperty('model');
    }, 60_000);
  }
});
