/**
 * Orthanc's own defences, on a real Orthanc configured as `npm start` configures it: the viewer proxy's
 * account can read DICOMweb and nothing else (the Lua filter, whatever the sidecar forwards), C-STORE
 * is taken only from the configured calling AE title, and what Orthanc stores is its owner's alone.
 */
import { execFile } from 'node:child_process';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readDicomDataset } from '../../inference-service/src/dicom/index.ts';
import { localStoreScu } from '../../tooling/orthanc/settings.ts';
import { ensureDebianPackages } from '../../tooling/setup/debianPackages.ts';
import { startTestOrthanc, type TestOrthanc } from '../support/orthanc.ts';
import { rawRequest } from '../support/npmStart.ts';
import { realJpegBaselineDcm, repoRoot } from '../support/paths.ts';

const run = promisify(execFile);
const proxyAccount = { username: 'cxr-viewer-proxy', password: 'proxy-password-0123456789' };
const study = '1.2.276.0.7230010.3.1.2.8323329.6904.1517875201.850818';
let orthanc: TestOrthanc;
let httpPort: number;
let dicomPort: number | false;

beforeAll(async () => {
  ensureDebianPackages(['dcmtk']);
  const { name, ...scu } = localStoreScu;
  orthanc = await startTestOrthanc({ proxyAccount, dicomPort: 0, dicomModalities: { [name]: scu } });
  httpPort = Number(new URL(orthanc.url).port);
  dicomPort = orthanc.dicomPort;
  await orthanc.client.uploadInstance(new Uint8Array(await readFile(realJpegBaselineDcm)));
});

afterAll(async () => {
  await orthanc?.stop();
});

const basic = (account: { username: string; password: string }) => `Basic ${Buffer.from(`${account.username}:${account.password}`).toString('base64')}`;

// Each test compares what Orthanc holds before and after it: they run in any order.
describe("Orthanc's least privilege", () => {
  describe("the viewer proxy's account", () => {
    it('should read QIDO-RS and WADO-RS', async () => {
      for (const path of ['/dicom-web/studies', '/dicom-web/studies?includefield=00081030&limit=10', `/dicom-web/studies/${study}/metadata`, `/dicom-web/studies/${study}/series`]) {
        const response = await rawRequest(httpPort, 'GET', path, { Authorization: basic(proxyAccount), Accept: 'application/dicom+json' });
        expect(response.status, path).toBe(200);
      }
    });

    it("should be refused by Orthanc itself anywhere else, whatever the method or encoding", async () => {
      const attempts: Array<[string, string, Record<string, string>?]> = [
        ['GET', '/system'],
        ['GET', '/patients'],
        ['GET', '/instances'],
        ['GET', '/changes'],
        ['GET', '/modalities'],
        ['GET', '/app/explorer.html'],
        ['POST', '/tools/find'],
        ['POST', '/tools/shutdown'],
        ['PUT', '/modalities/evil'],
        ['DELETE', `/dicom-web/studies/${study}`],
        ['POST', '/dicom-web/studies'],
        ['GET', '/dicom-web/..%2fsystem'],
        ['GET', '/dicom-web/studies/..%2f..%2fpatients'],
        ['GET', '/dicom-web/%2e%2e/system'],
        ['GET', `/dicom-web/studies/${study}`, { 'X-HTTP-Method-Override': 'DELETE' }],
        ['POST', '/dicom-web/studies', { 'X-HTTP-Method-Override': 'GET' }],
      ];
      const before = (await orthanc.client.findInstances({ Query: {} })).length;
      for (const [method, path, headers] of attempts) {
        const body: Record<string, string> = method === 'GET' ? {} : { 'Content-Type': 'application/json' };
        const response = await rawRequest(httpPort, method, path, { Authorization: basic(proxyAccount), ...body, ...(headers ?? {}) }, method === 'GET' ? '' : '{}');
        // 403 from the filter; Orthanc's HTTP layer answers a malformed POST with 400 before asking it.
        expect([400, 403], `${method} ${path}: ${response.status}`).toContain(response.status);
      }
      // Nothing deleted, nothing stored.
      expect((await orthanc.client.findInstances({ Query: {} })).length).toBe(before);
      expect(await orthanc.client.studyIdByUid(study)).toBeDefined();
    });

    it("should leave the sidecar's own account as it was", async () => {
      expect((await rawRequest(httpPort, 'GET', '/system', { Authorization: basic(orthanc.credentials) })).status).toBe(200);
    });
  });

  describe('C-STORE', () => {
    it('should be accepted from the configured AE title on this machine and refused from any other', async () => {
      const port = String(dicomPort);
      const sample = join(repoRoot, 'dicom_samples', 'bravo-cr-pa-8bit-native.dcm');
      const refused = await run('storescu', ['-aet', 'SOMEONE-ELSE', '-aec', 'CXRFINDINGS', '127.0.0.1', port, sample]).then(
        () => 'stored',
        (error: { stderr?: string }) => error.stderr ?? 'failed',
      );
      expect(refused, refused).toMatch(/Association Rejected|Store Failed|Refused|0xa7|0x0124|failed/i);
      const sampleUid = String(readDicomDataset(await readFile(sample)).dataset.SOPInstanceUID);
      expect(await orthanc.client.instanceIdByUid(sampleUid)).toBeUndefined();
      await run('storescu', ['-aet', localStoreScu.AET, '-aec', 'CXRFINDINGS', '127.0.0.1', port, sample]);
      expect(await orthanc.client.instanceIdByUid(sampleUid)).toBeDefined();
    });
  });

  describe('the storage', () => {
    it('should be readable by its owner only: directories 0700, files 0600', async () => {
      const walk = async (dir: string): Promise<string[]> =>
        (await Promise.all((await readdir(dir, { withFileTypes: true })).map(async (entry) => (entry.isDirectory() ? [join(dir, entry.name), ...(await walk(join(dir, entry.name)))] : [join(dir, entry.name)])))).flat();
      const paths = await walk(orthanc.storageDir);
      expect(paths.length).toBeGreaterThan(3);
      expect((await stat(orthanc.storageDir)).mode & 0o777).toBe(0o700);
      for (const path of paths) {
        const info = await stat(path);
        expect(info.mode & 0o077, path).toBe(0);
      }
    });
  });
});
