/**
 * Routing results to the hospital's systems, against real servers: the source Orthanc (the sidecar's),
 * a destination Orthanc standing for the PACS and reached by C-STORE from the source Orthanc
 * (`/modalities/pacs/store`), and a second destination Orthanc reached by STOW-RS at its /dicom-web.
 */
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataFiles } from '../../inference-service/src/config/defaults.ts';
import { readDicomDataset } from '../../inference-service/src/dicom/index.ts';
import type { Delivery } from '../../inference-service/src/routing/resultRouter.ts';
import { parseRoutingFile } from '../../inference-service/src/routing/routingFile.ts';
import { imageObjectUids } from '../../inference-service/src/service/imageObjects.ts';
import type { ClassifyReport } from '../../inference-service/src/service/types.ts';
import type { SidecarParts } from '../../inference-service/src/sidecar.ts';
import { findFreePort } from '../../tooling/freePort.ts';
import { auth, postJson, readRealImage, startHarness, type Harness } from '../api/harness.ts';
import { distinctCopies, startTestOrthanc, type TestOrthanc } from '../support/orthanc.ts';

/**
 * Makes the archive refuse STOW-RS (403) while a flag file exists: a Lua IncomingHttpRequestFilter.
 * (Not a ReceivedInstanceFilter: Orthanc's DICOMweb plugin 1.7 lists an instance that filter refused
 * under ReferencedSOPSequence, as stored, with HTTP 200.)
 */
async function postRefusal(): Promise<{ script: string; refuse(): Promise<void>; accept(): Promise<void>; remove(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'cxr-refuse-posts-'));
  const flag = join(dir, 'refuse');
  const script = join(dir, 'refuse-posts.lua');
  await writeFile(
    script,
    [
      '-- Purpose (tests only): refuse STOW-RS while the flag file exists.',
      `local flag = ${JSON.stringify(flag)}`,
      'function IncomingHttpRequestFilter(method, uri, ip, username, httpHeaders)',
      "  if method ~= 'POST' or string.find(uri, '^/dicom%-web/studies') == nil then return true end",
      "  local f = io.open(flag, 'r')",
      '  if f == nil then return true end',
      '  f:close()',
      '  return false',
      'end',
      '',
    ].join('\n'),
  );
  return {
    script,
    refuse: () => writeFile(flag, 'refuse'),
    accept: () => rm(flag, { force: true }),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

const imageStudy = '1.2.276.0.7230010.3.1.2.8323329.6904.1517875201.850818';
/** The template's AE title: the source Orthanc calls the PACS with it. */
const sourceAet = 'CXRFINDINGS';

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function routingListing(sidecar: SidecarParts): Promise<{ destinations: Array<{ name: string; type: string }>; pending: Delivery[]; failed: Delivery[] }> {
  const response = await sidecar.app.request('/api/routing', { headers: auth });
  expect(response.status).toBe(200);
  return (await response.json()) as { destinations: Array<{ name: string; type: string }>; pending: Delivery[]; failed: Delivery[] };
}

async function holds(orthanc: TestOrthanc, uid: string): Promise<boolean> {
  return (await orthanc.client.instanceIdByUid(uid)) !== undefined;
}

describe('routing results to destinations', { shuffle: false }, () => {
  let h: Harness;
  let pacs: TestOrthanc;
  let archive: TestOrthanc;
  let refusal: Awaited<ReturnType<typeof postRefusal>>;
  let copies: Uint8Array[];
  const dataDirs: string[] = [];

  beforeAll(async () => {
    refusal = await postRefusal();
    const sourceDicomPort = await findFreePort();
    pacs = await startTestOrthanc({ dicomPort: 0, dicomModalities: { source: { AET: sourceAet, Host: '127.0.0.1', Port: sourceDicomPort } } });
    archive = await startTestOrthanc({ luaScripts: [refusal.script] });
    h = await startHarness({
      orthanc: { dicomPort: sourceDicomPort, dicomModalities: { pacs: { AET: 'PACS', Host: '127.0.0.1', Port: pacs.dicomPort as number } } },
    });
    copies = distinctCopies(await readRealImage(), 10);
    for (const copy of copies) await h.orthanc.client.uploadInstance(copy);
  }, 60_000);

  afterAll(async () => {
    await Promise.all([h?.stop(), pacs?.stop(), archive?.stop()]);
    await refusal?.remove();
    await Promise.all(dataDirs.map((d) => rm(d, { recursive: true, force: true })));
  });

  /** A sidecar over the source Orthanc whose routing file names both destinations. */
  async function routingSidecar(options: { dataDir?: string; maxAttempts?: number } = {}): Promise<{ sidecar: SidecarParts; dataDir: string }> {
    const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'cxr-routing-')));
    if (!dataDirs.includes(dataDir)) dataDirs.push(dataDir);
    const routing = parseRoutingFile(
      {
        destinations: [
          { name: 'pacs', type: 'dicom', modality: 'pacs' },
          { name: 'archive', type: 'stow-rs', url: `${archive.url}/dicom-web`, username: archive.credentials.username, passwordEnv: 'TEST_ARCHIVE_PASSWORD' },
        ],
        delivery: { maxAttempts: options.maxAttempts ?? 60, initialDelayMs: 100, maxDelayMs: 400 },
      },
      'test routing',
      { TEST_ARCHIVE_PASSWORD: archive.credentials.password },
    );
    const sidecar = h.build({ dataDir, routing });
    await sidecar.router?.load();
    return { sidecar, dataDir };
  }

  /** The objects a classification stored: both SRs and (the tests' demo model finds positives) the heatmaps. */
  async function classify(sidecar: SidecarParts, copy: Uint8Array): Promise<{ image: string; objects: string[] }> {
    const image = String(readDicomDataset(copy).dataset.SOPInstanceUID);
    const response = await postJson(sidecar, '/api/classify', { studyInstanceUID: imageStudy, sopInstanceUID: image });
    expect(response.status).toBe(200);
    const [result] = ((await response.json()) as ClassifyReport).results;
    if (!result) throw new Error('no result');
    return { image, objects: [result.sr.SOPInstanceUID, result.report.SOPInstanceUID, ...(result.heatmaps ? [result.heatmaps.SOPInstanceUID] : [])] };
  }

  /** An image's objects stored by a sidecar without routing: in Orthanc, at no destination. */
  async function classifyUnrouted(copy: Uint8Array): Promise<{ image: string; objects: string[] }> {
    const plainDir = await mkdtemp(join(tmpdir(), 'cxr-no-routing-'));
    dataDirs.push(plainDir);
    return classify(h.build({ dataDir: plainDir }), copy);
  }

  /** Waits until the sidecar has nothing left to send, then finds every object at both destinations. */
  async function deliveredEverywhere(sidecar: SidecarParts, objects: readonly string[]): Promise<void> {
    await until('nothing is left to send', async () => {
      const listing = await routingListing(sidecar);
      return listing.pending.length === 0 && listing.failed.length === 0;
    });
    for (const uid of objects) {
      expect(await holds(pacs, uid)).toBe(true);
      expect(await holds(archive, uid)).toBe(true);
    }
  }

  /** The next start over a stopped sidecar's data dir: what it kept on disk reaches both destinations. */
  async function deliveredAfterRestart(dataDir: string, objects: readonly string[]): Promise<void> {
    const { sidecar } = await routingSidecar({ dataDir });
    try {
      await deliveredEverywhere(sidecar, objects);
    } finally {
      sidecar.router?.stop();
    }
  }

  it('should deliver both SRs of a classified image to the PACS by C-STORE and to the archive by STOW-RS, and count them', async () => {
    const { sidecar } = await routingSidecar();
    try {
      const { objects } = await classify(sidecar, copies[0] as Uint8Array);
      await until('both destinations hold both SRs', async () => (await routingListing(sidecar)).pending.length === 0);
      for (const uid of objects) {
        expect(await holds(pacs, uid)).toBe(true);
        expect(await holds(archive, uid)).toBe(true);
      }
      // The PACS got them over DICOM from the source Orthanc's AE title, and the archive over STOW-RS, each
      // the same data set as the source holds.
      const pacsId = await pacs.client.instanceIdByUid(objects[0] as string);
      expect((await pacs.client.instanceMetadata(pacsId as string)).RemoteAET).toBe(sourceAet);
      for (const uid of objects) {
        const source = readDicomDataset(await h.orthanc.client.instanceFile((await h.orthanc.client.instanceIdByUid(uid)) as string)).dataset;
        for (const destination of [pacs, archive]) {
          const copy = readDicomDataset(await destination.client.instanceFile((await destination.client.instanceIdByUid(uid)) as string)).dataset;
          expect(copy).toEqual(source);
        }
      }
      const listing = await routingListing(sidecar);
      expect(listing.destinations).toEqual([
        { name: 'pacs', type: 'dicom' },
        { name: 'archive', type: 'stow-rs' },
      ]);
      // Credentials stay on the server.
      expect(JSON.stringify(listing)).not.toContain(archive.credentials.password);
      const metrics = await (await sidecar.app.request('/metrics', { headers: auth })).text();
      expect(metrics).toContain(`cxr_routed_total{destination="pacs"} ${objects.length}`);
      expect(metrics).toContain(`cxr_routed_total{destination="archive"} ${objects.length}`);
      expect(metrics).toMatch(/cxr_route_outbox\{destination="pacs",state="pending"\} 0/);
    } finally {
      sidecar.router?.stop();
    }
  });

  it('should keep retrying while the PACS is down, across a sidecar restart, and deliver once it is back', async () => {
    const first = await routingSidecar();
    let second: SidecarParts | undefined;
    try {
      await pacs.kill();
      const { objects } = await classify(first.sidecar, copies[1] as Uint8Array);
      await until('both SRs wait for the PACS after failed attempts', async () => {
        const { pending } = await routingListing(first.sidecar);
        const forPacs = pending.filter((d) => d.destination === 'pacs');
        return forPacs.length === objects.length && forPacs.every((d) => d.attempts >= 2);
      });
      const { pending, failed } = await routingListing(first.sidecar);
      expect(failed).toEqual([]);
      for (const d of pending) expect(d).toMatchObject({ destination: 'pacs', state: 'pending', reason: 'refused', image: { StudyInstanceUID: imageStudy } });
      expect(pending[0]?.message).toMatch(/C-STORE to 'pacs' failed/);
      // The archive was reachable all along.
      await until('the archive holds both SRs', async () => (await holds(archive, objects[0] as string)) && (await holds(archive, objects[1] as string)));
      const metrics = await (await first.sidecar.app.request('/metrics', { headers: auth })).text();
      expect(metrics).toContain(`cxr_route_outbox{destination="pacs",state="pending"} ${objects.length}`);
      expect(metrics).toMatch(/cxr_route_failures_total\{destination="pacs",reason="refused"\} [1-9]/);

      // The sidecar stops; the next one takes the deliveries up from the data dir.
      first.sidecar.router?.stop();
      second = (await routingSidecar({ dataDir: first.dataDir })).sidecar;
      expect((await routingListing(second)).pending.map((d) => d.object.SOPInstanceUID).sort()).toEqual([...objects].sort());
      await pacs.restart();
      await until('the PACS holds both SRs', async () => (await routingListing(second as SidecarParts)).pending.length === 0, 90_000);
      for (const uid of objects) expect(await holds(pacs, uid)).toBe(true);
    } finally {
      first.sidecar.router?.stop();
      second?.router?.stop();
    }
  }, 150_000);

  it('should list a destination that keeps refusing as failed, and deliver when retried after the fault is fixed', async () => {
    const { sidecar } = await routingSidecar({ maxAttempts: 3 });
    try {
      await refusal.refuse();
      const { objects } = await classify(sidecar, copies[2] as Uint8Array);
      await until('the archive deliveries are failed', async () => (await routingListing(sidecar)).failed.length === objects.length);
      const { failed, pending } = await routingListing(sidecar);
      expect(pending).toEqual([]);
      for (const d of failed) expect(d).toMatchObject({ destination: 'archive', state: 'failed', attempts: 3, reason: 'http-4xx' });
      expect(failed[0]?.message).toMatch(/answered 403/);
      expect(failed.map((d) => d.object.SOPInstanceUID).sort()).toEqual([...objects].sort());
      expect(failed[0]).not.toHaveProperty('nextAttemptAt');
      // The PACS took them regardless.
      for (const uid of objects) expect(await holds(pacs, uid)).toBe(true);
      expect(await holds(archive, objects[0] as string)).toBe(false);
      const metrics = await (await sidecar.app.request('/metrics', { headers: auth })).text();
      expect(metrics).toContain(`cxr_route_outbox{destination="archive",state="failed"} ${objects.length}`);

      // A failed delivery stays failed until a person asks again.
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      expect((await routingListing(sidecar)).failed).toHaveLength(objects.length);

      await refusal.accept();
      const unknown = await sidecar.app.request('/api/routing/retry?destination=nowhere', { method: 'POST', headers: auth });
      expect(unknown.status).toBe(400);
      const retried = await sidecar.app.request('/api/routing/retry?destination=archive', { method: 'POST', headers: auth });
      expect(retried.status).toBe(200);
      expect(await retried.json()).toEqual({ delivered: objects.length, stillUndelivered: 0 });
      for (const uid of objects) expect(await holds(archive, uid)).toBe(true);
      expect(await routingListing(sidecar)).toMatchObject({ pending: [], failed: [] });
    } finally {
      await refusal.accept();
      sidecar.router?.stop();
    }
  }, 90_000);

  it('should send what a sidecar that died between storing and routing had stored, and forget what it never stored', async () => {
    const { objects } = await classifyUnrouted(copies[3] as Uint8Array);
    const neverStored = '2.25.1234567890123456789012345678901234567';
    const image = { StudyInstanceUID: imageStudy, SeriesInstanceUID: '1.2.3', SOPInstanceUID: '1.2.3.4' };
    const first = await routingSidecar();
    let second: SidecarParts | undefined;
    try {
      // What the outbox does before each store; the sidecar then dies before any `route` says "stored".
      for (const uid of [...objects, neverStored]) await first.sidecar.router?.hold({ SOPInstanceUID: uid, SeriesInstanceUID: '1.2.3.5' }, image);
      const held = (await routingListing(first.sidecar)).pending;
      expect(held).toHaveLength(2 * (objects.length + 1));
      for (const d of held) expect(d).toMatchObject({ state: 'pending', awaitingStore: true, attempts: 0 });
      // Held, not sent: the object may not be in Orthanc yet.
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      expect(await holds(pacs, objects[0] as string)).toBe(false);
      first.sidecar.router?.stop();

      second = (await routingSidecar({ dataDir: first.dataDir })).sidecar;
      await deliveredEverywhere(second, objects);
      // The one never stored is forgotten, not failed: whoever stores it later routes it then.
      const metrics = await (await second.app.request('/metrics', { headers: auth })).text();
      expect(metrics).toContain(`cxr_routed_total{destination="pacs"} ${objects.length}`);
      expect(metrics).toMatch(/cxr_route_outbox\{destination="pacs",state="failed"\} 0/);
    } finally {
      first.sidecar.router?.stop();
      second?.router?.stop();
    }
  }, 90_000);

  it('should keep an object held while its store is under way, however many others reach the destination meanwhile', async () => {
    const first = await routingSidecar();
    try {
      const image = String(readDicomDataset(copies[4] as Uint8Array).dataset.SOPInstanceUID);
      const uids = Object.values(imageObjectUids(image, first.sidecar.service.model.onnxSha256)).map((o) => o.SOPInstanceUID);
      const subject = { StudyInstanceUID: imageStudy, SeriesInstanceUID: '1.2.3', SOPInstanceUID: image };
      // What the outbox does before each store; these uploads are "under way" until the end of the test.
      for (const uid of uids) await first.sidecar.router?.hold({ SOPInstanceUID: uid, SeriesInstanceUID: '1.2.3.5' }, subject);
      // Another image's objects reach both destinations: each delivery hurries what waits for that destination.
      const other = await classify(first.sidecar, copies[5] as Uint8Array);
      await until('the other image is at both destinations', async () => {
        const present = await Promise.all(other.objects.flatMap((uid) => [holds(pacs, uid), holds(archive, uid)]));
        return present.every(Boolean);
      });
      // The held ones were not tried (they would have been forgotten as never stored): still held, untried.
      const held = (await routingListing(first.sidecar)).pending;
      expect(held.map((d) => d.object.SOPInstanceUID).sort()).toEqual([...uids, ...uids].sort());
      for (const d of held) expect(d).toMatchObject({ awaitingStore: true, attempts: 0 });

      // Orthanc takes the objects, and the sidecar dies before any `route` says so.
      const { objects } = await classifyUnrouted(copies[4] as Uint8Array);
      first.sidecar.router?.stop();
      // The next start finds them held on disk, and Orthanc holding them: they reach both destinations.
      await deliveredAfterRestart(first.dataDir, objects);
    } finally {
      first.sidecar.router?.stop();
    }
  }, 90_000);

  it('should try a held delivery once its store is given up: send it if Orthanc has the object, forget it if not', async () => {
    const { objects } = await classifyUnrouted(copies[6] as Uint8Array);
    const neverStored = '2.25.2234567890123456789012345678901234567';
    const image = { StudyInstanceUID: imageStudy, SeriesInstanceUID: '1.2.3', SOPInstanceUID: '1.2.3.4' };
    const { sidecar } = await routingSidecar();
    try {
      const held = [...objects, neverStored].map((uid) => ({ SOPInstanceUID: uid, SeriesInstanceUID: '1.2.3.5' }));
      for (const object of held) await sidecar.router?.hold(object, image);
      // Their stores are "under way": nothing is tried, however long that takes.
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      expect(await holds(pacs, objects[0] as string)).toBe(false);
      for (const d of (await routingListing(sidecar)).pending) expect(d).toMatchObject({ awaitingStore: true, attempts: 0 });

      // What the outbox says when a store ends in neither Orthanc nor the outbox.
      for (const object of held) sidecar.router?.abandoned(object);
      await deliveredEverywhere(sidecar, objects);
      const metrics = await (await sidecar.app.request('/metrics', { headers: auth })).text();
      expect(metrics).toContain(`cxr_routed_total{destination="pacs"} ${objects.length}`);
      expect(metrics).toMatch(/cxr_route_outbox\{destination="pacs",state="failed"\} 0/);
    } finally {
      sidecar.router?.stop();
    }
  }, 90_000);

  it('should keep on disk what is stored after it stopped sending, and send it at the next start', async () => {
    const { image, objects } = await classifyUnrouted(copies[7] as Uint8Array);
    const subject = { StudyInstanceUID: imageStudy, SeriesInstanceUID: '1.2.3', SOPInstanceUID: image };
    const first = await routingSidecar();
    try {
      // A stopping sidecar: the outbox's last retry ends after routing stopped, and says "stored".
      first.sidecar.router?.stop();
      for (const uid of objects) await first.sidecar.router?.route({ SOPInstanceUID: uid, SeriesInstanceUID: '1.2.3.5' }, subject);
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(await holds(pacs, objects[0] as string)).toBe(false);
      expect((await readdir(join(first.dataDir, dataFiles.routeOutbox))).length).toBe(2 * objects.length);
      await deliveredAfterRestart(first.dataDir, objects);
    } finally {
      first.sidecar.router?.stop();
    }
  }, 90_000);

  it('should route what a lost run stored and never routed once the shared queue hands the image out again', async () => {
    const { image, objects } = await classifyUnrouted(copies[8] as Uint8Array);
    const orthancId = (await h.orthanc.client.instanceIdByUid(image)) as string;
    const { sidecar } = await routingSidecar();
    try {
      // A first run finds the image done and routes nothing: whoever stored it routed it.
      expect(await sidecar.service.classifyOrthancInstance(orthancId, 'changes')).toMatchObject({ kind: 'classified', item: { sr: { alreadyExisted: true } } });
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect((await routingListing(sidecar)).pending).toEqual([]);
      expect(await holds(pacs, objects[0] as string)).toBe(false);
      // A rerun (its worker died between storing and routing, its held deliveries on a disk gone with it).
      expect(await sidecar.service.classifyOrthancInstance(orthancId, 'changes', { rerun: true })).toMatchObject({ kind: 'classified', item: { sr: { alreadyExisted: true } } });
      await deliveredEverywhere(sidecar, objects);
    } finally {
      sidecar.router?.stop();
    }
  }, 90_000);

  it('should refuse the listing to anyone without the administer role, and describe it in the OpenAPI document', async () => {
    const { sidecar } = await routingSidecar();
    try {
      expect((await sidecar.app.request('/api/routing')).status).toBe(401);
      expect((await sidecar.app.request('/api/routing/retry', { method: 'POST' })).status).toBe(401);
      // Mounted only with destinations, and then described with the rest of the API.
      const doc = (await (await sidecar.app.request('/api/openapi.json')).json()) as { paths: Record<string, Record<string, unknown>> };
      expect(Object.keys(doc.paths['/api/routing'] ?? {})).toEqual(['get']);
      expect(Object.keys(doc.paths['/api/routing/retry'] ?? {})).toEqual(['post']);
    } finally {
      sidecar.router?.stop();
    }
  });
});
