/**
 * The sidecar's app over a REAL Orthanc and the REAL active model, for app.request() suites. One per
 * test file: Orthanc starts in ~0.2 s, the model loads once, and `stop()` tears both down.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSidecar, type SidecarParts, type SidecarSettings } from '../../inference-service/src/sidecar.ts';
import { createLogger } from '../../inference-service/src/log.ts';
import type { FindingsPipeline } from '../../inference-service/src/pipeline/findingsPipeline.ts';
import { loadPipeline } from '../../inference-service/src/pipeline/loadPipeline.ts';
import { startTestOrthanc, type TestOrthanc, type TestOrthancOptions } from '../support/orthanc.ts';
import { pydicomTestFilesDir, realJpegBaselineDcm } from '../support/paths.ts';

export const testToken = 'test-token-0123456789abcdef';

export interface Harness {
  readonly orthanc: TestOrthanc;
  readonly pipeline: FindingsPipeline;
  readonly dataDir: string;
  /** Log lines the sidecar wrote (JSON), for a failing test to show. */
  readonly logLines: string[];
  /** Builds a sidecar over this Orthanc; settings override the defaults below. */
  build(settings?: Partial<SidecarSettings>): SidecarParts;
  stop(): Promise<void>;
}

export async function startHarness(options: { orthanc?: TestOrthancOptions } = {}): Promise<Harness> {
  const orthanc = await startTestOrthanc(options.orthanc);
  const dataDir = await mkdtemp(join(tmpdir(), 'cxr-sidecar-'));
  const pipeline = await loadPipeline({ intraOpThreads: 1 });
  const logLines: string[] = [];
  const logger = createLogger({ tag: 'sidecar', level: 'info', sink: (line) => logLines.push(line) });
  return {
    orthanc,
    pipeline,
    dataDir,
    logLines,
    build: (settings = {}) =>
      createSidecar({
        settings: {
          orthanc: { url: orthanc.url, credentials: orthanc.credentials },
          apiToken: testToken,
          autoClassify: false,
          bodyLimitBytes: 4 * 1024 * 1024,
          requestTimeoutMs: 30_000,
          maxQueue: 16,
          concurrency: 2,
          dataDir,
          ...settings,
        },
        pipeline,
        logger,
      }),
    async stop() {
      await pipeline.model.dispose();
      await orthanc.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export const auth = { Authorization: `Bearer ${testToken}` } as const;

export function postJson(parts: SidecarParts, path: string, body: unknown, headers: Record<string, string> = auth): Promise<Response> {
  return Promise.resolve(
    parts.app.request(path, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) }),
  );
}

export function postDicom(parts: SidecarParts, bytes: Uint8Array, headers: Record<string, string> = auth): Promise<Response> {
  return Promise.resolve(parts.app.request('/api/classify/file', { method: 'POST', headers: { 'Content-Type': 'application/dicom', ...headers }, body: bytes }));
}

export async function readRealImage(): Promise<Uint8Array> {
  return new Uint8Array(await readFile(realJpegBaselineDcm));
}

export async function readPydicomFile(name: string): Promise<Uint8Array> {
  return new Uint8Array(await readFile(join(pydicomTestFilesDir, name)));
}

/**
 * An RGB image that claims to be a CR: pydicom's uncompressed RGB secondary capture with its Modality
 * "OT" overwritten by "CR" (same length, explicit VR little endian), so only its colour disqualifies it.
 */
export async function rgbRadiograph(): Promise<Uint8Array> {
  const bytes = Buffer.from(await readPydicomFile('SC_rgb_small_odd.dcm'));
  const modalityOt = Buffer.from([0x08, 0x00, 0x60, 0x00, 0x43, 0x53, 0x02, 0x00, 0x4f, 0x54]);
  const at = bytes.indexOf(modalityOt);
  if (at === -1) throw new Error('rgbRadiograph: Modality OT not found in SC_rgb_small_odd.dcm');
  bytes.write('CR', at + 8, 'latin1');
  return new Uint8Array(bytes);
}

/** Reads the response as the API's error body, for failure assertions. */
export async function errorOf(response: Response): Promise<{ status: number; code: string; message: string }> {
  const body = (await response.json()) as { error?: { code?: unknown; message?: unknown } };
  return { status: response.status, code: String(body.error?.code), message: String(body.error?.message) };
}
