import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OrthancHttpError, OrthancUnavailableError } from '../../inference-service/src/orthanc/errors.ts';
import { findFreePort } from '../../tooling/freePort.ts';
import { OrthancClient } from '../../inference-service/src/orthanc/orthancClient.ts';
import { dicomVariant, realImageUids } from '../browser/support/dicomVariant.ts';
import { startTestOrthanc, type TestOrthanc } from '../support/orthanc.ts';
import { realJpegBaselineDcm } from '../support/paths.ts';

// The real image is stored before any test; the test of a first store uses a study of its own. Any order.
describe('OrthancClient', () => {
  let orthanc: TestOrthanc;
  let part10: Uint8Array;

  beforeAll(async () => {
    [orthanc, part10] = await Promise.all([startTestOrthanc(), readFile(realJpegBaselineDcm).then((b) => new Uint8Array(b))]);
    await orthanc.client.uploadInstance(part10);
  });
  afterAll(async () => {
    await orthanc?.stop();
  });

  describe('against a real Orthanc holding the real chest X-ray', () => {
    it('should answer /system with authentication on and the DICOMweb plugin loaded', async () => {
      const system = await orthanc.client.system();
      expect(system.Version).toMatch(/^1\.\d+/);
      expect(system.PluginsEnabled).toBe(true);
      const plugins = await (await fetch(`${orthanc.url}/plugins`, { headers: basicAuth(orthanc.credentials) })).json();
      expect(plugins).toContain('dicom-web');
      const anonymous = await fetch(`${orthanc.url}/system`);
      expect(anonymous.status).toBe(401);
    });

    it('should store the image once and call the second upload AlreadyStored', async () => {
      // A study of its own: the other tests look at the real image's study alone.
      const copy = dicomVariant(part10, realImageUids, 1).part10;
      const first = await orthanc.client.uploadInstance(copy);
      const second = await orthanc.client.uploadInstance(copy);
      expect(first.Status).toBe('Success');
      expect(second.Status).toBe('AlreadyStored');
      expect(second.ID).toBe(first.ID);
      expect(first.ParentStudy).toMatch(/^[0-9a-f]{8}(-[0-9a-f]{8}){4}$/);
    });

    it('should give back the stored file byte for byte', async () => {
      const { ID } = await orthanc.client.uploadInstance(part10);
      const stored = await orthanc.client.instanceFile(ID);
      expect(stored.byteLength).toBe(part10.byteLength);
      expect(Buffer.compare(stored, part10)).toBe(0);
    });

    it('should map the three DICOM UIDs of the image to its Orthanc ids', async () => {
      const uploaded = await orthanc.client.uploadInstance(part10);
      const tags = await orthanc.client.instanceTags(uploaded.ID);
      expect(tags.Modality).toBe('CR');
      expect(tags.PhotometricInterpretation).toBe('MONOCHROME2');
      expect(tags.PixelData).toBeNull();
      const { StudyInstanceUID, SeriesInstanceUID, SOPInstanceUID } = tags as Record<string, string>;

      expect(await orthanc.client.studyIdByUid(StudyInstanceUID!)).toBe(uploaded.ParentStudy);
      expect(await orthanc.client.seriesIdByUid(SeriesInstanceUID!)).toBe(uploaded.ParentSeries);
      expect(await orthanc.client.instanceIdByUid(SOPInstanceUID!)).toBe(uploaded.ID);
      expect(await orthanc.client.lookupUid(SOPInstanceUID!)).toEqual([{ ID: uploaded.ID, Path: `/instances/${uploaded.ID}`, Type: 'Instance' }]);
      expect(await orthanc.client.studyIdByUid('1.2.3.4.5.6.7.8.9')).toBeUndefined();
      // A series UID is not a study UID.
      expect(await orthanc.client.studyIdByUid(SeriesInstanceUID!)).toBeUndefined();
    });

    it('should list the instances of the study and of the series, and read the study and series', async () => {
      const uploaded = await orthanc.client.uploadInstance(part10);
      const [studyInstances, seriesInstances, study, series, instance] = await Promise.all([
        orthanc.client.studyInstances(uploaded.ParentStudy),
        orthanc.client.seriesInstances(uploaded.ParentSeries),
        orthanc.client.study(uploaded.ParentStudy),
        orthanc.client.series(uploaded.ParentSeries),
        orthanc.client.instance(uploaded.ID),
      ]);
      expect(studyInstances.map((i) => i.ID)).toEqual([uploaded.ID]);
      expect(seriesInstances.map((i) => i.ID)).toEqual([uploaded.ID]);
      expect(study.Series).toEqual([uploaded.ParentSeries]);
      expect(study.PatientMainDicomTags.PatientID).toBe('16d7f894-55d7-4d95-8957-d18987f0e981');
      expect(series.MainDicomTags.Modality).toBe('CR');
      expect(series.ParentStudy).toBe(uploaded.ParentStudy);
      expect(instance.ParentSeries).toBe(uploaded.ParentSeries);
      expect(instance.FileSize).toBe(part10.byteLength);
      const metadata = await orthanc.client.instanceMetadata(uploaded.ID);
      expect(metadata.SopClassUid).toBe('1.2.840.10008.5.1.4.1.1.7');
      expect(metadata.TransferSyntax).toBe('1.2.840.10008.1.2.4.50');
    });

    it('should find instances by tags of their own and of their parents', async () => {
      const uploaded = await orthanc.client.uploadInstance(part10);
      const study = await orthanc.client.study(uploaded.ParentStudy);
      const StudyInstanceUID = study.MainDicomTags.StudyInstanceUID!;
      const crs = await orthanc.client.findInstances({ Query: { StudyInstanceUID, Modality: 'CR' } });
      const srs = await orthanc.client.findInstances({ Query: { StudyInstanceUID, Modality: 'SR' } });
      expect(crs.map((i) => i.ID)).toEqual([uploaded.ID]);
      expect(crs[0]?.MainDicomTags.SOPInstanceUID).toMatch(/^[0-9.]+$/);
      expect(srs).toEqual([]);
      expect((await orthanc.client.findSeries({ Query: { Modality: 'CR' } })).map((s) => s.ID)).toContain(uploaded.ParentSeries);
      expect((await orthanc.client.findStudies({ Query: { StudyInstanceUID } })).map((s) => s.ID)).toEqual([uploaded.ParentStudy]);
    });

    it('should page through the change log', async () => {
      const uploaded = await orthanc.client.uploadInstance(part10);
      const all = await orthanc.client.changes(0, 100);
      expect(all.Done).toBe(true);
      // Each stored instance once (a second upload of the same is no change), the image among them.
      const newInstances = all.Changes.filter((c) => c.ChangeType === 'NewInstance').map((c) => c.ID);
      expect(newInstances).toContain(uploaded.ID);
      expect(new Set(newInstances).size).toBe(newInstances.length);
      const firstPage = await orthanc.client.changes(0, 1);
      expect(firstPage.Changes).toHaveLength(1);
      expect(firstPage.Done).toBe(false);
      expect(firstPage.Last).toBe(firstPage.Changes[0]?.Seq);
    });
  });

  describe('when Orthanc refuses', () => {
    it('should throw OrthancHttpError 400 with Orthanc\'s message for a non-DICOM upload', async () => {
      const error = await orthanc.client.uploadInstance(new TextEncoder().encode('not a DICOM file')).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OrthancHttpError);
      expect((error as OrthancHttpError).status).toBe(400);
      expect((error as OrthancHttpError).message).toMatch(/400 to POST http:\/\/127\.0\.0\.1:\d+\/instances: Bad file format/);
    });

    it('should throw OrthancHttpError 404 for an unknown instance', async () => {
      const error = await orthanc.client.instanceFile('00000000-00000000-00000000-00000000-00000000').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OrthancHttpError);
      expect((error as OrthancHttpError).isNotFound).toBe(true);
    });

    it('should throw OrthancHttpError 401 for wrong credentials', async () => {
      const intruder = new OrthancClient({ url: orthanc.url, credentials: { username: orthanc.credentials.username, password: 'wrong' } });
      const error = await intruder.system().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OrthancHttpError);
      expect((error as OrthancHttpError).status).toBe(401);
    });
  });

  describe('when Orthanc cannot be reached', () => {
    let silent: Server;
    let silentPort: number;

    beforeAll(async () => {
      // Accepts connections and never answers: a hung server.
      silent = createServer(() => undefined);
      await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
      silentPort = (silent.address() as { port: number }).port;
    });
    afterAll(async () => {
      silent.closeAllConnections();
      await new Promise((r) => silent.close(r));
    });

    it('should throw OrthancUnavailableError naming the refused connection', async () => {
      const port = await findFreePort();
      const client = new OrthancClient({ url: `http://127.0.0.1:${port}`, credentials: orthanc.credentials });
      const error = await client.system().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OrthancUnavailableError);
      expect((error as Error).message).toBe(`Orthanc is unavailable: GET http://127.0.0.1:${port}/system failed (ECONNREFUSED)`);
    });

    it('should throw OrthancUnavailableError when no answer comes within the timeout', async () => {
      const client = new OrthancClient({ url: `http://127.0.0.1:${silentPort}`, credentials: orthanc.credentials, timeoutMs: 200 });
      const error = await client.changes(0, 10).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OrthancUnavailableError);
      expect((error as Error).message).toMatch(/no answer within 200 ms/);
    });

    it('should refuse a URL that is not http(s)', () => {
      expect(() => new OrthancClient({ url: '127.0.0.1:8042', credentials: orthanc.credentials })).toThrow(/option 'url' must be an http\(s\) URL/);
    });
  });
});

function basicAuth(credentials: { username: string; password: string }): Record<string, string> {
  return { Authorization: `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}` };
}
