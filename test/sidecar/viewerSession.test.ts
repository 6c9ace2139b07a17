/**
 * The browser's path through the sidecar: nothing without a login; the login sets the session cookie,
 * and that cookie (never the token, never Orthanc's password) opens the DICOMweb proxy and the classify
 * API until logout.
 * A minimal viewer folder stands in for OHIF's build: this suite is about the sidecar's wiring.
 */
import { createSocket, type Socket } from 'node:dgram';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../inference-service/src/config/config.ts';
import { configEnv } from '../../inference-service/src/config/defaults.ts';
import { createLogger } from '../../inference-service/src/log.ts';
import type { FindingsPipeline } from '../../inference-service/src/pipeline/findingsPipeline.ts';
import { loadPipeline } from '../../inference-service/src/pipeline/loadPipeline.ts';
import { startSidecar, type RunningSidecar } from '../../inference-service/src/server.ts';
import { startTestOrthanc, type TestOrthanc, orthancEnv } from '../support/orthanc.ts';
import { readRealImage } from '../api/harness.ts';
import { readLocalUser } from '../../inference-service/src/access/localUser.ts';
import type { ClassifyReport } from '../../inference-service/src/service/types.ts';

const token = 'viewer-suite-token-0123456789';
const imageStudy = '1.2.276.0.7230010.3.1.2.8323329.6904.1517875201.850818';

describe('the viewer session', () => {
  let orthanc: TestOrthanc;
  let pipeline: FindingsPipeline;
  let sidecar: RunningSidecar;
  let dir: string;
  let syslog: Socket;
  const syslogMessages: string[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cxr-viewer-'));
    await mkdir(join(dir, 'viewer'));
    await writeFile(join(dir, 'viewer', 'index.html'), '<!doctype html><title>viewer</title>');
    await writeFile(join(dir, 'extension.mjs'), 'export default {};');
    orthanc = await startTestOrthanc();
    await orthanc.client.uploadInstance(await readRealImage());
    pipeline = await loadPipeline({ intraOpThreads: 1 });
    syslog = createSocket('udp4');
    syslog.on('message', (message: Buffer) => syslogMessages.push(message.toString('utf8')));
    await new Promise<void>((resolveBound) => syslog.bind(0, '127.0.0.1', resolveBound));
    const config = loadConfig({
      [configEnv.port]: '0',
      ...orthancEnv(orthanc),
      [configEnv.apiToken]: token,
      [configEnv.dataDir]: join(dir, 'data'),
      [configEnv.autoClassify]: 'off',
      [configEnv.viewerDir]: join(dir, 'viewer'),
      [configEnv.viewerExtensionFile]: join(dir, 'extension.mjs'),
      [configEnv.auditSyslog]: `udp://127.0.0.1:${(syslog.address() as AddressInfo).port}`,
    });
    sidecar = await startSidecar({ config, pipeline, logger: createLogger({ tag: 'sidecar', sink: () => undefined }) });
  });

  afterAll(async () => {
    syslog?.close();
    await sidecar?.stop();
    await pipeline?.model.dispose();
    await orthanc?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  describe('without credentials', () => {
    it('should send the page to the login and hand out no cookie', async () => {
      const page = await fetch(`${sidecar.url}/`, { headers: { Accept: 'text/html' }, redirect: 'manual' });
      expect(page.status).toBe(302);
      expect(page.headers.get('Location')).toBe('/login?next=%2F');
      expect(page.headers.get('Set-Cookie')).toBeNull();
      const login = await fetch(`${sidecar.url}/login`);
      expect(login.status).toBe(200);
      expect(login.headers.get('Set-Cookie')).toBeNull();
    });

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

  describe('after logging in', () => {
    it('should set an HttpOnly, SameSite=Strict cookie that carries no secret, and open the proxy and classify', async () => {
      const user = await readLocalUser(join(dir, 'data'));
      if (!user) throw new Error('the sidecar made no local user');
      const login = await fetch(`${sidecar.url}/login`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: sidecar.url },
        body: new URLSearchParams({ username: user.username, password: user.password, next: '/viewer' }).toString(),
        redirect: 'manual',
      });
      expect(login.status).toBe(303);
      expect(login.headers.get('Location')).toBe('/viewer');
      const setCookie = login.headers.get('Set-Cookie') ?? '';
      expect(setCookie).toMatch(/HttpOnly/);
      expect(setCookie).toMatch(/SameSite=Strict/);
      for (const secret of [token, orthanc.credentials.password, user.password]) expect(setCookie).not.toContain(secret);
      const cookie = setCookie.split(';')[0] ?? '';

      const studies = await fetch(`${sidecar.url}/dicom-web/studies`, { headers: { Cookie: cookie, Accept: 'application/dicom+json' } });
      expect(studies.status).toBe(200);
      const body = (await studies.json()) as Record<string, { Value?: unknown[] }>[];
      expect(body.map((s) => s['0020000D']?.Value?.[0])).toEqual([imageStudy]);

      const classify = await fetch(`${sidecar.url}/api/classify`, {
        method: 'POST',
        headers: { Cookie: cookie, 'Content-Type': 'application/json', Origin: sidecar.url },
        body: JSON.stringify({ studyInstanceUID: imageStudy }),
      });
      expect(classify.status).toBe(200);

      const out = await fetch(`${sidecar.url}/logout`, { method: 'POST', headers: { Cookie: cookie, Origin: sidecar.url }, redirect: 'manual' });
      expect(out.status).toBe(303);
      expect((await fetch(`${sidecar.url}/dicom-web/studies`, { headers: { Cookie: cookie } })).status).toBe(401);

      // One audit record per action, each naming the user and the client's address.
      const audit = (await readFile(join(dir, 'data', 'audit.log'), 'utf8')).split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>);
      const mine = audit.filter((record) => record.user === user.username);
      // The heatmaps object exists when a finding is positive: the answer says whether this one has it.
      const heatmaps = ((await classify.json()) as ClassifyReport).results.flatMap((r) => (r.heatmaps ? [r.heatmaps] : []));
      expect(mine.map((record) => [record.action, record.outcome])).toEqual([
        ['login', 'success'],
        ['study-list', 'success'],
        ['classify', 'success'],
        ['sr-written', 'success'],
        ['sr-written', 'success'],
        ...heatmaps.map(() => ['heatmaps-written', 'success']),
        ['logout', 'success'],
      ]);
      for (const [i, reference] of heatmaps.entries()) {
        expect(mine.filter((r) => r.action === 'heatmaps-written')[i]).toMatchObject({ SOPInstanceUID: reference.SOPInstanceUID, SeriesInstanceUID: reference.SeriesInstanceUID });
      }
      for (const record of mine) expect(record.client).toBe('127.0.0.1');

      // The same records as RFC 5424 syslog messages (facility 13 "log audit", severity notice = PRI 109).
      await expect.poll(() => syslogMessages.filter((m) => m.includes(`"user":"${user.username}"`)).length).toBe(mine.length);
      const loginMessage = syslogMessages.find((m) => / login - /.test(m)) ?? '';
      expect(loginMessage).toMatch(/^<109>1 \d{4}-\d\d-\d\dT[\d:.]+Z \S+ cxr-findings \d+ login - \{/);
      expect(JSON.parse(loginMessage.slice(loginMessage.indexOf(' - {') + 3))).toMatchObject({ action: 'login', user: user.username, outcome: 'success' });
    });
  });
});
