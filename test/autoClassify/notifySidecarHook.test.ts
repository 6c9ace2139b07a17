import { readFile } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiPaths } from '../../inference-service/src/config/defaults.ts';
import { structuredReportSopClassPrefix } from '../../inference-service/src/finding/rules.ts';
import { readDicomDataset } from '../../inference-service/src/dicom/index.ts';
import { writePart10 } from '../../inference-service/src/dicom/writePart10.ts';
import { parametricMapSopClassUid } from '../../inference-service/src/sr/codes.ts';
import { findFreePort } from '../../tooling/freePort.ts';
import { orthancPaths } from '../../tooling/orthanc/settings.ts';
import { startTestOrthanc, type TestOrthanc } from '../support/orthanc.ts';
import { pydicomTestFilesDir, realJpegBaselineDcm } from '../support/paths.ts';

interface ReceivedEvent {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: unknown;
}

/** A stand-in for the sidecar's internal endpoint: a real HTTP listener that records what it is sent. */
class EventListener {
  readonly events: ReceivedEvent[] = [];
  readonly #waiters: Array<() => void> = [];
  readonly server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      this.events.push({ method: request.method ?? '', path: request.url ?? '', headers: request.headers, body: JSON.parse(text) as unknown });
      response.writeHead(202, { 'Content-Type': 'application/json' }).end('{"accepted":true}');
      for (const wake of this.#waiters.splice(0)) wake();
    });
  });

  async listen(): Promise<string> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(this.server.address() as { port: number }).port}`;
  }

  /** Resolves once `count` events have arrived (the hook posts asynchronously, after the upload answered). */
  async waitFor(count: number): Promise<ReceivedEvent[]> {
    while (this.events.length < count) await new Promise<void>((r) => this.#waiters.push(r));
    return this.events.slice(0, count);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((r) => this.server.close(r));
  }
}

describe('orthanc/lua/notify-sidecar.lua', () => {
  const token = 'hook-test-token';
  let listener: EventListener;
  let orthanc: TestOrthanc;
  let image: Uint8Array;
  let structuredReport: Uint8Array;
  let ct: Uint8Array;

  beforeAll(async () => {
    listener = new EventListener();
    const sidecarUrl = await listener.listen();
    [orthanc, image, structuredReport, ct] = await Promise.all([
      startTestOrthanc({ sidecar: { url: sidecarUrl, token } }),
      readFile(realJpegBaselineDcm),
      readFile(join(pydicomTestFilesDir, 'test-SR.dcm')),
      readFile(join(pydicomTestFilesDir, 'CT_small.dcm')),
    ]);
  });
  afterAll(async () => {
    await orthanc?.stop();
    await listener?.close();
  });

  describe('when images and a structured report arrive', () => {
    it('should post each image to the sidecar with its token, skip the SR and the heatmaps, and post again for AlreadyStored', async () => {
      // A CT (which the hook does post) that claims the Parametric Map SOP class, as the sidecar's heatmaps do.
      const { dataset: ctDataset } = readDicomDataset(ct);
      const heatmapsLike = writePart10({ ...ctDataset, SOPClassUID: parametricMapSopClassUid, SOPInstanceUID: `${String(ctDataset.SOPInstanceUID)}.30` });
      const sr = await orthanc.client.uploadInstance(structuredReport);
      const first = await orthanc.client.uploadInstance(image);
      const ctUpload = await orthanc.client.uploadInstance(ct);
      const heatmaps = await orthanc.client.uploadInstance(heatmapsLike);
      expect(heatmaps.Status).toBe('Success');
      const again = await orthanc.client.uploadInstance(image);
      expect(again.Status).toBe('AlreadyStored');

      // The hook runs events in arrival order, so once the last image is posted the SR would have been too.
      const events = await listener.waitFor(3);
      expect(events.map((e) => (e.body as { orthancInstanceId: string }).orthancInstanceId)).toEqual([first.ID, ctUpload.ID, first.ID]);
      for (const event of events) {
        expect(event.method).toBe('POST');
        expect(event.path).toBe(apiPaths.orthancEvent);
        expect(event.headers.authorization).toBe(`Bearer ${token}`);
        expect(event.headers['content-type']).toBe('application/json');
        expect(event.body).toEqual({ orthancInstanceId: expect.any(String) });
      }
      expect(events.some((e) => [sr.ID, heatmaps.ID].includes((e.body as { orthancInstanceId: string }).orthancInstanceId))).toBe(false);
    });
  });

  describe('when the sidecar is down', () => {
    it('should log the lost event and keep storing', async () => {
      // An Orthanc of its own, told of a sidecar on a port where nothing listens.
      const alone = await startTestOrthanc({ sidecar: { url: `http://127.0.0.1:${await findFreePort()}`, token } });
      try {
        const fresh = await alone.client.uploadInstance(image);
        expect(fresh.Status).toBe('Success');
        const log = await waitForLog(alone.logFile, /notify-sidecar: POST \/api\/internal\/orthanc-event failed for instance/);
        expect(log).toMatch(new RegExp(`failed for instance ${fresh.ID}`));
        expect(await alone.client.instanceIdByUid(String(readDicomDataset(image).dataset.SOPInstanceUID))).toBe(fresh.ID);
      } finally {
        await alone.stop();
      }
    });
  });
});

describe('orthanc/lua/notify-sidecar.lua as Lua source', () => {
  // Lua cannot import the product's rules, so its two literals are held to them here.
  it('should use the product SR prefix, Parametric Map class and event path, letter for letter', async () => {
    const lua = await readFile(orthancPaths.notifySidecarScript, 'utf8');
    expect(lua.match(/^local srSopClassPrefix = '([^']*)'$/m)?.[1]).toBe(structuredReportSopClassPrefix);
    expect(lua.match(/^local parametricMapSopClass = '([^']*)'$/m)?.[1]).toBe(parametricMapSopClassUid);
    expect(lua.match(/^local eventPath = '([^']*)'$/m)?.[1]).toBe(apiPaths.orthancEvent);
  });
});

describe('orthanc/lua/notify-sidecar.lua without a sidecar URL', () => {
  it('should say at load that auto-classify on arrival is off', async () => {
    const orthanc = await startTestOrthanc({ luaScripts: [orthancPaths.notifySidecarScript] });
    try {
      const log = await waitForLog(orthanc.logFile, /CXR_SIDECAR_URL is not set/);
      expect(log).toMatch(/auto-classify on arrival is off/);
    } finally {
      await orthanc.stop();
    }
  });
});

/** Orthanc writes its log asynchronously; poll it (bounded) for the line a behaviour leaves. */
async function waitForLog(logFile: string, pattern: RegExp): Promise<string> {
  for (let i = 0; i < 100; i++) {
    const text = await readFile(logFile, 'utf8');
    if (pattern.test(text)) return text;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`Orthanc log ${logFile} never matched ${pattern}`);
}
