/**
 * Attacking the product as `npm start` runs it, from another process, as someone on the same machine
 * would: anonymous requests to every route, traversal and smuggling through both proxy roots with a
 * valid login and with the API token, every HTTP method, method-override headers, a foreign Host.
 * Orthanc's content must be the same afterwards, and the audit log must say who read what.
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataFiles } from '../../inference-service/src/config/defaults.ts';
import { logInLocally, type NpmStart, rawRequest, startNpmStart } from '../support/npmStart.ts';

let app: NpmStart;
let cookie: string;
let sample: { StudyInstanceUID: string; SeriesInstanceUID: string; SOPInstanceUID: string };

function orthancAuth(): string {
  return `Basic ${Buffer.from(`${app.orthancCredentials.username}:${app.orthancCredentials.password}`).toString('base64')}`;
}

async function orthancGet(path: string): Promise<unknown> {
  const response = await fetch(`${app.orthancUrl}${path}`, { headers: { Authorization: orthancAuth() } });
  if (!response.ok) throw new Error(`Orthanc ${path}: ${response.status}`);
  return response.json();
}

/** What an attack could change: the instances, the modalities and peers (send destinations), the users' jobs. */
async function orthancContent(): Promise<unknown> {
  const instances = ((await orthancGet('/instances')) as string[]).sort();
  const statistics = (await orthancGet('/statistics')) as Record<string, unknown>;
  return {
    instances,
    modalities: await orthancGet('/modalities'),
    peers: await orthancGet('/peers'),
    counts: { patients: statistics.CountPatients, studies: statistics.CountStudies, series: statistics.CountSeries, instances: statistics.CountInstances },
  };
}

/** Orthanc's content once it has stopped changing: the same on two reads two seconds apart. */
async function settledContent(timeoutMs = 90_000): Promise<unknown> {
  const deadline = Date.now() + timeoutMs;
  let last = await orthancContent();
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const now = await orthancContent();
    if (JSON.stringify(now) === JSON.stringify(last)) return now;
    if (Date.now() > deadline) throw new Error('Orthanc kept changing: the background classification did not finish');
    last = now;
  }
}

beforeAll(async () => {
  app = await startNpmStart();
  cookie = await logInLocally(app);
  const [first] = (await orthancGet('/instances?expand')) as Array<{ MainDicomTags: { SOPInstanceUID: string }; ParentSeries: string }>;
  if (!first) throw new Error('npm start stored no samples');
  const series = (await orthancGet(`/series/${first.ParentSeries}`)) as { MainDicomTags: { SeriesInstanceUID: string }; ParentStudy: string };
  const study = (await orthancGet(`/studies/${series.ParentStudy}`)) as { MainDicomTags: { StudyInstanceUID: string } };
  sample = {
    StudyInstanceUID: study.MainDicomTags.StudyInstanceUID,
    SeriesInstanceUID: series.MainDicomTags.SeriesInstanceUID,
    SOPInstanceUID: first.MainDicomTags.SOPInstanceUID,
  };
}, 240_000);

afterAll(async () => {
  await app?.stop();
});

/** Paths that end in Orthanc's own REST API if a proxy lets them through. */
function traversalVariants(root: string): string[] {
  return [
    `${root}/..%2fsystem`,
    `${root}/..%2Fpatients`,
    `${root}/%2e%2e/system`,
    `${root}/%2E%2E%2Fsystem`,
    `${root}/.%2e/system`,
    `${root}/%2e./system`,
    `${root}/..%5csystem`,
    `${root}/..%5Cinstances`,
    `${root}/..\\system`,
    `${root}\\..\\system`,
    `${root}/../system`,
    `${root}/./../system`,
    `${root}/studies/../../system`,
    `${root}/studies%2f..%2f..%2fpatients`,
    `${root}/studies/%2e%2e/%2e%2e/changes`,
    `${root}/%252e%252e%252fsystem`,
    `${root}/..%252f..%252fsystem`,
    `${root}/%25252e%25252e/system`,
    `${root}/%c0%ae%c0%ae/system`,
    `${root}/%c0%af..%c0%afsystem`,
    `${root}/%e0%80%ae%e0%80%ae/system`,
    `${root}/%ef%bc%8e%ef%bc%8e/system`,
    `${root}/studies%00/../system`,
    `${root}/studies/..%00/system`,
    `${root}//system`,
    `${root}/studies/..;/system`,
    `${root}/studies/%3b/../system`,
    `${root}%2f..%2fsystem`,
    `${root}../system`,
    `${root}/STUDIES/../../system`,
    `${root}/Studies`,
    `${root}/studies./`,
    `${root}/studies/1.2.3./metadata`,
    `${root}/studies/1.2.3../metadata`,
    `${root}/studies/%u002e%u002e/system`,
    `${root}/system`,
    `${root}/patients`,
    `${root}/changes`,
    `${root}/tools/find`,
    `${root}/tools/shutdown`,
    `${root}/modalities`,
    `${root}/app/explorer.html`,
    `${root}/instances/x/file`,
    `${root}/studies?%2e%2e=1`,
    `${root}/studies?x=%00`,
  ];
}

const roots = ['/dicom-web', '/wado'] as const;
const refusals = new Set([400, 403, 404, 405, 421]);

/** A refusal in the sidecar's own words (or Node's 400 for what its HTTP parser rejects), never Orthanc's. */
function expectRefused(response: { status: number; body: string }, what: string): void {
  expect(refusals.has(response.status), `${what} answered ${response.status}: ${response.body.slice(0, 200)}`).toBe(true);
  // Node's server answers what its parser refuses (a raw backslash) with an empty body, chunked or not.
  if (response.body !== '' && response.body !== '0\r\n\r\n') expect(response.body, what).toMatch(/^(?:[0-9a-f]+\r\n)?\{"error":\{"code":"[a-z-]+","message":/);
}

describe('the product as npm start runs it', () => {
  describe('anonymous', () => {
    it('should get 401 or the login page from every route, never data, and no cookie', async () => {
      const { StudyInstanceUID: S, SeriesInstanceUID: SE, SOPInstanceUID: I } = sample;
      const routes: Array<[string, string]> = [
        ['GET', '/dicom-web/studies'],
        ['GET', `/dicom-web/studies/${S}/metadata`],
        ['GET', `/dicom-web/studies/${S}/series/${SE}/instances/${I}/frames/1`],
        ['GET', `/wado?requestType=WADO&studyUID=${S}&seriesUID=${SE}&objectUID=${I}`],
        ['POST', '/dicom-web/studies'],
        ['GET', '/api/model'],
        ['POST', '/api/classify'],
        ['POST', '/api/classify/file'],
        ['POST', '/api/internal/orthanc-event'],
        ['GET', '/metrics'],
        ['GET', '/app-config.js'],
        ['GET', '/ext/cxr-findings.mjs'],
        ['GET', '/'],
        ['GET', `/viewer?StudyInstanceUIDs=${S}`],
        ['GET', '/anything'],
      ];
      for (const [method, path] of routes) {
        const response = await rawRequest(app.port, method, path, { Accept: 'text/html', 'Content-Type': 'application/json' }, method === 'POST' ? '{}' : '');
        const what = `${method} ${path}`;
        expect(response.headers, what).not.toMatch(/^set-cookie:/im);
        if (response.status === 302) expect(response.headers, what).toMatch(/^location: \/login\?next=/im);
        else {
          expect(response.status, what).toBe(401);
          expect(response.body, what).toMatch(/^(?:[0-9a-f]+\r\n)?\{"error":\{"code":"unauthorized","message":/);
        }
      }
    });

    it('should get only the status word from the health check', async () => {
      const response = await fetch(`${app.url}/api/health`);
      expect(await response.json()).toEqual({ status: 'ok' });
    });
  });

  for (const credential of ['the login', 'the API token'] as const) {
    describe(`with ${credential}`, () => {
      const headers = (): Record<string, string> => (credential === 'the login' ? { Cookie: cookie, Origin: app.url } : { Authorization: `Bearer ${app.apiToken}` });

      it('should read through the proxy (the credential works)', async () => {
        const response = await fetch(`${app.url}/dicom-web/studies/${sample.StudyInstanceUID}/metadata`, { headers: { ...headers(), Accept: 'application/dicom+json' } });
        expect(response.status).toBe(200);
        expect(JSON.stringify(await response.json())).toContain(sample.SOPInstanceUID);
      });

      for (const root of roots) {
        it(`should refuse ${traversalVariants(root).length} traversal and smuggling variants on ${root}, in GET and HEAD`, async () => {
          for (const target of traversalVariants(root)) {
            for (const method of ['GET', 'HEAD']) {
              expectRefused(await rawRequest(app.port, method, target, headers()), `${method} ${target}`);
            }
          }
        });
      }

      it('should refuse every method but GET and HEAD on what it reads, and STOW-RS (off by default)', async () => {
        const { StudyInstanceUID: S, SeriesInstanceUID: SE, SOPInstanceUID: I } = sample;
        const targets = [`/dicom-web/studies/${S}`, `/dicom-web/studies/${S}/series/${SE}/instances/${I}`, '/dicom-web/studies', `/wado?requestType=WADO&studyUID=${S}&seriesUID=${SE}&objectUID=${I}`];
        for (const target of targets) {
          for (const method of ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'TRACE', 'PROPFIND', 'MKCOL', 'LOCK']) {
            const response = await rawRequest(app.port, method, target, { ...headers(), 'Content-Type': 'application/dicom' }, method === 'TRACE' ? '' : 'x');
            expectRefused(response, `${method} ${target}`);
          }
        }
      });

      it('should refuse method-override headers and a foreign Host', async () => {
        const target = `/dicom-web/studies/${sample.StudyInstanceUID}`;
        for (const name of ['X-HTTP-Method-Override', 'X-HTTP-Method', 'X-Method-Override', 'x-http-method-override']) {
          for (const method of ['GET', 'POST']) {
            expectRefused(await rawRequest(app.port, method, target, { ...headers(), [name]: 'DELETE' }), `${method} ${target} with ${name}`);
          }
        }
        for (const host of ['evil.example', `evil.example:${app.port}`, `127.0.0.1.nip.io:${app.port}`, `localhost.:${app.port}`]) {
          const response = await rawRequest(app.port, 'GET', '/dicom-web/studies', { ...headers(), Host: host });
          expect(response.status, host).toBe(421);
          expect(response.headers).not.toMatch(/^set-cookie:/im);
        }
      });
    });
  }

  describe('afterwards', () => {
    it("should have left Orthanc's content as it was, and Orthanc running", async () => {
      // npm start classifies its samples in the background (three objects each): wait until that is done.
      const before = await settledContent();
      const attacks = [...traversalVariants('/dicom-web'), ...traversalVariants('/wado')];
      for (const target of attacks) {
        for (const method of ['GET', 'POST', 'DELETE', 'PUT']) {
          await rawRequest(app.port, method, target, { Authorization: `Bearer ${app.apiToken}`, 'X-HTTP-Method-Override': 'DELETE' }, method === 'GET' ? '' : '{}');
          await rawRequest(app.port, method, target, { Cookie: cookie, Origin: app.url }, method === 'GET' ? '' : '{"Force":true}');
        }
      }
      expect(await orthancContent()).toEqual(before);
      expect(((await orthancGet('/system')) as { Version: string }).Version).toMatch(/^1\./);
    });
  });

  describe('the audit log', () => {
    it("should hold one record per access with the user's identity and the UIDs, in a file only its owner reads", async () => {
      const file = join(app.dataDir, dataFiles.auditLog);
      const countBefore = (await readFile(file, 'utf8')).split('\n').filter(Boolean).length;
      const path = `/dicom-web/studies/${sample.StudyInstanceUID}/series/${sample.SeriesInstanceUID}/metadata`;
      expect((await fetch(`${app.url}${path}`, { headers: { Cookie: cookie } })).status).toBe(200);
      const lines = (await readFile(file, 'utf8')).split('\n').filter(Boolean);
      expect(lines.length).toBe(countBefore + 1);
      const record = JSON.parse(lines.at(-1) as string) as Record<string, unknown>;
      expect(record).toMatchObject({
        action: 'metadata',
        outcome: 'success',
        user: app.localUser?.username,
        credential: 'local-session',
        client: '127.0.0.1',
        status: 200,
        StudyInstanceUID: sample.StudyInstanceUID,
        SeriesInstanceUID: sample.SeriesInstanceUID,
      });
      expect((await stat(file)).mode & 0o777).toBe(0o600);
    });
  });
});
