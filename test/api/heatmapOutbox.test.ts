import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readDicomDataset } from '../../inference-service/src/dicom/index.ts';
import { imageObjectUids } from '../../inference-service/src/service/imageObjects.ts';
import type { UnstoredSr } from '../../inference-service/src/service/srOutbox.ts';
import { parametricMapSopClassUid } from '../../inference-service/src/sr/index.ts';
import { distinctCopies } from '../support/orthanc.ts';
import { auth, errorOf, postJson, readRealImage, startHarness, type Harness } from './harness.ts';

/** A Lua ReceivedInstanceFilter refusing Parametric Maps (Status FilteredOut) while a flag file exists. */
async function heatmapRefusal(): Promise<{ script: string; accept(): Promise<void>; remove(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'cxr-refuse-heatmaps-'));
  const flag = join(dir, 'refuse');
  const script = join(dir, 'refuse-heatmaps.lua');
  await writeFile(flag, 'refuse');
  await writeFile(
    script,
    [
      '-- Purpose (tests only): refuse Parametric Maps while the flag file exists.',
      `local flag = ${JSON.stringify(flag)}`,
      'function ReceivedInstanceFilter(dicom, origin, info)',
      `  if dicom.SOPClassUID ~= ${JSON.stringify(parametricMapSopClassUid)} then return true end`,
      "  local f = io.open(flag, 'r')",
      '  if f == nil then return true end',
      '  f:close()',
      '  return false',
      'end',
      '',
    ].join('\n'),
  );
  return { script, accept: () => rm(flag, { force: true }), remove: () => rm(dir, { recursive: true, force: true }) };
}

// One scenario in order: Orthanc refuses the heatmaps, then takes them.
describe('heatmaps Orthanc refuses', { shuffle: false }, () => {
  let h: Harness;
  let refusal: Awaited<ReturnType<typeof heatmapRefusal>>;
  let image: Uint8Array;

  beforeAll(async () => {
    refusal = await heatmapRefusal();
    h = await startHarness({ orthanc: { luaScripts: [refusal.script] } });
    [image] = distinctCopies(await readRealImage(), 1) as [Uint8Array];
    await h.orthanc.client.uploadInstance(image);
  });

  afterAll(async () => {
    await h?.stop();
    await refusal?.remove();
  });

  it('should keep the refused heatmaps in the outbox, say the image is not done, and store them once Orthanc accepts', async () => {
    const sidecar = h.build({ srRetryMaxDelayMs: 1_000 });
    const { StudyInstanceUID, SOPInstanceUID } = readDicomDataset(image).dataset as { StudyInstanceUID: string; SOPInstanceUID: string };
    const uids = imageObjectUids(SOPInstanceUID, sidecar.service.model.onnxSha256);
    const response = await postJson(sidecar, '/api/classify', { studyInstanceUID: StudyInstanceUID, sopInstanceUID: SOPInstanceUID });
    // The tests' model (the demo's) puts findings at or above the operating point on this image, so it has a map.
    const refused = await errorOf(response);
    expect(refused, `${JSON.stringify(refused)}\n${h.logLines.filter((line) => line.includes('"error"') || line.includes('"warn"')).join('\n')}`).toMatchObject({ status: 503, code: 'sr-not-stored' });

    const listing = (await (await sidecar.app.request('/api/sr-outbox', { headers: auth })).json()) as { pending: UnstoredSr[] };
    expect(listing.pending).toHaveLength(1);
    expect(listing.pending[0]).toMatchObject({ reason: 'filtered-out', sr: uids.heatmaps, image: { SOPInstanceUID } });
    expect(await h.orthanc.client.instanceIdByUid(uids.heatmaps.SOPInstanceUID)).toBeUndefined();
    expect(await h.orthanc.client.instanceIdByUid(uids.report.SOPInstanceUID)).toBeDefined();

    await refusal.accept();
    const deadline = Date.now() + 60_000;
    while ((await h.orthanc.client.instanceIdByUid(uids.heatmaps.SOPInstanceUID)) === undefined) {
      if (Date.now() > deadline) throw new Error('the heatmaps were never stored');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    // The result waited for the map and is retried after it on the outbox's own schedule: wait for the outbox to empty.
    let after = { pending: [] as UnstoredSr[] };
    for (const until = Date.now() + 30_000; Date.now() < until; await new Promise((resolve) => setTimeout(resolve, 200))) {
      after = (await (await sidecar.app.request('/api/sr-outbox', { headers: auth })).json()) as { pending: UnstoredSr[] };
      if (after.pending.length === 0) break;
    }
    expect(after.pending).toEqual([]);
    const again = await postJson(sidecar, '/api/classify', { studyInstanceUID: StudyInstanceUID, sopInstanceUID: SOPInstanceUID });
    expect(again.status).toBe(200);
  }, 120_000);
});
