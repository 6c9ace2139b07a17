/**
 * The browser's path through the sidecar: the viewer page sets the session cookie, and that cookie
 * (never the token, never Orthanc's password) opens the DICOMweb proxy and the classify API.
 * A minimal viewer folder stands in for OHIF's build: this suite is about the sidecar's wiring.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../inference-service/src/config/config.ts';
import { configEnv } from '../../inference-service/src/config/defaults.ts';
import { createLogger } from '../../inference-service/src/log.ts';
import type { FindingsPipeline } from '../../inference-service/src/pipeline/findingsPipeline.ts';
import { loadPipeline } from '../../inference-service/src/pipeline/loadPipeline.ts';
import { startSidecar, type RunningSidecar } from '../../inference-service/src/server.ts';
import { startTestOrthanc, type TestOrthanc } from '../support/orthanc.ts';
import { readRealImage } from '../api/harness.ts';

const token = 'viewer-suite-token-0123456789';
const imageStudy = '1.2.276.0.7230010.3.1.2.8323329.6904.1517875201.850818';

describe('the viewer session', () => {
  let orthanc: TestOrthanc;
  let pipeline: FindingsPipeline;
  let sidecar: RunningSidecar;
  let dir: string;
  let cookie: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cxr-viewer-'));
    await mkdir(join(dir, 'viewer'));
    await writeFile(join(dir, 'viewer', 'index.html'), '<!doctype html><title>viewer</title>');
    await writeFile(join(dir, 'extension.mjs'), 'export default {};');
    orthanc = await startTestOrthanc();
    await orthanc.client.uploadInstance(await readRealImage());
    pipeline = await loadPipeline({ intraOpThreads: 1 });
    const config = loadConfig({
      [configEnv.port]: '0',
      [configEnv.orthancUrl]: orthanc.url,
      [configEnv.orthancUsername]: orthanc.credentials.username,
      [configEnv.orthancPassword]: orthanc.credentials.password,
      [configEnv.apiToken]: token,
      [configEnv.dataDir]: join(dir, 'data'),
      [configEnv.autoClassify]: 'off',
      [configEnv.viewerDir]: join(dir, 'viewer'),
      [configEnv.viewerExtensionFile]: join(dir, 'extension.mjs'),
    });
    sidecar = await startSidecar({ config, pipeline, logger: createLogger({ tag: 'sidecar', sink: () => undefined }) });
  });

  afterAll(async () => {
    await sidecar?.stop();
    await pipeline?.model.dispose();
    await orthanc?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  describe('the page', () => {
    it('should set an HttpOnly, SameSite=Strict session cookie that carries neither secret', async () => {
      const page = await fetch(`${sidecar.url}/`);
      expect(page.status).toBe(200);
      const setCookie = page.headers.get('Set-Cookie') ?? '';
      expect(setCookie).toMatch(/HttpOnly/);
      expect(setCookie).toMatch(/SameSite=Strict/);
      expect(setCookie).not.toContain(token);
      expect(setCookie).not.toContain(orthanc.credentials.password);
      cookie = setCookie.split(';')[0] ?? '';
    });
  });

  describe('with the cookie', () => {
    it('should open the DICOMweb proxy', async () => {
      const response = await fetch(`${sidecar.url}/dicom-web/studies`, { headers: { Cookie: cookie, Accept: 'application/dicom+json' } });
      expect(response.status).toBe(200);
      const studies = (await response.json()) as Record<string, { Value?: unknown[] }>[];
      expect(studies.map((s) => s['0020000D']?.Value?.[0])).toEqual([imageStudy]);
    });

    it('should open POST /api/classify', async () => {
      const response = await fetch(`${sidecar.url}/api/classify`, {
        method: 'POST',
        headers: { Cookie: cookie, 'Content-Type': 'application/json' },
        body: JSON.stringify({ studyInstanceUID: imageStudy }),
      });
      expect(response.status).toBe(200);
    });
  });

  describe('without it', () => {
    it('should keep the DICOMweb proxy closed, so the PACS is not open to whoever reaches the port', async () => {
      const response = await fetch(`${sidecar.url}/dicom-web/studies`);
      expect(response.status).toBe(401);
      expect(await response.json()).toMatchObject({ error: { code: 'unauthorized' } });
    });

    it('should keep POST /api/classify closed', async () => {
      const response = await fetch(`${sidecar.url}/api/classify`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
      expect(response.status).toBe(401);
    });
  });
});
