/**
 * The sidecar's Docker image, proven to start without a Docker engine: its file tree is built from the
 * Dockerfile's own COPY and RUN lines (production dependencies installed as the image installs them), and
 * its CMD runs from that tree as its USER, with the environment and mounts docker-compose.yml gives the
 * sidecar, against a real Orthanc. What cannot be had here is substituted and named: Node 24 from the npm
 * registry for the base image's, the test Orthanc's URL for the compose service name, a free port.
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { configEnv } from '../../inference-service/src/config/defaults.ts';
import { findFreePort } from '../../tooling/freePort.ts';
import { ensureNode24 } from '../../tooling/node24.ts';
import { startTestOrthanc, type TestOrthanc } from '../support/orthanc.ts';
import { buildImageTree, startImage, type BuiltImage, type Mount } from '../support/dockerImage.ts';
import { realJpegBaselineDcm, repoRoot } from '../support/paths.ts';
import { testModelsDir } from '../support/testModels.ts';

interface ComposeService {
  environment: Record<string, string>;
  volumes: string[];
  build: { context: string; dockerfile: string };
}

/** `${NAME:?message}` and `${NAME}` as docker compose substitutes them from `.env`. */
function substitute(value: string, dotEnv: Record<string, string>): string {
  return value.replace(/\$\{(\w+)(?::\?[^}]*)?\}/g, (_, name: string) => {
    const v = dotEnv[name];
    if (v === undefined) throw new Error(`docker-compose.yml needs ${name}, which .env would set`);
    return v;
  });
}

describe('the sidecar Docker image (inference-service/Dockerfile, docker-compose.yml)', () => {
  let image: BuiltImage | undefined;
  let orthanc: TestOrthanc | undefined;
  let sidecar: ChildProcess | undefined;
  let dataVolume: string | undefined;
  let baseUrl = '';
  const log: string[] = [];
  const token = randomBytes(24).toString('base64url');

  beforeAll(async () => {
    const compose = parse(await readFile(join(repoRoot, 'docker-compose.yml'), 'utf8')) as { services: Record<string, ComposeService> };
    const service = compose.services.sidecar;
    if (!service) throw new Error('docker-compose.yml has no sidecar service');
    const nodeBinDir = dirname(ensureNode24());
    image = await buildImageTree({ dockerfile: join(repoRoot, service.build.context, service.build.dockerfile), context: join(repoRoot, service.build.context), nodeBinDir });
    orthanc = await startTestOrthanc();
    const dotEnv = { CXR_ORTHANC_USERNAME: orthanc.credentials.username, CXR_ORTHANC_PASSWORD: orthanc.credentials.password, CXR_API_TOKEN: token };
    const port = await findFreePort();
    const env = {
      ...Object.fromEntries(Object.entries(service.environment).map(([k, v]) => [k, substitute(String(v), dotEnv)])),
      // No Docker network here: the Orthanc is reached by its URL, and the sidecar stays on loopback.
      [configEnv.orthancUrl]: orthanc.url,
      [configEnv.port]: String(port),
      [configEnv.host]: '127.0.0.1',
    };
    dataVolume = await mkdtemp(join(tmpdir(), 'cxr-volume-'));
    const mounts: Mount[] = service.volumes.map((spec) => {
      const [source = '', target = '', mode] = spec.split(':');
      if (source === './models') return { source: testModelsDir, target, readOnly: mode === 'ro' };
      if (!source.startsWith('.')) return { source: dataVolume ?? '', target, volume: true };
      throw new Error(`docker-compose.yml: the sidecar mounts ${spec}, which this test does not know`);
    });
    sidecar = await startImage(image, nodeBinDir, { env, mounts });
    sidecar.stdout?.on('data', (d: Buffer) => log.push(d.toString()));
    sidecar.stderr?.on('data', (d: Buffer) => log.push(d.toString()));
    baseUrl = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline && sidecar.exitCode === null) {
      if (await fetch(`${baseUrl}/api/health`).then(() => true, () => false)) return;
      await sleep(200);
    }
    throw new Error(`the image's sidecar did not answer: ${log.join('').slice(-3000)}`);
  }, 600_000);

  afterAll(async () => {
    sidecar?.kill('SIGTERM');
    if (sidecar && sidecar.exitCode === null) await new Promise((resolve) => sidecar?.once('exit', resolve));
    await orthanc?.stop();
    await image?.remove();
    if (dataVolume) await rm(dataVolume, { recursive: true, force: true });
  }, 60_000);

  describe('its file tree', () => {
    it('should hold the compiled product and production dependencies only: no TypeScript sources, no compiler', () => {
      const root = image?.final.root ?? '';
      expect(existsSync(join(root, 'inference-service/dist/server.js'))).toBe(true);
      expect(existsSync(join(root, 'inference-service/src'))).toBe(false);
      expect(existsSync(join(root, 'node_modules/onnxruntime-node'))).toBe(true);
      for (const devOnly of ['typescript', 'tsx', 'vitest', 'eslint']) expect(existsSync(join(root, 'node_modules', devOnly))).toBe(false);
    });

    it('should run as the unprivileged node user on Node 24 LTS', async () => {
      expect(image?.final.user).toBe('node');
      const froms = (await readFile(join(repoRoot, 'inference-service/Dockerfile'), 'utf8')).match(/^FROM \S+/gm);
      expect(froms?.length).toBeGreaterThan(0);
      for (const from of froms ?? []) expect(from).toMatch(/^FROM node:24-/);
    });
  });

  describe('started as docker compose starts it', () => {
    it('should answer GET /api/health with 200: Orthanc reachable, model loaded', async () => {
      const response = await fetch(`${baseUrl}/api/health`);
      expect(response.status, log.join('').slice(-2000)).toBe(200);
    });

    it('should classify the real chest X-ray stored in Orthanc and store its two SRs there', async () => {
      const stored = await orthanc!.client.uploadInstance(new Uint8Array(await readFile(realJpegBaselineDcm)));
      const study = await orthanc!.client.study(stored.ParentStudy);
      const response = await fetch(`${baseUrl}/api/classify`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ studyInstanceUID: study.MainDicomTags.StudyInstanceUID }),
      });
      const body = (await response.json()) as { results?: { findings?: Record<string, number>; sr?: { SOPInstanceUID?: string } }[] };
      expect(response.status, JSON.stringify(body)).toBe(200);
      expect(Object.keys(body.results?.[0]?.findings ?? {})).toHaveLength(18);
      // The TID 1500 result and the readable report.
      const srs = await orthanc!.client.findInstances({ Query: { Modality: 'SR' } });
      expect(srs).toHaveLength(2);
      expect(srs.map((sr) => sr.MainDicomTags['SOPInstanceUID'])).toContain(body.results?.[0]?.sr?.SOPInstanceUID);
    });
  });
});
