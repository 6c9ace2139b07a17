/**
 * Many large uploads at once against the real server: each takes its place in the queue and its share
 * of the body budget before its body is read, so refusals come before the body is even sent, and memory
 * stays bounded whatever the number of uploads.
 */
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../inference-service/src/config/config.ts';
import { apiPaths, configEnv } from '../../inference-service/src/config/defaults.ts';
import { startSidecar, type RunningSidecar } from '../../inference-service/src/server.ts';
import { largeNativeImage } from '../support/hostileDicom.ts';
import { startTestOrthanc, type TestOrthanc, orthancEnv } from '../support/orthanc.ts';

const token = 'uploads-suite-token-0123456789';

interface Outcome {
  /** The answer came while only the first 64 KB of the body had been sent. */
  readonly beforeBody: boolean;
  readonly status: number;
  readonly code?: string;
}

/** Sends the first 64 KB, waits to see whether the server answers already, then the rest if not. */
async function upload(url: URL, body: Uint8Array): Promise<Outcome> {
  const request = http.request(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/dicom', 'content-length': body.length },
  });
  request.on('error', () => undefined);
  const answered = once(request, 'response') as Promise<[http.IncomingMessage]>;
  request.write(body.subarray(0, 65536));
  // Refusals come on the headers alone; on a loaded host they can take seconds to be written back.
  const early = await Promise.race([answered, sleep(10_000).then(() => undefined)]);
  if (!early) request.end(body.subarray(65536));
  const [response] = early ?? (await answered);
  const chunks: Buffer[] = [];
  for await (const chunk of response) chunks.push(chunk as Buffer);
  if (early) request.destroy();
  const text = Buffer.concat(chunks).toString('utf8');
  const code = response.statusCode === 200 ? undefined : (JSON.parse(text) as { error: { code: string } }).error.code;
  return { beforeBody: early !== undefined, status: response.statusCode ?? 0, ...(code ? { code } : {}) };
}

describe('150 concurrent 10 MB uploads to POST /api/classify/file', () => {
  let orthanc: TestOrthanc;
  let dataDir: string;
  let sidecar: RunningSidecar;

  beforeAll(async () => {
    orthanc = await startTestOrthanc();
    dataDir = await mkdtemp(join(tmpdir(), 'cxr-uploads-'));
    const config = loadConfig({
      [configEnv.port]: '0',
      ...orthancEnv(orthanc),
      [configEnv.apiToken]: token,
      [configEnv.dataDir]: dataDir,
      [configEnv.autoClassify]: 'off',
      [configEnv.intraOpThreads]: '1',
      [configEnv.logLevel]: 'error',
      [configEnv.bodyTotalLimitMb]: '128',
    });
    sidecar = await startSidecar({ config, followChanges: false });
  });

  afterAll(async () => {
    await sidecar?.stop();
    await orthanc?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('should refuse the ones past the queue or the body budget before their body, classify the rest, and bound memory', async () => {
    const body = largeNativeImage(2240, 2240);
    expect(body.length).toBeGreaterThan(10_000_000);
    const rssBefore = process.memoryUsage().rss;
    let peakRss = rssBefore;
    const timer = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 10);
    let outcomes: Outcome[];
    try {
      outcomes = await Promise.all(Array.from({ length: 150 }, () => upload(new URL(apiPaths.classifyFile, sidecar.url), body)));
    } finally {
      clearInterval(timer);
    }
    const classified = outcomes.filter((o) => o.status === 200);
    const refused = outcomes.filter((o) => o.status === 429);
    expect(classified.length + refused.length).toBe(150);
    // 128 MB of budget holds 12 bodies of 10 MB at once; a request arriving after one finished gets its room.
    expect(classified.length).toBeGreaterThanOrEqual(12);
    expect(refused.length).toBeGreaterThanOrEqual(100);
    expect(classified.every((o) => !o.beforeBody)).toBe(true);
    expect(refused.every((o) => o.beforeBody)).toBe(true);
    for (const o of refused) expect(['upload-budget-full', 'queue-full']).toContain(o.code);
    expect(peakRss - rssBefore).toBeLessThan(1024 ** 3);
  }, 120_000);
});
