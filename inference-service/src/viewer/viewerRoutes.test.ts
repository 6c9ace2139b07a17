import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { connect, createServer as createTcpServer, type AddressInfo } from 'node:net';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestOrthanc, type TestOrthanc } from '../../../test/support/orthanc.ts';
import { realJpegBaselineDcm } from '../../../test/support/paths.ts';
import { createHash } from 'node:crypto';
import { Hono } from 'hono';
import { type Principal, roles } from '../access/principal.ts';
import { errorHandler } from '../api/onError.ts';
import { silentLogger } from '../log.ts';
import { createMetrics } from '../service/metrics.ts';
import { repoRoot } from '../../../test/support/paths.ts';
import { viewerPaths } from './appConfig.ts';
import { viewerRoutes, type ViewerRoutesOptions } from './viewerRoutes.ts';

/** A viewer dist in miniature: what the routes treat differently (index, hashed bundle, plain asset, a stale app-config). */
let viewerDir: string;
let extensionFile: string;
const inlineScript = 'window.PUBLIC_URL="/"';
const indexHtml = `<!doctype html><html><head><script>${inlineScript}</script><script src="/app-config.js"></script></head><body>OHIF</body></html>`;
const hashedBundle = 'app.bundle.0f6159c501addfe9.js';

let orthanc: TestOrthanc;
const realUids = {
  study: '1.2.276.0.7230010.3.1.2.8323329.6904.1517875201.850818',
  series: '1.2.276.0.7230010.3.1.3.8323329.6904.1517875201.850817',
  instance: '1.2.276.0.7230010.3.1.4.8323329.6904.1517875201.850819',
};

/** A real HTTP server standing in for Orthanc where we must see what the proxy sent: it echoes the request. */
let echo: Server;
let echoUrl: string;

beforeAll(async () => {
  viewerDir = await mkdtemp(join(tmpdir(), 'cxr-viewer-'));
  await mkdir(join(viewerDir, 'assets'));
  await writeFile(join(viewerDir, 'index.html'), indexHtml);
  await writeFile(join(viewerDir, hashedBundle), 'console.log("bundle")');
  await writeFile(join(viewerDir, 'assets', 'favicon-16x16.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47]));
  await writeFile(join(viewerDir, 'app-config.js'), 'window.config = { stale: true };');
  extensionFile = join(viewerDir, 'cxr-findings.mjs');
  await writeFile(extensionFile, 'export default { id: "x" };');

  orthanc = await startTestOrthanc();
  await orthanc.client.uploadInstance(new Uint8Array(await readFile(realJpegBaselineDcm)));

  echo = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      res.writeHead(200, {
        'Content-Type': 'application/json',
        Connection: 'keep-alive, X-Hop',
        'X-Hop': 'named in Connection',
        'WWW-Authenticate': 'Basic realm="echo"',
      });
      res.end(JSON.stringify({ method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks).toString('latin1') }));
    });
  });
  await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
  echoUrl = `http://127.0.0.1:${(echo.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await orthanc?.stop();
  await new Promise<void>((resolve) => (echo ? echo.close(() => resolve()) : resolve()));
  if (viewerDir) await rm(viewerDir, { recursive: true, force: true });
});

const reader: Principal = { subject: 'test-reader', roles: new Set([roles.read]), credential: 'local-session' };
const storer: Principal = { subject: 'test-storer', roles: new Set([roles.read, roles.store]), credential: 'local-session' };

/** The routes as the app mounts them, behind a principal the app's `authenticate` would have set. */
function routes(overrides: Partial<ViewerRoutesOptions> = {}, principal: Principal | null = reader) {
  const app = new Hono();
  app.use('*', async (c, next) => {
    if (principal) c.set('principal', principal);
    return next();
  });
  app.route(
    '/',
    viewerRoutes({
      viewerDir,
      extensionFile,
      orthanc: { url: orthanc.url, username: orthanc.credentials.username, password: orthanc.credentials.password },
      ...overrides,
    }),
  );
  app.onError(errorHandler({ orthancUrl: orthanc.url, metrics: createMetrics({ defaultMetrics: false }), logger: silentLogger }));
  return app;
}

interface Echoed {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

describe('viewerRoutes', () => {
  describe('the page', () => {
    it('should serve index.html at / with a policy allowing its inline script by hash only', async () => {
      const res = await routes().request('/');
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/text\/html/);
      expect(res.headers.get('cache-control')).toBe('no-cache');
      expect(await res.text()).toBe(indexHtml);
      const policy = res.headers.get('content-security-policy') ?? '';
      const hash = createHash('sha256').update(inlineScript).digest('base64');
      expect(policy).toContain(`script-src 'self' 'wasm-unsafe-eval' 'sha256-${hash}'`);
      expect(policy).toContain("frame-ancestors 'none'");
      const scriptSrc = policy.split('; ').find((directive) => directive.startsWith('script-src ')) ?? '';
      expect(scriptSrc.split(' ')).not.toContain("'unsafe-inline'");
      expect(scriptSrc.split(' ')).not.toContain("'unsafe-eval'");
      expect(policy).not.toContain('*');
    });

    it("should fall back to index.html for the viewer's client-side routes", async () => {
      const res = await routes().request(`/viewer?StudyInstanceUIDs=${realUids.study}`);
      expect(res.status).toBe(200);
      expect(await res.text()).toBe(indexHtml);
    });

    it('should send a browser without a session to the login page when there is one, and refuse its scripts', async () => {
      const app = routes({ loginPath: '/login' }, null);
      const page = await app.request(`/viewer?StudyInstanceUIDs=${realUids.study}`, { headers: { Accept: 'text/html' } });
      expect(page.status).toBe(302);
      expect(page.headers.get('location')).toBe(`/login?next=${encodeURIComponent(`/viewer?StudyInstanceUIDs=${realUids.study}`)}`);
      expect((await app.request(`/${hashedBundle}`)).status).toBe(401);
      expect((await app.request(viewerPaths.appConfig)).status).toBe(401);
    });

    it('should keep the proxy closed to a request without a principal, whatever the mode', async () => {
      for (const app of [routes({}, null), routes({ loginPath: '/login' }, null)]) {
        const res = await app.request('/dicom-web/studies', { headers: { Accept: 'text/html' } });
        expect(res.status).toBe(401);
        expect(await res.json()).toMatchObject({ error: { code: 'unauthorized' } });
      }
    });

    it('should serve content-hashed bundles as immutable and other files as revalidated', async () => {
      const app = routes();
      const bundle = await app.request(`/${hashedBundle}`);
      expect(bundle.status).toBe(200);
      expect(bundle.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      const icon = await app.request('/assets/favicon-16x16.png');
      expect(icon.status).toBe(200);
      expect(icon.headers.get('content-type')).toBe('image/png');
      expect(icon.headers.get('cache-control')).toBe('no-cache');
    });
  });

  describe('what must not become the page', () => {
    it('should answer 404 for a missing script instead of HTML', async () => {
      expect((await routes().request('/missing.bundle.js')).status).toBe(404);
    });

    it('should leave API paths to the API', async () => {
      expect((await routes().request('/api/nothing-here')).status).toBe(404);
      expect((await routes().request('/metrics')).status).toBe(404);
    });
  });

  describe('the generated app-config and the extension', () => {
    it('should serve a config pointing OHIF at the same-origin proxy and loading our extension', async () => {
      const res = await routes().request(viewerPaths.appConfig);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/javascript/);
      const window: { config?: Record<string, unknown> } = {};
      runInNewContext(await res.text(), { window });
      const config = window.config as {
        extensions: string[];
        investigationalUseDialog: { option: string };
        dataSources: Array<{ configuration: Record<string, unknown> }>;
      };
      expect(config.extensions).toEqual([viewerPaths.extension]);
      expect(config.investigationalUseDialog.option).toBe('always');
      expect(config.dataSources[0]?.configuration).toMatchObject({ qidoRoot: '/dicom-web', wadoRoot: '/dicom-web', wadoUriRoot: '/wado' });
      expect(JSON.stringify(config)).not.toContain(orthanc.credentials.password);
    });

    it('should serve the built extension as JavaScript', async () => {
      const res = await routes().request(viewerPaths.extension);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/javascript/);
      expect(await res.text()).toBe('export default { id: "x" };');
    });

    it('should say how to install the extension when it is not built', async () => {
      const res = await routes({ extensionFile: join(viewerDir, 'absent.mjs') }).request(viewerPaths.extension);
      expect(res.status).toBe(503);
      expect(await res.json()).toEqual({ error: { code: 'not-ready', message: expect.stringMatching(/absent\.mjs is missing \(run `npm run setup`\)/) } });
    });
  });

  describe('the Orthanc proxy against a real Orthanc', () => {
    it("should answer QIDO with Orthanc's credentials added and URLs pointing at the proxy's origin", async () => {
      const res = await routes().request('http://viewer.test:8080/dicom-web/studies', { headers: { Authorization: 'Basic bm9ib2R5Om5vcGU=' } });
      expect(res.status).toBe(200);
      const studies = (await res.json()) as Array<Record<string, { Value: string[] }>>;
      const real = studies.find((s) => s['0020000D']?.Value[0] === realUids.study);
      // RetrieveURL (0008,1190): Orthanc built it from the Forwarded header.
      expect(real?.['00081190']?.Value[0]).toBe(`http://viewer.test:8080/dicom-web/studies/${realUids.study}`);
    });

    it('should pass a WADO-RS multipart frame through byte for byte', async () => {
      const path = `/dicom-web/studies/${realUids.study}/series/${realUids.series}/instances/${realUids.instance}/frames/1`;
      const accept = 'multipart/related; type=application/octet-stream; transfer-syntax=*';
      const direct = await fetch(`${orthanc.url}${path}`, {
        headers: { Accept: accept, Authorization: `Basic ${Buffer.from(`${orthanc.credentials.username}:${orthanc.credentials.password}`).toString('base64')}` },
      });
      const proxied = await routes().request(path, { headers: { Accept: accept } });
      expect(proxied.status).toBe(200);
      const boundaryOf = (type: string | null) => /boundary=([^;]+)/.exec(type ?? '')?.[1] ?? '(none)';
      const directType = direct.headers.get('content-type') ?? '';
      const proxiedType = proxied.headers.get('content-type') ?? '';
      expect(directType).toMatch(/^multipart\/related; type="image\/jpeg/);
      // Orthanc draws a new boundary per response and writes its Content-Location for the origin asked
      // (the proxy's, through Forwarded); the frame itself must arrive byte for byte.
      expect(proxiedType.replace(boundaryOf(proxiedType), '')).toBe(directType.replace(boundaryOf(directType), ''));
      const framePart = (body: Buffer, boundary: string) => {
        const text = body.toString('latin1');
        return Buffer.from(text.slice(text.indexOf('\r\n\r\n') + 4, text.lastIndexOf(`\r\n--${boundary}--`)), 'latin1');
      };
      const a = framePart(Buffer.from(await direct.arrayBuffer()), boundaryOf(directType));
      const b = framePart(Buffer.from(await proxied.arrayBuffer()), boundaryOf(proxiedType));
      expect(b.length).toBeGreaterThan(100_000);
      // JPEG start and end markers (the fragment may carry one byte of even-length padding): the whole frame is there.
      expect([b[0], b[1]]).toEqual([0xff, 0xd8]);
      expect(b.lastIndexOf(Buffer.from([0xff, 0xd9]))).toBeGreaterThanOrEqual(b.length - 3);
      expect(b.equals(a)).toBe(true);
    });

    it('should refuse STOW-RS by default, even to a user with the store role', async () => {
      const res = await routes({}, storer).request('/dicom-web/studies', { method: 'POST', headers: { 'Content-Type': 'multipart/related; type="application/dicom"; boundary=x' }, body: 'x' });
      expect(res.status).toBe(403);
      expect(await res.json()).toMatchObject({ error: { code: 'forbidden', message: expect.stringMatching(/STOW-RS\) is turned off or not allowed/) } });
    });

    it('should refuse STOW-RS to a reader when it is turned on', async () => {
      const res = await routes({ stow: true }, reader).request('/dicom-web/studies', { method: 'POST', headers: { 'Content-Type': 'multipart/related; type="application/dicom"; boundary=x' }, body: 'x' });
      expect(res.status).toBe(403);
    });

    it('should store a STOW-RS upload for the store role when turned on, and pass multipart request bodies intact', async () => {
      const part10 = await readFile(realJpegBaselineDcm);
      const boundary = 'cxr-boundary-7f3a';
      const body = Buffer.concat([
        Buffer.from(`--${boundary}\r\nContent-Type: application/dicom\r\n\r\n`),
        part10,
        Buffer.from(`\r\n--${boundary}--\r\n`),
      ]);
      const res = await routes({ stow: true }, storer).request('/dicom-web/studies', {
        method: 'POST',
        headers: { 'Content-Type': `multipart/related; type="application/dicom"; boundary=${boundary}`, Accept: 'application/dicom+json' },
        body,
      });
      expect(res.status).toBe(200);
      const answer = (await res.json()) as Record<string, { Value?: Array<Record<string, { Value: string[] }>> }>;
      // (0008,1199) ReferencedSOPSequence: the instance Orthanc took.
      expect(answer['00081199']?.Value?.[0]?.['00081155']?.Value[0]).toBe(realUids.instance);
    });

    it('should not let Orthanc ask the browser for its password', async () => {
      const wrong = routes({ orthanc: { url: orthanc.url, username: orthanc.credentials.username, password: 'not-the-password' } });
      const res = await wrong.request('/dicom-web/studies');
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBeNull();
    });

    it("should send a comma-separated includefield as repeated ones, which Orthanc's plugin 1.7 reads", async () => {
      const sample = await readFile(join(repoRoot, 'dicom_samples', 'alpha-cr-pa-8bit-jpeg-baseline.dcm'));
      await orthanc.client.uploadInstance(new Uint8Array(sample));
      const sampleStudy = (await orthanc.client.findInstances({ Query: { StudyDescription: 'Chest PA (synthetic phantom)' } })).length;
      expect(sampleStudy).toBe(1);
      // The sample's study: the one that is not the real image's.
      const studyOf = (body: Array<Record<string, { Value?: unknown[] }>>) => body.find((s) => String(s['0020000D']?.Value?.[0]) !== realUids.study);
      // OHIF's dicomweb-client sends the list with its comma percent-encoded.
      const asOhifAsks = '/dicom-web/studies?includefield=00081030%2C00080090';
      const direct = await fetch(`${orthanc.url}${asOhifAsks}`, {
        headers: { Accept: 'application/dicom+json', Authorization: `Basic ${Buffer.from(`${orthanc.credentials.username}:${orthanc.credentials.password}`).toString('base64')}` },
      });
      // What OHIF's study list saw: the plugin ignores the encoded list, StudyDescription is missing.
      expect(studyOf((await direct.json()) as Array<Record<string, { Value?: unknown[] }>>)?.['00081030']).toBeUndefined();
      const proxied = await routes().request(asOhifAsks, { headers: { Accept: 'application/dicom+json' } });
      expect(proxied.status).toBe(200);
      const study = studyOf((await proxied.json()) as Array<Record<string, { Value?: unknown[] }>>);
      expect(study?.['00081030']?.Value).toEqual(['Chest PA (synthetic phantom)']);
    });
  });

  describe('what the proxy sends and returns', () => {
    it('should replace the client credentials, drop cookies and hop-by-hop headers, and say where the request came from', async () => {
      const app = routes({ orthanc: { url: echoUrl, username: 'orthanc-user', password: 's3cret' } });
      const res = await app.request('http://viewer.test/wado?requestType=WADO&studyUID=1.2.3&seriesUID=1.2.4&objectUID=1.2.5', {
        headers: { Authorization: 'Bearer browser-token', Cookie: 'cxr_session=abc', Connection: 'X-Private', 'X-Private': 'hop', Accept: 'application/dicom', 'X-Anything': 'not on the list' },
      });
      expect(res.status).toBe(200);
      const seen = (await res.json()) as Echoed;
      expect(seen.url).toBe('/wado?requestType=WADO&studyUID=1.2.3&seriesUID=1.2.4&objectUID=1.2.5');
      expect(seen.headers.authorization).toBe(`Basic ${Buffer.from('orthanc-user:s3cret').toString('base64')}`);
      expect(seen.headers.cookie).toBeUndefined();
      expect(seen.headers['x-private']).toBeUndefined();
      expect(seen.headers['x-anything']).toBeUndefined();
      expect(seen.headers.accept).toBe('application/dicom');
      expect(seen.headers.forwarded).toBe('host=viewer.test;proto=http');
      expect(res.headers.get('x-hop')).toBeNull();
      expect(res.headers.get('www-authenticate')).toBeNull();
    });

    it("should send the viewer's reads to Orthanc over one kept-alive connection", async () => {
      // A TCP pass-through in front of the real Orthanc counts the connections the proxy opens.
      let connections = 0;
      const relay = createTcpServer((socket) => {
        connections += 1;
        const upstream = connect(Number(new URL(orthanc.url).port), '127.0.0.1');
        socket.pipe(upstream).pipe(socket);
        socket.on('error', () => upstream.destroy());
        upstream.on('error', () => socket.destroy());
      });
      await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
      try {
        const app = routes({ orthanc: { url: `http://127.0.0.1:${(relay.address() as AddressInfo).port}`, username: orthanc.credentials.username, password: orthanc.credentials.password } });
        const path = `/dicom-web/studies/${realUids.study}/series/${realUids.series}/instances/${realUids.instance}/frames/1`;
        for (let i = 0; i < 5; i++) {
          const res = await app.request(path, { headers: { Accept: 'multipart/related; type="application/octet-stream"; transfer-syntax=*' } });
          expect(res.status).toBe(200);
          expect((await res.arrayBuffer()).byteLength).toBeGreaterThan(100_000);
        }
        expect(connections).toBe(1);
      } finally {
        await new Promise<void>((resolve) => {
          relay.close(() => resolve());
          relay.unref();
        });
      }
    });

    it('should stream a STOW-RS body to Orthanc unchanged', async () => {
      const app = routes({ orthanc: { url: echoUrl }, stow: true }, storer);
      const payload = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
      const res = await app.request('/dicom-web/studies', { method: 'POST', headers: { 'Content-Type': 'application/octet-stream' }, body: payload });
      const seen = (await res.json()) as Echoed;
      expect(seen.method).toBe('POST');
      expect(Buffer.from(seen.body, 'latin1').equals(payload)).toBe(true);
      expect(seen.headers.authorization).toBeUndefined();
    });
  });

  describe('when Orthanc is down', () => {
    it("should answer 502 in the API's error format naming Orthanc's address", async () => {
      const down = routes({ orthanc: { url: 'http://127.0.0.1:9', username: 'u', password: 'p' } });
      const res = await down.request('/dicom-web/studies');
      expect(res.status).toBe(502);
      expect(await res.json()).toEqual({
        error: { code: 'orthanc-unavailable', message: expect.stringMatching(/^GET \/dicom-web\/studies: Orthanc at http:\/\/127\.0\.0\.1:9 did not answer/) },
      });
    });
  });
});
